import type { Clock } from '../../src/app/ports.js';

/**
 * A manual clock. `advanceTo` fires due timers in order, moving the time to each timer's due moment. `sleep` models a
 * suspended machine: wall time jumps, and pending timers fire that much later (timers run on a clock that stops
 * during suspend).
 */
export class FakeClock implements Clock {
  private t: number;
  private nextId = 1;
  private timers: Array<{ id: number; at: number; fn: () => void }> = [];
  private sleptMs = 0;
  maxDelayMs = 0;

  constructor(start: Date) {
    this.t = start.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  /** Moves with `now`, except across a `sleep`: a suspended machine's monotonic time stands still. */
  monotonicMs(): number {
    return this.t - this.sleptMs;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.maxDelayMs = Math.max(this.maxDelayMs, ms);
    const id = this.nextId++;
    this.timers.push({ id, at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  async advanceTo(target: Date): Promise<void> {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= target.getTime()).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
      await flush();
    }
    this.t = Math.max(this.t, target.getTime());
    await flush();
  }
  advance(ms: number): Promise<void> {
    return this.advanceTo(new Date(this.t + ms));
  }
  sleep(ms: number): void {
    this.t += ms;
    this.sleptMs += ms;
    for (const timer of this.timers) timer.at += ms;
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
