import PQueue from 'p-queue';
import { fullJitter, PACING_BACKOFF, sleep, type BackoffPolicy } from '../../shared/async.js';
import { soleInstallFence, type WriteFence } from '../coordination/write-fence.js';
import { currentUnleasedRead } from '../coordination/unleased-read.js';
import { LeaseBucket, type LeaseToken, type RateLease } from './lease-bucket.js';
import { SlidingWindowLimiter } from './sliding-window.js';

/** Calls of this priority or higher are real-time event reads in the partner budget's demand. */
export const REALTIME_MIN_PRIORITY = 1;
/**
 * Demand is what is pending now, to be sent within this horizon: half a second for real-time reads (a lease
 * bucket starts empty, so the first token comes after 1/rate), two seconds for bulk.
 */
const REALTIME_HORIZON_S = 0.5;
const BULK_HORIZON_S = 2;

/** How the gate should treat a failed attempt. */
export type FailureClass =
  | { kind: 'throttled'; retryAfterMs?: number } // 429: not processed, always safe to send again
  | { kind: 'transient' } // 5xx, reset, timeout: safe to resend only if the call is idempotent
  | { kind: 'fatal' }; // 4xx and anything else: give up now

export interface PacingGateOptions {
  name: string;
  ratePerSecond: number;
  burst: number;
  classify: (error: unknown) => FailureClass;
  /** Added to the 1 s window so network jitter between client and server cannot squeeze 6 starts into a server second. */
  windowMarginMs?: number;
  maxAttempts?: number; // for transient failures
  maxThrottledAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** After this long without a 429 the rate steps back up towards the configured one. */
  recoveryIntervalMs?: number;
  random?: () => number;
  now?: () => number;
  /** The firm's sync lease: checked before every request, so an install that is not the host sends nothing. */
  fence?: WriteFence;
}

export interface CallOptions {
  /** GET/PUT and other calls safe to repeat after an unknown outcome. */
  idempotent: boolean;
  /** Higher runs first (p-queue semantics): stage changes and user actions before backfill. */
  priority?: number;
}

export interface GateMetrics {
  sent: number;
  succeeded: number;
  throttled: number;
  retried: number;
  failed: number;
  currentRatePerSecond: number;
  /** Starts in the last 5 s divided by 5: what the UI shows as requests/s. */
  recentRatePerSecond: number;
  /** The partner budget's rate lease in force (its rate, or the floor once lapsed); absent in per-firm mode. */
  budgetRatePerSecond?: number;
  /** Calls queued or running. */
  pending: number;
}

/**
 * One gate per remote API. Every request to that API goes through `run`: it waits for a slot in the rolling
 * window (never more than the configured rate in any second) and for one of `burst` concurrent slots (so
 * latency does not cap throughput), retries what is safe to retry, and on 429 backs off for everyone and
 * lowers its own rate until the server stops pushing back (AIMD).
 */
export class PacingGate {
  private readonly queue: PQueue;
  private readonly window: SlidingWindowLimiter;
  private readonly opts: Required<PacingGateOptions>;
  private readonly backoffPolicy: BackoffPolicy;
  private readonly startTimes: number[] = [];
  private lastThrottleAt = -Infinity;
  private lastRecoveryAt = 0;
  private throttleStreak = 0;
  private leaseBucket: LeaseBucket | undefined;
  private pendingRealtime = 0;
  private pendingBulk = 0;
  private demandListener: (() => void) | undefined;
  readonly metrics: Omit<GateMetrics, 'currentRatePerSecond' | 'recentRatePerSecond' | 'budgetRatePerSecond' | 'pending'> = {
    sent: 0,
    succeeded: 0,
    throttled: 0,
    retried: 0,
    failed: 0,
  };

