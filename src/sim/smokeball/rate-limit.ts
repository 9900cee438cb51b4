import { TokenBucket } from '../common/token-bucket.js';
import type { RateLimitConfig } from './options.js';

/**
 * API Gateway's usage-plan throttle: one token bucket per API key. Smokeball's docs say limits apply
 * "per client ID and endpoint" without saying how they are keyed; keying per API key is the [GUESS]
 * the research notes suggest, and the stricter reading for a single-app client.
 */
export class GatewayRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** `now` (ms) is the buckets' clock: a test freezes or steps it so a count does not depend on machine load. */
  constructor(
    public config: RateLimitConfig,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes a token for `apiKey`; false means answer 429. */
  take(apiKey: string): boolean {
    let bucket = this.buckets.get(apiKey);
    if (!bucket) {
      bucket = new TokenBucket({ ratePerSecond: this.config.ratePerSecond, burst: this.config.burst, now: this.now });
      this.buckets.set(apiKey, bucket);
    }
    return bucket.tryTake();
  }

  set(config: Partial<RateLimitConfig>): void {
    this.config = { ...this.config, ...config };
    for (const bucket of this.buckets.values()) {
      bucket.reconfigure({ ratePerSecond: this.config.ratePerSecond, burst: this.config.burst });
    }
  }
}
