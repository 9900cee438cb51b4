/**
 * Smokeball accepts writes with 202 and applies them later ("eventually consistent"). Each accepted write
 * runs after the delay that was current when it was accepted; a write that fails while being applied is
 * reported through `onFailure` (which sends the `error` webhook), never to the HTTP caller.
 */
export class WriteQueue {
  private pendingCount = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    public delayMs: number,
    private readonly onFailure: (error: unknown, context: unknown) => void,
  ) {}

  get pending(): number {
    return this.pendingCount;
  }

  /** Schedules `apply`; `context` is handed to onFailure when it throws. */
  enqueue(apply: () => void | Promise<void>, context?: unknown): void {
    if (this.closed) return;
    this.pendingCount += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(apply, context);
    }, this.delayMs);
    this.timers.add(timer);
  }

  /** Resolves when no write is pending. */
  idle(): Promise<void> {
    if (this.pendingCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pendingCount = 0;
    this.flushWaiters();
  }

  private async run(apply: () => void | Promise<void>, context: unknown): Promise<void> {
    try {
      if (!this.closed) await apply();
    } catch (error) {
      if (!this.closed) this.onFailure(error, context);
    } finally {
      this.pendingCount = Math.max(0, this.pendingCount - 1);
      if (this.pendingCount === 0) this.flushWaiters();
    }
  }

  private flushWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
