import { silentLogger, type Logger } from '../sync/index.js';
import { systemClock, type Clock } from './ports.js';

/**
 * Runs the nightly reconcile once a day at a local time, and catches up after sleep or a missed night.
 *
 * Why it is built this way:
 * - Timers are re-armed in chunks of at most `checkEveryMs`. A single 20-hour timer does not survive a laptop lid being
 *   closed (on Linux and macOS timers run on a clock that stops during suspend), so a machine that slept past the
 *   time notices on its next check, or at once when the host calls `wake()` on resume / unlock.
 * - At `start()` and `wake()`, if the most recent occurrence of the time is later than the last run, one catch-up
 *   run starts after `catchUpDelayMs` (so it does not slow down login). Three missed nights are one run: the nightly
 *   reconcile is a full scan, so running it twice in a row gains nothing.
 * - Occurrences are computed with local Date arithmetic (`new Date(y, m, d, hh, mm)`), so DST days work: a time that
 *   does not exist on a spring-forward day runs at the shifted time, and a time that happens twice on a fall-back day
 *   runs once.
 * - Never two runs at once; a failing run is logged and counted, retried after `retryDelaysMs`, and the schedule
 *   carries on.
 */
export interface NightlySchedulerOptions {
  /** Local 24-hour time, 'HH:MM'. */
  time: string;
  /** When the nightly run last finished (from the state store). null: never; nothing before `start()` is caught up. */
  lastRunAt(): Date | null;
  run(): Promise<void>;
  clock?: Clock;
  /** Longest single timer; also how late a missed time is noticed without `wake()`. Default 60 s. */
  checkEveryMs?: number;
  /** Delay before a catch-up run found at `start()` or `wake()`. Default 30 s. */
  catchUpDelayMs?: number;
  /** Retries after a failed run, in order (each measured from the failure). Default 15 min, then 1 h. */
  retryDelaysMs?: number[];
  logger?: Logger;
}

export interface NightlySchedulerStats {
  /** Runs started (scheduled, catch-up and retries). */
  runs: number;
  failures: number;
  /** Occurrences skipped because a run was still going. */
  skipped: number;
  lastError: string | null;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function parseTimeOfDay(hhmm: string): { hours: number; minutes: number } {
  const match = HHMM.exec(hhmm);
  if (!match) throw new RangeError(`Invalid nightly sync time ${JSON.stringify(hhmm)}: use a 24-hour time such as 02:00`);
  return { hours: Number(match[1]), minutes: Number(match[2]) };
}

/** The occurrence of `hours:minutes` on the local calendar day of `day` shifted by `dayOffset` days. */
function occurrenceOn(day: Date, dayOffset: number, time: { hours: number; minutes: number }): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() + dayOffset, time.hours, time.minutes, 0, 0);
}

/** The latest occurrence at or before `now`. */
export function previousOccurrence(now: Date, hhmm: string): Date {
  const time = parseTimeOfDay(hhmm);
  const today = occurrenceOn(now, 0, time);
  return today.getTime() <= now.getTime() ? today : occurrenceOn(now, -1, time);
}

/** The first occurrence strictly after `now`. */
export function nextOccurrence(now: Date, hhmm: string): Date {
  const time = parseTimeOfDay(hhmm);
  const today = occurrenceOn(now, 0, time);
  return today.getTime() > now.getTime() ? today : occurrenceOn(now, 1, time);
}

type Reason = 'scheduled' | 'catch-up' | 'retry';

export class NightlyScheduler {
  private time: string;
  private readonly clock: Clock;
  private readonly checkEveryMs: number;
  private readonly catchUpDelayMs: number;
  private readonly retryDelaysMs: number[];
  private readonly logger: Logger;

  private started = false;
  private checkTimer: unknown = null;
  /** A catch-up or retry waiting to start. */
  private pending: { at: Date; timer: unknown; reason: Reason } | null = null;
  private running: Promise<void> | null = null;
  /** Occurrences at or before this instant are never run again (handled, or before the schedule existed). */
  private handledUpTo = 0;
  private failuresInARow = 0;
  readonly stats: NightlySchedulerStats = { runs: 0, failures: 0, skipped: 0, lastError: null };

  constructor(private readonly options: NightlySchedulerOptions) {
    parseTimeOfDay(options.time);
    this.time = options.time;
    this.clock = options.clock ?? systemClock;
    this.checkEveryMs = options.checkEveryMs ?? 60_000;
    this.catchUpDelayMs = options.catchUpDelayMs ?? 30_000;
    this.retryDelaysMs = options.retryDelaysMs ?? [15 * 60_000, 60 * 60_000];
    this.logger = options.logger ?? silentLogger;
    if (!(this.checkEveryMs > 0)) throw new RangeError('checkEveryMs must be positive');
  }

