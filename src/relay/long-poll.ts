import type { RelayStorage, StoredEvent } from './storage/port.js';

/**
 * Wakes long polls. `ring(firmId)` is called when this instance stores an event for the firm, and (on
 * PostgreSQL) when a NOTIFY says another instance did. A waiter that misses both still re-reads storage
 * every `recheckMs`, so a lost notification costs latency, never an event.
 */
export class EventBell {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly pauses = new Set<() => void>();
  private closed = false;

  ring(firmId: string): void {
    const set = this.waiters.get(firmId);
    if (!set) return;
    this.waiters.delete(firmId);
    for (const wake of set) wake();
  }

  /** Wakes every waiter; later waits end at once. Used when the server shuts down. */
  shutdown(): void {
    this.closed = true;
    for (const firmId of [...this.waiters.keys()]) this.ring(firmId);
    for (const done of [...this.pauses]) done();
  }

  get isShutDown(): boolean {
    return this.closed;
  }

  /**
   * Resolves after `ms`, when `signal` aborts, or at shutdown (a read paced by its firm's read budget must
   * not hold the server open while it drains).
   */
  pause(ms: number, signal: AbortSignal): Promise<void> {
    if (this.closed || signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.pauses.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.pauses.add(done);
    });
  }

  /** Number of waiting long polls (for tests and diagnostics). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * Registers a waiter now (so a ring that lands while the caller reads storage is not lost) and returns a
   * promise that settles on a ring, after `timeoutMs`, or when `signal` aborts.
   */
  arm(firmId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.closed || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(firmId);
      if (!set) {
        set = new Set();
        this.waiters.set(firmId, set);
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        const current = this.waiters.get(firmId);
        if (current) {
          current.delete(done);
          if (current.size === 0) this.waiters.delete(firmId);
        }
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }
}

export interface PollRequest {
  firmId: string;
  afterSeq: number;
  limit: number;
  /** Stop reading at this many bytes of bodies (plus the one event that crosses it). */
  maxBytes: number;
  waitMs: number;
  recheckMs: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** Reads events after the cursor; if there are none, waits (up to waitMs) for one to be stored. */
export async function pollEvents(storage: RelayStorage, bell: EventBell, req: PollRequest): Promise<StoredEvent[]> {
  const deadline = Date.now() + req.waitMs;
  for (;;) {
    const remaining = deadline - Date.now();
    const wake = remaining > 0 ? bell.arm(req.firmId, Math.min(remaining, req.recheckMs), req.signal) : undefined;
    const events = await storage.readEvents(req.firmId, req.afterSeq, req.limit, req.maxBytes);
    if (events.length > 0 || !wake || req.signal.aborted || bell.isShutDown) return events;
    await wake;
  }
}
