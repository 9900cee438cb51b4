import { TokenBucket } from '../common/token-bucket.js';
import { ApiError } from './errors.js';

export interface RateLimitConfig {
  ratePerSecond: number;
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { ratePerSecond: 10, burst: 10 };

/**
 * One token bucket per API key. `false` turns limiting off (benchmarks of the engine itself).
 * A throttled request gets 429 with `Retry-After` in whole seconds, always.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private config: RateLimitConfig | false) {}

  get current(): RateLimitConfig | false {
    return this.config;
  }

  set(config: RateLimitConfig | false): void {
    if (config === false || this.config === false) this.buckets.clear();
    else for (const bucket of this.buckets.values()) bucket.reconfigure(config);
    this.config = config;
  }

  /** Takes a token for `key` or throws the 429. */
  take(key: string): void {
    const config = this.config;
    if (config === false) return;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket({ ...config });
      this.buckets.set(key, bucket);
    }
    if (bucket.tryTake()) return;
    // The bucket is below one token, so one refill interval always suffices; round up to whole seconds
    // because Retry-After carries delta-seconds.
    const retryAfter = Math.max(1, Math.ceil(1 / config.ratePerSecond));
    throw new ApiError(
      429,
      'rate_limited',
      `Rate limit exceeded (${config.ratePerSecond}/s, burst ${config.burst})`,
      {
        retryAfterSeconds: retryAfter,
      },
      { 'retry-after': String(retryAfter) },
    );
  }
}
