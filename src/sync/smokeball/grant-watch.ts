import { silentLogger, type Logger } from '../ports.js';
import type { SmokeballClient } from './client.js';
import { AuthRequiredError } from './oauth.js';

export interface GrantWatchOptions {
  smokeball: Pick<SmokeballClient, 'request' | 'gate'>;
  /** Whether a probe makes sense now (signed in, not paused). Checked on every tick. */
  active: () => boolean;
  /**
   * A probe is sent when no Smokeball request started during one whole interval, so a lapsed or revoked grant is
   * noticed at most two intervals (plus one request) after it happened.
   */
  intervalMs?: number;
  logger?: Logger;
  /** Runs `tick` every `ms` and returns a function that stops it (tests drive the ticks by hand). */
  every?: (tick: () => void, ms: number) => () => void;
}

const realTimer = (tick: () => void, ms: number): (() => void) => {
  const timer = setInterval(tick, ms);
  timer.unref?.();
  return () => clearInterval(timer);
};

export const DEFAULT_GRANT_WATCH_MS = 60_000;
/** The cheapest authenticated read: one small record, no paging, no side effects. */
const PROBE_PATH = '/firm';
/** Below every sync request: a probe never delays real work. */
const PROBE_PRIORITY = -10;

/**
 * Notices a lapsed or revoked Smokeball grant while nothing else talks to Smokeball.
 *
 * Smokeball tells an app its grant is gone only by refusing a request. Runs, real-time refreshes and the write-back
 * make requests while there is work; in a quiet hour (or when real time is down) nothing might, and staff would see
 * a calm window while nothing syncs. So once per interval, if the Smokeball gate started no request during it, the
 * watch makes one cheap authenticated read. A refusal goes through the client's normal path (401 → refresh → the
 * token endpoint refuses → the token manager's sign-in-lost listeners), so the app reacts exactly as it does when
 * a sync finds out. Cost: at most one request per interval, and none while other requests flow.
 */
export class GrantWatch {
  private stopTimer: (() => void) | undefined;
  private lastSent = -1;
  private probing: Promise<void> | undefined;
  private readonly intervalMs: number;
  private readonly log: Logger;
  /** Probes sent so far (the share of the rate budget this costs is probes / elapsed seconds / rate). */
  probes = 0;

  constructor(private readonly options: GrantWatchOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_GRANT_WATCH_MS;
    this.log = options.logger ?? silentLogger;
  }

  start(): void {
    if (this.stopTimer) return;
    this.lastSent = this.options.smokeball.gate.metrics.sent;
    this.stopTimer = (this.options.every ?? realTimer)(() => this.tick(), this.intervalMs);
  }

  /** Stops the timer; a probe in flight finishes (its outcome reaches the token manager as usual). */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.probing;
  }

  /** Resolves when the probe in flight (if any) has its answer. */
  settled(): Promise<void> {
    return this.probing ?? Promise.resolve();
  }

  private tick(): void {
    const sent = this.options.smokeball.gate.metrics.sent;
    const quiet = sent === this.lastSent;
    this.lastSent = sent;
    // A paused gate would hold the probe in its queue: pausing is staff saying "no requests now".
    if (!quiet || this.probing || this.options.smokeball.gate.paused || !this.options.active()) return;
    this.probing = this.probe().finally(() => {
      this.probing = undefined;
      // The probe itself is a request: the next interval must count only others.
      this.lastSent = this.options.smokeball.gate.metrics.sent;
    });
  }

  private async probe(): Promise<void> {
    this.probes += 1;
    try {
      await this.options.smokeball.request('GET', PROBE_PATH, { priority: PROBE_PRIORITY });
    } catch (error) {
      if (error instanceof AuthRequiredError) {
        // The token manager has told its sign-in-lost listeners already; this is the watch's own record of it.
        this.log.warn('Smokeball refused the grant during the quiet-time check', { error: error.message });
        return;
      }
      // Not an answer about the grant (Smokeball or the network failing): the next quiet interval asks again.
      this.log.info('Quiet-time grant check could not reach Smokeball', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
