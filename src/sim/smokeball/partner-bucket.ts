import { TokenBucket } from '../common/token-bucket.js';

export interface PartnerBucketOptions {
  /** Smokeball documents 5 requests/s, burst 5 "per API partner". */
  ratePerSecond?: number;
  burst?: number;
  now?: () => number;
}

/** What the partner bucket saw: enough to check a shared-budget run (429s, the busiest second). */
export interface PartnerBucketStats {
  accepted: number;
  throttled: number;
  /** Most requests that arrived (accepted or not) within one calendar second of the bucket's clock. */
  peakPerSecond: number;
  /** Accepted requests per client id. */
  byClient: Record<string, { accepted: number; throttled: number }>;
}

/**
 * The stricter reading of Smokeball's limit: one token bucket per OAuth client id, shared by every firm that
 * uses the app ("per API partner" / "per client ID"). Each firm's simulator is its own server, so one
 * instance of this is passed to all of them (`partnerBucket` option) and every API request of every firm
 * takes a token from it, after the firm's own per-API-key bucket. An empty bucket answers 429 like the
 * per-key one.
 */
export class PartnerBucket {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly now: () => number;
  private readonly rate: number;
  private readonly burst: number;
  private accepted = 0;
  private throttled = 0;
  private readonly byClient = new Map<string, { accepted: number; throttled: number }>();
  private currentSecond = -1;
  private inCurrentSecond = 0;
  private peak = 0;

  constructor(options: PartnerBucketOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.rate = options.ratePerSecond ?? 5;
    this.burst = options.burst ?? 5;
    if (!(this.rate > 0) || !(this.burst >= 1)) throw new Error('a partner bucket needs ratePerSecond > 0 and burst >= 1');
  }

  /** Takes a token for `clientId`; false means answer 429. */
  take(clientId: string): boolean {
    let bucket = this.buckets.get(clientId);
    if (!bucket) {
      bucket = new TokenBucket({ ratePerSecond: this.rate, burst: this.burst, now: this.now });
      this.buckets.set(clientId, bucket);
    }
    const second = Math.floor(this.now() / 1000);
    if (second !== this.currentSecond) {
      this.currentSecond = second;
      this.inCurrentSecond = 0;
    }
    this.inCurrentSecond += 1;
    this.peak = Math.max(this.peak, this.inCurrentSecond);
    const ok = bucket.tryTake();
    const counts = this.byClient.get(clientId) ?? { accepted: 0, throttled: 0 };
    if (ok) {
      this.accepted += 1;
      counts.accepted += 1;
    } else {
      this.throttled += 1;
      counts.throttled += 1;
    }
    this.byClient.set(clientId, counts);
    return ok;
  }

  stats(): PartnerBucketStats {
    return {
      accepted: this.accepted,
      throttled: this.throttled,
      peakPerSecond: this.peak,
      byClient: Object.fromEntries([...this.byClient].map(([k, v]) => [k, { ...v }])),
    };
  }
}
