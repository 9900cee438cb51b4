import type { RelayStorage } from './storage/port.js';
import { TokenBuckets } from './token-bucket.js';

/** Per-firm limits: one noisy or hostile firm fills only its own share of the relay. */
export interface QuotaLimits {
  /** Events a firm may hold at once (until retention or the app's reads make room). */
  maxStoredEvents: number;
  /** UTF-8 bytes of bodies a firm may hold at once. */
  maxStoredBytes: number;
  /** Sustained webhooks per second per firm (a token bucket). */
  ingestPerSecond: number;
  /** Webhooks a firm may send in one burst. */
  ingestBurst: number;
  /** Sustained bytes of webhook bodies per second per firm (a token bucket). */
  ingestBytesPerSecond: number;
  /** Bytes of webhook bodies a firm may send in one burst (at least the body cap). */
  ingestBurstBytes: number;
  /** Long polls one firm may hold open at once (one app needs one). */
  maxLongPolls: number;
  /** Bytes of event bodies a firm may read per second, sustained (a token bucket; a page may overdraw it). */
  readBytesPerSecond: number;
  /** Bytes of event bodies a firm may read in one burst. */
  readBurstBytes: number;
}

export type Admission =
  { ok: true } | { ok: false; reason: 'ingest_rate' | 'ingest_bytes' | 'stored_events' | 'stored_bytes'; retryAfterSeconds: number; message: string };
export type ReadAdmission = { ok: true; waitMs: number } | { ok: false; reason: 'read_rate'; retryAfterSeconds: number; message: string };

interface Usage {
  events: number;
  bytes: number;
  readAt: number;
}

/** How long a firm's stored totals are trusted before they are read again (another instance, a purge). */
const USAGE_TTL_MS = 10_000;
/** Retention runs hourly; a full firm is told to come back in a minute rather than hammer the relay. */
const FULL_RETRY_SECONDS = 60;

/**
 * The relay's per-firm quotas. Rate and long-poll counts are per instance (in memory); stored totals come
 * from storage, cached for a few seconds and advanced locally on every insert, so several instances on
 * PostgreSQL can overshoot a quota by at most what they accept within that window.
 */
export class FirmQuotas {
  private readonly usage = new Map<string, Usage>();
  private readonly ingest: TokenBuckets;
  private readonly ingestBytes: TokenBuckets;
  private readonly reads: TokenBuckets;
  private readonly polls = new Map<string, number>();

  constructor(
    private readonly storage: RelayStorage,
    readonly limits: QuotaLimits,
    private readonly now: () => number,
  ) {
    this.ingest = new TokenBuckets(limits.ingestPerSecond, limits.ingestBurst, now);
    this.ingestBytes = new TokenBuckets(limits.ingestBytesPerSecond, limits.ingestBurstBytes, now);
    this.reads = new TokenBuckets(limits.readBytesPerSecond, limits.readBurstBytes, now);
  }

  /**
   * Whether a webhook of the firm would be admitted now, without taking anything: checked before the body is
   * read (and before the sender is authenticated, so a forger cannot spend the firm's tokens). The token is
   * taken by `admit` once the webhook is verified.
   */
  async wouldAdmit(firmId: string, declaredBytes = 0): Promise<Admission> {
    const rate = this.rateRefusal(firmId, declaredBytes);
    if (rate) return rate;
    return this.storedRoom(firmId, declaredBytes);
  }

  /** Whether the firm may store one more event of `bytes`; takes one token from its rate bucket if so. */
  async admit(firmId: string, bytes: number): Promise<Admission> {
    const rate = this.rateRefusal(firmId, bytes);
    if (rate) return rate;
    // Taken before the await, so concurrent webhooks cannot all pass on the same tokens.
    this.ingest.take(firmId, 1);
    this.ingestBytes.take(firmId, bytes);
    return this.storedRoom(firmId, bytes);
  }