  /** When the next run will start: a pending catch-up or retry, else the next occurrence. null when stopped. */
  get nextRunAt(): Date | null {
    if (!this.started) return null;
    if (this.pending) return this.pending.at;
    return nextOccurrence(this.clock.now(), this.time);
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const last = this.options.lastRunAt();
    this.handledUpTo = last ? last.getTime() : this.clock.now().getTime();
    this.catchUpIfMissed();
    this.arm();
  }

  stop(): void {
    this.started = false;
    this.clearCheck();
    if (this.pending) this.clock.clearTimeout(this.pending.timer);
    this.pending = null;
  }

  /** Waits for a run in progress (for a clean quit). */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Changes the time. Never starts a run by itself: moving 02:00 to 09:00 at 10:00 means tomorrow at 09:00. */
  setTime(hhmm: string): void {
    parseTimeOfDay(hhmm);
    if (hhmm === this.time) return;
    this.time = hhmm;
    this.handledUpTo = Math.max(this.handledUpTo, this.clock.now().getTime());
    if (this.started) this.arm();
  }

  /** Call after the machine resumes from sleep or the screen is unlocked: catches up a missed night. */
  wake(): void {
    if (!this.started) return;
    this.catchUpIfMissed();
    this.arm();
  }

  /** The most recent occurrence, if it has not been handled and no newer run covers it. */
  private dueOccurrence(): Date | null {
    const occurrence = previousOccurrence(this.clock.now(), this.time);
    if (occurrence.getTime() <= this.handledUpTo) return null;
    const last = this.options.lastRunAt();
    if (last && occurrence.getTime() <= last.getTime()) {
      this.handledUpTo = occurrence.getTime();
      return null;
    }
    return occurrence;
  }

  private catchUpIfMissed(): void {
    const occurrence = this.dueOccurrence();
    if (!occurrence) return;
    this.handledUpTo = occurrence.getTime();
    this.logger.info('Nightly sync was missed; catching up', { missed: occurrence.toISOString(), inMs: this.catchUpDelayMs });
    this.schedulePending('catch-up', this.catchUpDelayMs);
  }

  private schedulePending(reason: Reason, delayMs: number): void {
    if (this.pending) this.clock.clearTimeout(this.pending.timer);
    const at = new Date(this.clock.now().getTime() + delayMs);
    const timer = this.clock.setTimeout(() => {
      this.pending = null;
      this.trigger(reason);
    }, delayMs);
    this.pending = { at, timer, reason };
  }

  private arm(): void {
    this.clearCheck();
    if (!this.started) return;
    const now = this.clock.now();
    const untilNext = nextOccurrence(now, this.time).getTime() - now.getTime();
    this.checkTimer = this.clock.setTimeout(() => this.check(), Math.max(0, Math.min(this.checkEveryMs, untilNext)));
  }

  private check(): void {
    this.checkTimer = null;
    if (!this.started) return;
    const occurrence = this.dueOccurrence();
    if (occurrence) {
      this.handledUpTo = occurrence.getTime();
      if (this.pending) {
        // A catch-up or retry is already waiting; it covers this occurrence.
      } else {
        this.trigger('scheduled');
      }
    }
    this.arm();
  }

  private trigger(reason: Reason): void {
    if (!this.started) return;
    if (this.running) {
      this.stats.skipped++;
      this.logger.warn('Nightly sync skipped: the previous run is still going', { reason });
      return;
    }
    this.stats.runs++;
    this.logger.info('Nightly sync starting', { reason });
    this.running = (async () => {
      try {
        await this.options.run();
        this.failuresInARow = 0;
        this.stats.lastError = null;
      } catch (err) {
        this.stats.failures++;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
        const retryIn = this.retryDelaysMs[this.failuresInARow];
        this.failuresInARow++;
        this.logger.error('Nightly sync failed', { error: this.stats.lastError, retryInMs: retryIn ?? null });
        if (retryIn !== undefined && this.started && !this.pending) this.schedulePending('retry', retryIn);
        else this.failuresInARow = 0;
      } finally {
        this.running = null;
      }
    })();
  }

  private clearCheck(): void {
    if (this.checkTimer !== null) this.clock.clearTimeout(this.checkTimer);
    this.checkTimer = null;
  }
}
