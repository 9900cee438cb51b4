/**
 * Server-side token bucket, as Smokeball documents its limit (rate r tokens/s, capacity = burst).
 * Used by the simulators to decide 429s; the client-side pacing gate lives in src/sync.
 */
export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
  now?: () => number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly now: () => number;

  constructor(private options: TokenBucketOptions) {
    this.now = options.now ?? (() => performance.now());
    this.tokens = options.burst;
    this.last = this.now();
  }

  /** Takes one token if available. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  reconfigure(options: Partial<Pick<TokenBucketOptions, 'ratePerSecond' | 'burst'>>): void {
    this.refill();
    this.options = { ...this.options, ...options };
    this.tokens = Math.min(this.tokens, this.options.burst);
  }

  private refill(): void {
    const t = this.now();
    const elapsedS = (t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.options.burst, this.tokens + elapsedS * this.options.ratePerSecond);
  }
}
