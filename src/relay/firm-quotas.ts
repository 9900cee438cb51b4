import type { RelayStorage } from './storage/port.js';

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
  /** Long polls one firm may hold open at once (one app needs one). */
  maxLongPolls: number;
}

export type Admission = { ok: true } | { ok: false; reason: 'ingest_rate' | 'stored_events' | 'stored_bytes'; retryAfterSeconds: number; message: string };

interface Usage {
  events: number;
  bytes: number;
  readAt: number;
}

interface Bucket {
  tokens: number;
  at: number;
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
  private readonly buckets = new Map<string, Bucket>();
  private readonly polls = new Map<string, number>();

  constructor(
    private readonly storage: RelayStorage,
    readonly limits: QuotaLimits,
    private readonly now: () => number,
  ) {}

  /** Whether the firm may store one more event of `bytes`; takes one token from its rate bucket if so. */
  async admit(firmId: string, bytes: number): Promise<Admission> {
    const rate = this.takeToken(firmId);
    if (!rate.ok) return rate;
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

  private takeToken(firmId: string): Admission {
    const now = this.now();
    const { ingestPerSecond: rate, ingestBurst: burst } = this.limits;
    const bucket = this.buckets.get(firmId) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(firmId, bucket);
    if (bucket.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      return { ok: false, reason: 'ingest_rate', retryAfterSeconds: wait, message: `more than ${rate} webhooks per second (burst ${burst}) for this firm` };
    }
    bucket.tokens -= 1;
    return { ok: true };
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