  constructor(options: PacingGateOptions) {
    this.opts = {
      windowMarginMs: 50,
      maxAttempts: 6,
      maxThrottledAttempts: 12,
      baseBackoffMs: PACING_BACKOFF.baseMs,
      maxBackoffMs: PACING_BACKOFF.capMs,
      recoveryIntervalMs: 5_000,
      random: Math.random,
      now: () => performance.now(),
      ...options,
      fence: options.fence ?? soleInstallFence,
    };
    this.backoffPolicy = fullJitter(this.opts.baseBackoffMs, this.opts.maxBackoffMs);
    this.queue = new PQueue({ concurrency: Math.max(1, this.opts.burst) });
    this.window = new SlidingWindowLimiter(this.opts.ratePerSecond, 1000 + this.opts.windowMarginMs, this.opts.now);
  }

  get name(): string {
    return this.opts.name;
  }

  /** Changes the configured limit (e.g. the firm's contract allows 10/s). */
  configure(ratePerSecond: number, burst: number): void {
    this.opts.ratePerSecond = ratePerSecond;
    this.opts.burst = burst;
    this.queue.concurrency = Math.max(1, burst);
    this.window.setCapacity(ratePerSecond);
  }

  snapshot(): GateMetrics {
    const t = this.opts.now();
    while (this.startTimes.length > 0 && t - (this.startTimes[0] as number) > 5_000) this.startTimes.shift();
    return {
      ...this.metrics,
      currentRatePerSecond: this.window.capacity,
      recentRatePerSecond: this.startTimes.length / 5,
      ...(this.leaseBucket ? { budgetRatePerSecond: this.leaseBucket.rateNow() } : {}),
      pending: this.pendingRealtime + this.pendingBulk,
    };
  }

  /**
   * Follows the partner budget (src/sync/pacing/rate-lease.ts): every start also waits for a token of the
   * lease, on top of the firm's own window. undefined: no partner budget (per-firm mode), the firm's own
   * rate alone applies.
   */
  setRateLease(lease: RateLease | undefined): void {
    if (!lease) {
      const bucket = this.leaseBucket;
      this.leaseBucket = undefined;
      bucket?.releaseAll();
      bucket?.dispose();
      this.queue.concurrency = Math.max(1, this.opts.burst);
      return;
    }
    if (this.leaseBucket) this.leaseBucket.set(lease);
    else this.leaseBucket = new LeaseBucket(lease, this.opts.now);
    this.applyLeaseConcurrency();
  }

  /** Requests per second wanted now, by class (what is pending, to be sent within its horizon). */
  demand(): { realtime: number; bulk: number } {
    const demand = { realtime: this.pendingRealtime / REALTIME_HORIZON_S, bulk: this.pendingBulk / BULK_HORIZON_S };
    // A host whose calls wait for lease tokens could use more than it holds (a few pages at a time still send
    // faster than the grant): ask for twice the grant, so idle share flows to it.
    const bucket = this.leaseBucket;
    if (bucket && bucket.waiting > 0 && this.pendingBulk > 0) demand.bulk = Math.max(demand.bulk, Math.min(this.opts.ratePerSecond, 2 * bucket.rateNow()));
    return demand;
  }

  /**
   * Called when a class's pending calls go from none to some (the rate lease asks at once), and when the last
   * pending call ends (the rate lease gives its share back at once instead of at its next renewal).
   */
  onDemand(listener: (() => void) | undefined): void {
    this.demandListener = listener;
  }

  private applyLeaseConcurrency(): void {
    if (this.leaseBucket) this.queue.concurrency = Math.max(1, Math.min(this.opts.burst, this.leaseBucket.concurrencyNow()));
  }

  async run<T>(attempt: () => Promise<T>, call: CallOptions): Promise<T> {
    const realtime = (call.priority ?? 0) >= REALTIME_MIN_PRIORITY;
    const rose = realtime ? this.pendingRealtime++ === 0 : this.pendingBulk++ === 0;
    if (rose) this.demandListener?.();
    try {
      return await this.runCounted(attempt, call);
    } finally {
      if (realtime) this.pendingRealtime -= 1;
      else this.pendingBulk -= 1;
      if (this.pendingRealtime + this.pendingBulk === 0) this.demandListener?.();
    }
  }

