/** Keys kept before the full buckets are forgotten. */
const MAX_KEYS = 10_000;

/**
 * A token bucket per key: `ratePerSecond` tokens refill continuously up to `burst`. Used for a firm's webhook
 * rate (one token a webhook), its read budget (one token a byte of events served), and pairing attempts per client
 * address.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {}

  /** Tokens the key holds now (negative while it pays off a debt). */
  peek(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket.tokens;
  }

  /** Takes `n` tokens, even into debt: a read's size is known only after it was served. */
  take(key: string, n: number): void {
    this.peek(key);
    this.buckets.get(key)!.tokens -= n;
    if (this.buckets.size > MAX_KEYS) this.forgetFull();
  }

  /**
   * Forgets the keys whose bucket has refilled: they hold what a new key starts with, so nothing changes for them.
   * Keeps the map bounded when keys are many and fleeting (client addresses).
   */
  private forgetFull(): void {
    for (const key of [...this.buckets.keys()]) if (this.peek(key) >= this.burst) this.buckets.delete(key);
  }

  /** Whole seconds (at least 1) until the key holds `n` tokens again. */
  secondsUntil(key: string, n: number): number {
    return Math.max(1, Math.ceil((n - this.peek(key)) / this.ratePerSecond));
  }
}