  /**
   * How long the firm's next read must wait for its read budget: 0 while it has budget left, else until the
   * bytes it overdrew have refilled. Beyond `maxWaitMs` the read is refused (429) rather than held. Pacing
   * (not refusing) a firm that reads a little over its budget keeps an app's catch-up free of errors, and a
   * waiting read holds one of the firm's few poll slots, so a flood of reads waits behind itself.
   */
  readWait(firmId: string, maxWaitMs: number): ReadAdmission {
    const tokens = this.reads.peek(firmId);
    if (tokens > 0) return { ok: true, waitMs: 0 };
    const waitMs = Math.ceil(((1 - tokens) / this.limits.readBytesPerSecond) * 1000);
    if (waitMs <= maxWaitMs) return { ok: true, waitMs };
    return {
      ok: false,
      reason: 'read_rate',
      retryAfterSeconds: this.reads.secondsUntil(firmId, 1),
      message: `more than ${this.limits.readBytesPerSecond} bytes of events per second (burst ${this.limits.readBurstBytes}) read for this firm`,
    };
  }

  /** Charges a page served to the firm's read budget. */
  chargeRead(firmId: string, bytes: number): void {
    this.reads.take(firmId, bytes);
  }

  /** The refusal when the firm is over its webhook rate or its webhook bytes rate; undefined when within both. */
  private rateRefusal(firmId: string, bytes: number): Admission | undefined {
    const { ingestPerSecond: rate, ingestBurst: burst, ingestBytesPerSecond: byteRate, ingestBurstBytes: byteBurst } = this.limits;
    if (this.ingest.peek(firmId) < 1) {
      return {
        ok: false,
        reason: 'ingest_rate',
        retryAfterSeconds: this.ingest.secondsUntil(firmId, 1),
        message: `more than ${rate} webhooks per second (burst ${burst}) for this firm`,
      };
    }
    if (this.ingestBytes.peek(firmId) < bytes) {
      return {
        ok: false,
        reason: 'ingest_bytes',
        retryAfterSeconds: this.ingestBytes.secondsUntil(firmId, bytes),
        message: `more than ${byteRate} bytes of webhooks per second (burst ${byteBurst}) for this firm`,
      };
    }
    return undefined;
  }

  private async storedRoom(firmId: string, bytes: number): Promise<Admission> {
    const usage = await this.currentUsage(firmId);
    if (usage.events + 1 > this.limits.maxStoredEvents) {
      return {
        ok: false,
        reason: 'stored_events',
        retryAfterSeconds: FULL_RETRY_SECONDS,
        message: `the firm holds ${usage.events} events, its quota is ${this.limits.maxStoredEvents}`,
      };
    }
    if (usage.bytes + bytes > this.limits.maxStoredBytes) {
      return {
        ok: false,
        reason: 'stored_bytes',
        retryAfterSeconds: FULL_RETRY_SECONDS,
        message: `the firm's stored events would exceed its quota of ${this.limits.maxStoredBytes} bytes`,
      };
    }
    return { ok: true };
  }

  /** Counts an event this instance stored. */
  recordStored(firmId: string, bytes: number): void {
    const usage = this.usage.get(firmId);
    if (usage) {
      usage.events += 1;
      usage.bytes += bytes;
    }
  }

  /** After a purge the cached totals are stale: read them again next time. */
  forgetUsage(): void {
    this.usage.clear();
  }

  /** Takes a long-poll slot for the firm; false when it already holds `maxLongPolls`. */
  acquirePoll(firmId: string): boolean {
    const n = this.polls.get(firmId) ?? 0;
    if (n >= this.limits.maxLongPolls) return false;
    this.polls.set(firmId, n + 1);
    return true;
  }

  releasePoll(firmId: string): void {
    const n = (this.polls.get(firmId) ?? 1) - 1;
    if (n <= 0) this.polls.delete(firmId);
    else this.polls.set(firmId, n);
  }

  private async currentUsage(firmId: string): Promise<Usage> {
    const now = this.now();
    const cached = this.usage.get(firmId);
    if (cached && now - cached.readAt < USAGE_TTL_MS) return cached;
    const stored = await this.storage.firmUsage(firmId);
    const fresh = { events: stored.events, bytes: stored.bytes, readAt: now };
    this.usage.set(firmId, fresh);
    return fresh;
  }
}
