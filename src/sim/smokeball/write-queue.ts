import { PendingWork } from '../common/pending-work.js';

/**
 * Smokeball accepts writes with 202 and applies them later ("eventually consistent"). Each accepted write
 * runs after the delay that was current when it was accepted; a write that fails while being applied is
 * reported through `onFailure` (which sends the `error` webhook), never to the HTTP caller.
 */
export class WriteQueue {
  private readonly work = new PendingWork();
  private closed = false;

  constructor(
    public delayMs: number,
    private readonly onFailure: (error: unknown, context: unknown) => void,
  ) {}

  get pending(): number {
    return this.work.pending;
  }

  /** Schedules `apply`; `context` is handed to onFailure when it throws. */
  enqueue(apply: () => void | Promise<void>, context?: unknown): void {
    if (this.closed) return;
    this.work.add();
    this.work.later(this.delayMs, () => void this.run(apply, context));
  }

  /** Resolves when no write is pending. */
  idle(): Promise<void> {
    return this.work.idle();
  }

  close(): void {
    this.closed = true;
    this.work.cancelAll();
  }

  private async run(apply: () => void | Promise<void>, context: unknown): Promise<void> {
    try {
      if (!this.closed) await apply();
    } catch (error) {
      if (!this.closed) this.onFailure(error, context);
    } finally {
      this.work.done();
    }
  }
}
