import type { Logger, SyncStack } from '../sync/index.js';
import { errorMessageOf } from '../sync/index.js';
import type { Clock } from './ports.js';

export interface HeldReleaseDeps {
  stack(): SyncStack | undefined;
  /** False while paused, signed out, or on a standby install: held changes wait (they are stored). */
  canSend(): boolean;
  clock: Clock;
  logger: Logger;
  /** How often the hold's release times are checked; a change goes out at most this late. */
  everyMs?: number;
  changed(): void;
}

const DEFAULT_EVERY_MS = 10_000;

/**
 * Sends held stage changes when their hold runs out. The release times are stored with the changes (SQLite), so a
 * restart simply finds them due at the next check; a check is one indexed query.
 */
export class HeldReleaseTimer {
  private timer: unknown;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: HeldReleaseDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
  }

  /** One check now: sends what is due (the engine queues it behind a running sync). */
  check(): Promise<void> {
    this.running ??= this.release().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.deps.everyMs ?? DEFAULT_EVERY_MS);
  }

  private async release(): Promise<void> {
    const stack = this.deps.stack();
    if (!stack || !this.deps.canSend() || !stack.engine.heldDue()) return;
    try {
      const run = await stack.engine.releaseDueHeld();
      if (run.outcome === 'failed') this.deps.logger.warn('Held stage changes not sent; trying again at the next check', { error: run.error });
    } catch (error) {
      this.deps.logger.warn('Held stage changes not sent; trying again at the next check', { error: errorMessageOf(error) });
    }
    this.deps.changed();
  }
}
