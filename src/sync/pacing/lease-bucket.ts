/** A rate lease from the relay's partner budget, as the pacing gate applies it (times on the gate's clock). */
export interface RateLease {
  ratePerSecond: number;
  /** Requests in flight at once, and the most tokens the bucket may hold. */
  concurrency: number;
  /** The lease is used until then; afterwards the floor applies. */
  validUntil: number;
  /** Rate once the lease lapsed without a renewal (relay unreachable). */
  floorRatePerSecond: number;
}

/** A token taken from a LeaseBucket: whether it was earned under a lease (not at the floor), and which one. */
export interface LeaseToken {
  readonly bucket: LeaseBucket;
  /** False: a token of the floor rate, good whenever it is used. */
  readonly underLease: boolean;
  /** The bucket's lapse count when it was taken: a lapse since then voids a lease's token. */
  readonly lapses: number;
}

/**
 * The client side of a rate lease: a token bucket of the lease's rate and capacity that starts EMPTY, so a
 * host's requests, summed over every host, never exceed what the relay handed out (the sum of granted rates)
 * plus the sum of granted capacities (at most the partner burst). When the lease lapses the bucket empties
 * and refills at the floor rate with capacity 1, only while calls wait.
 */
export class LeaseBucket {
  private lease: RateLease;
  private tokens = 0;
  private last: number;
  private waiters: Array<(token: LeaseToken) => void> = [];
  private timer: NodeJS.Timeout | undefined;
  /** How often the lease ran out without a renewal in time. */
  private lapses = 0;

  constructor(
    initial: RateLease,
    private readonly now: () => number,
  ) {
    this.lease = initial;
    this.last = now();
  }

  get current(): RateLease {
    return this.lease;
  }

  /** The rate in force now: the lease's, or the floor once it lapsed. */
  rateNow(): number {
    return this.now() < this.lease.validUntil ? this.lease.ratePerSecond : this.lease.floorRatePerSecond;
  }

  concurrencyNow(): number {
    return this.now() < this.lease.validUntil ? Math.max(1, this.lease.concurrency) : 1;
  }

  set(lease: RateLease): void {
    this.refill();
    this.lease = lease;
    this.tokens = Math.min(this.tokens, this.capacity());
    this.reschedule();
  }

  /** Resolves when a token was taken. */
  take(): Promise<LeaseToken> {
    return new Promise((resolve) => {
      // Settle the idle time first: it earns nothing at the floor (see refill).
      this.refill();
      this.waiters.push(resolve);
      this.pump();
    });
  }

  /**
   * Whether a request may still go out on this token. A token earned under a lease is void once that lease ran
   * out without a renewal in time (the relay unreachable): a request that waited past it (for the firm's own
   * window, a 429's hold) must not go out at the lapsed rate, but take a token of the renewed lease or the floor.
   * A token of another bucket (the lease was lifted and given again) is void too.
   */
  honours(token: LeaseToken | undefined): boolean {
    if (!token || token.bucket !== this) return false;
    if (!token.underLease) return true;
    this.refill();
    return token.lapses === this.lapses;
  }

  /** Waiters still pending. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Lets every waiter go (the relay said the budget is per firm after all: no lease applies). */
  releaseAll(): void {
    for (const w of this.waiters.splice(0)) w({ bucket: this, underLease: false, lapses: this.lapses });
    this.reschedule();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private capacity(): number {
    return this.now() < this.lease.validUntil ? Math.max(1, this.lease.concurrency) : 1;
  }

  private refill(): void {
    const t = this.now();
    const { validUntil, ratePerSecond, floorRatePerSecond, concurrency } = this.lease;
    if (this.last < validUntil) {
      const until = Math.min(t, validUntil);
      this.tokens = Math.min(Math.max(1, concurrency), this.tokens + ((until - this.last) / 1000) * ratePerSecond);
      this.last = until;
      // Lapsed: what was saved under the lease is not spent at the floor.
      if (t >= validUntil) {
        this.tokens = 0;
        this.lapses += 1;
      }
    }
    // The floor pays a host that has calls waiting and no lease (the relay is unreachable or said wait). An
    // idle host banks nothing at it: with a thousand firms, every idle host would hold a token after
    // 1/floor seconds and spend it, unaccounted, on top of the grants (the relay's reserve pays for the
    // floor's rate, not for a saved token per host).
    if (t > this.last && this.waiters.length > 0) this.tokens = Math.min(1, this.tokens + ((t - this.last) / 1000) * floorRatePerSecond);
    this.last = Math.max(this.last, t);
  }

  private pump(): void {
    this.refill();
    while (this.waiters.length > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.waiters.shift()!({ bucket: this, underLease: this.now() < this.lease.validUntil, lapses: this.lapses });
    }
    this.reschedule();
  }

  private reschedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiters.length === 0) return;
    const rate = this.rateNow();
    const t = this.now();
    let wait = rate > 0 ? ((1 - this.tokens) * 1000) / rate : Infinity;
    // The lease's end changes the rate: look again then.
    if (t < this.lease.validUntil) wait = Math.min(wait, this.lease.validUntil - t);
    if (!Number.isFinite(wait)) return; // rate 0 and no lapse ahead: wait for the next lease
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(wait)),
    );
  }
}
