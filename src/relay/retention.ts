import type { Logger } from '../shared/logger.js';
import type { RelayStorage } from './storage/port.js';

const DAY_MS = 86_400_000;

/**
 * Deletes events older than `retentionDays`, once at start and then every `intervalMs`. Events are hints
 * for the firm's app (the nightly reconcile is the truth), so an app that was off for longer than the
 * retention simply resumes from the oldest event still kept.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly storage: RelayStorage,
    private readonly retentionDays: number,
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly logger: Logger,
    /** Called after a purge that deleted something (stored totals changed). */
    private readonly onPurged: () => void = () => undefined,
  ) {}

  start(): void {
    const tick = (): void => {
      this.runOnce()
        .catch((err: unknown) => this.logger.error('relay retention purge failed', { error: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /**
   * One purge, with the cutoff of the moment it is asked for. A call while a purge runs waits for it and then purges
   * again: answering with the running purge's count (an older cutoff) would under-report what "purge now" did.
   * The schedule starts its next tick only after the last one ended, so the chain stays one run long.
   */
  runOnce(): Promise<number> {
    const before = this.running?.then(
      () => undefined,
      () => undefined,
    );
    const cutoff = new Date(this.now() - this.retentionDays * DAY_MS);
    const run = (before ?? Promise.resolve()).then(() => this.purge(cutoff));
    this.running = run;
    run.then(
      () => this.done(run),
      () => this.done(run),
    );
    return run;
  }

  private done(run: Promise<number>): void {
    if (this.running === run) this.running = undefined;
  }

  private async purge(cutoff: Date): Promise<number> {
    const n = await this.storage.purgeReceivedBefore(cutoff);
    if (n > 0) {
      this.logger.info('relay retention purge', { deleted: n, retentionDays: this.retentionDays });
      this.onPurged();
    }
    return n;
  }

  /** Stops the schedule and waits for a purge in progress, so storage can be closed safely. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
