/**
 * Work the simulator accepted and does later (a write applied after Smokeball's delay, a webhook delivered
 * with retries): how much is outstanding, its timers, and who waits for none to be left (`idle`, which the
 * tests and the control API use to settle before asserting).
 */
export class PendingWork {
  private count = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];

  get pending(): number {
    return this.count;
  }

  /** One more piece of work is outstanding. */
  add(): void {
    this.count += 1;
  }

  /** Runs `fn` after `delayMs`; the timer is cleared by `cancelAll`. */
  later(delayMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
  }

  /** One piece of work is finished; the idle waiters are told when none is left. */
  done(): void {
    this.count = Math.max(0, this.count - 1);
    if (this.count === 0) this.wakeIdle();
  }

  /** Resolves when no work is outstanding. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Closing: the timers are cleared, nothing is outstanding any more, and the idle waiters are told. */
  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.count = 0;
    this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