  /**
   * The fence this call passes, decided as it enters (in the caller's async context): a sign-in or set-up read the
   * fence admits without the lease is still paced, but is not fenced.
   */
  private fenceForCall(): WriteFence {
    const read = currentUnleasedRead();
    return read && this.opts.fence.admitsUnleased?.(read) ? soleInstallFence : this.opts.fence;
  }

  private async runCounted<T>(attempt: () => Promise<T>, call: CallOptions): Promise<T> {
    const fence = this.fenceForCall();
    let transientFailures = 0;
    let throttles = 0;
    for (;;) {
      try {
        await fence.beforeSend();
        const result = await this.queue.add(
          async () => {
            let token: LeaseToken | undefined;
            if (this.leaseBucket) {
              // The partner budget's token first: the firm's own window then only sees requests that may go.
              token = await this.leaseBucket.take();
              this.applyLeaseConcurrency();
            }
            const started = await this.window.acquire();
            // Waiting for a slot can take a while (a 429's hold): the rate lease may have lapsed meanwhile. A token
            // of a lapsed lease is void: wait for one of the renewed lease or of the floor, never the old rate.
            while (this.leaseBucket && !this.leaseBucket.honours(token)) {
              token = await this.leaseBucket.take();
              this.applyLeaseConcurrency();
            }
            // The sync lease may have gone meanwhile too.
            fence.check();
            started();
            this.metrics.sent += 1;
            this.startTimes.push(this.opts.now());
            return attempt();
          },
          { priority: call.priority ?? 0 },
        );
        this.metrics.succeeded += 1;
        this.maybeRecover();
        return result as T;
      } catch (error) {
        const failure = this.opts.classify(error);
        if (failure.kind === 'throttled') {
          throttles += 1;
          this.onThrottled(failure.retryAfterMs);
          if (throttles < this.opts.maxThrottledAttempts) {
            this.metrics.retried += 1;
            continue;
          }
        } else if (failure.kind === 'transient' && call.idempotent) {
          transientFailures += 1;
          if (transientFailures < this.opts.maxAttempts) {
            this.metrics.retried += 1;
            await sleep(this.backoff(transientFailures));
            continue;
          }
        }
        this.metrics.failed += 1;
        throw error;
      }
    }
  }

  /**
   * Stops starting requests (the ones already sent finish); "Pause" in the app, so a long import really stops
   * instead of running to the end. Queued calls wait and go on after `resume`.
   */
  pause(): void {
    this.queue.pause();
  }

  resume(): void {
    this.queue.start();
  }

  get paused(): boolean {
    return this.queue.isPaused;
  }

  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void> {
    return this.queue.onIdle();
  }

  dispose(): void {
    this.queue.clear();
    this.window.dispose();
    this.leaseBucket?.dispose();
  }

  private onThrottled(retryAfterMs: number | undefined): void {
    this.metrics.throttled += 1;
    const t = this.opts.now();
    // Several in-flight calls see the same empty bucket: treat 429s within one window as one signal.
    if (t - this.lastThrottleAt > 1000) {
      this.throttleStreak += 1;
      this.window.setCapacity(Math.max(1, Math.floor(this.window.capacity / 2)));
    }
    this.lastThrottleAt = t;
    const hold = retryAfterMs ?? this.backoff(this.throttleStreak);
    this.window.blockUntil(t + hold);
  }

  private maybeRecover(): void {
    const t = this.opts.now();
    if (this.window.capacity >= this.opts.ratePerSecond) {
      this.throttleStreak = 0;
      return;
    }
    if (t - this.lastThrottleAt >= this.opts.recoveryIntervalMs && t - this.lastRecoveryAt >= this.opts.recoveryIntervalMs) {
      this.lastRecoveryAt = t;
      this.window.setCapacity(Math.min(this.opts.ratePerSecond, this.window.capacity + 1));
    }
  }

  /** Full-jitter exponential backoff: many requests share the server's limit, so their retries spread widely. */
  private backoff(n: number): number {
    return this.backoffPolicy(n, this.opts.random);
  }
}
