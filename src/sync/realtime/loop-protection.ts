import type { StateStore } from '../../store/index.js';

/**
 * RequestIds of writes the app made recently outside the outbox. Smokeball copies a request's RequestId into
 * every webhook the request causes, so an event carrying one of these is our own echo. Bounded (oldest
 * dropped first) and time-limited: an echo arrives within seconds, or minutes after webhook retries.
 */
export class RecentRequestIds {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly max = 10_000,
    private readonly ttlMs = 60 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  add(requestId: string): void {
    this.seen.delete(requestId);
    this.seen.set(requestId, this.now());
    while (this.seen.size > this.max) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
  }

  has(requestId: string): boolean {
    const at = this.seen.get(requestId);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.seen.delete(requestId);
      return false;
    }
    return true;
  }
}

/** Ours when the write-back job recorded it in the outbox, or another write noted it in `recent`. */
export function ownRequestIdCheck(store: StateStore, recent: RecentRequestIds): (requestId: string) => boolean {
  return (requestId) => recent.has(requestId) || store.outbox.hasRequestId(requestId);
}
