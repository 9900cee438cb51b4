import type { FaultConfig } from '../common/faults.js';
import type { SeededFirm } from '../seed/firm-model.js';
import type { SimNetworkOptions } from '../common/network.js';
import type { PartnerBucket } from './partner-bucket.js';

/** The gateway's token bucket, per API key (Smokeball documents rate 5/s, burst 5). */
export interface RateLimitConfig {
  ratePerSecond: number;
  burst: number;
  /** Smokeball documents no Retry-After; send `Retry-After: 1` only when a test wants it. */
  sendRetryAfter: boolean;
}

/** Delivery faults for webhooks. Rates are shares in [0, 1] per (event, subscription) delivery. */
export interface WebhookFaultConfig {
  /** Share of deliveries sent twice (Smokeball: "duplicates can happen"). */
  duplicateRate: number;
  /** Share of deliveries held back for `holdBackMs` (randomised) so later events overtake them. */
  reorderRate: number;
  /** Share of deliveries never sent at all. */
  dropRate: number;
  /** Retries after a failed attempt (non-2xx, timeout, connection error). [GUESS]: undocumented. */
  retries: number;
  /** First retry waits this long; each later one doubles it. */
  retryBackoffMs: number;
  /** Receiver timeout per attempt (Smokeball: 10 s). */
  timeoutMs: number;
  /** Upper bound of the hold-back delay for reordered deliveries (uniform in [holdBackMs/4, holdBackMs]). */
  holdBackMs: number;
}

export interface SmokeballSimOptions extends SimNetworkOptions {
  firm: SeededFirm;
  host?: string;
  port?: number;
  apiKey?: string;
  clientId?: string;
  /** When set, the app is a confidential client: the token endpoint needs the secret (Basic or body). */
  clientSecret?: string;
  /** Registered callback URLs, matched exactly (trailing slash included). */
  redirectUris?: string[];
  /**
   * Accept a registered loopback URI (http://127.0.0.1/... or http://[::1]/...) with any port, as RFC 8252
   * §7.3 asks of servers. Default false: Cognito matches callback URLs exactly, port included.
   */
  allowLoopbackAnyPort?: boolean;
  /** Authorize redirects straight back with a code, as if the user signed in. False shows an approve/deny page. */
  autoApprove?: boolean;
  /** The Smokeball user the authorization-code flow signs in as (default: first enabled staff member's userId). */
  userId?: string;
  accessTokenTtlS?: number;
  refreshTokenTtlS?: number;
  authCodeTtlS?: number;
  rateLimit?: Partial<RateLimitConfig>;
  /**
   * The clock (ms) of the per-API-key buckets; default `performance.now`. A test steps it so "exactly burst
   * succeed" holds however slowly a loaded machine delivers the requests (see PartnerBucket's `now`).
   */
  rateLimitClock?: () => number;
  /**
   * One bucket for every firm of the app's client id (Smokeball's "per API partner" reading): pass the same
   * instance to each firm's simulator. Absent: only the per-API-key bucket applies (today's default).
   */
  partnerBucket?: PartnerBucket;
  /** Delay before a 202-accepted write becomes visible (eventual consistency). */
  writeDelayMs?: number;
  faults?: Partial<FaultConfig>;
  webhookFaults?: Partial<WebhookFaultConfig>;
  /** Lifetime of presigned upload URLs. Smokeball's real lifetime is undocumented. */
  uploadUrlTtlS?: number;
  /** Lifetime of presigned download URLs. */
  downloadUrlTtlS?: number;
  /** Memo text longer than this (characters, as sent) is rejected with 400. [GUESS]: the real limit is unknown. */
  maxMemoTextLength?: number;
  /** Seed for the fault PRNGs (HTTP faults and webhook faults), so a failing run repeats. */
  seed?: number;
}

export interface ResolvedOptions {
  firm: SeededFirm;
  host: string;
  port: number;
  apiKey: string;
  clientId: string;
  clientSecret: string | undefined;
  redirectUris: string[];
  allowLoopbackAnyPort: boolean;
  autoApprove: boolean;
  userId: string;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  authCodeTtlS: number;
  rateLimit: RateLimitConfig;
  rateLimitClock: () => number;
  partnerBucket: PartnerBucket | undefined;
  writeDelayMs: number;
  faults: Partial<FaultConfig>;
  webhookFaults: WebhookFaultConfig;
  uploadUrlTtlS: number;
  downloadUrlTtlS: number;
  maxMemoTextLength: number;
  seed: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { ratePerSecond: 5, burst: 5, sendRetryAfter: false };

export const DEFAULT_WEBHOOK_FAULTS: WebhookFaultConfig = {
  duplicateRate: 0,
  reorderRate: 0,
  dropRate: 0,
  retries: 3,
  retryBackoffMs: 1000,
  timeoutMs: 10_000,
  holdBackMs: 1000,
};

export function resolveOptions(o: SmokeballSimOptions): ResolvedOptions {
  const firstUser = o.firm.staff.find((s) => s.enabled && !s.former) ?? o.firm.staff[0];
  return {
    firm: o.firm,
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    apiKey: o.apiKey ?? 'sim-api-key',
    clientId: o.clientId ?? 'sim-client-id',
    clientSecret: o.clientSecret,
    redirectUris: o.redirectUris ?? ['http://127.0.0.1/callback'],
    allowLoopbackAnyPort: o.allowLoopbackAnyPort ?? false,
    autoApprove: o.autoApprove ?? true,
    userId: o.userId ?? firstUser?.userId ?? '00000000-0000-4000-8000-000000000001',
    accessTokenTtlS: o.accessTokenTtlS ?? 3600,
    refreshTokenTtlS: o.refreshTokenTtlS ?? 30 * 24 * 3600,
    authCodeTtlS: o.authCodeTtlS ?? 300,
    rateLimit: { ...DEFAULT_RATE_LIMIT, ...o.rateLimit },
    rateLimitClock: o.rateLimitClock ?? (() => performance.now()),
    partnerBucket: o.partnerBucket,
    writeDelayMs: o.writeDelayMs ?? 250,
    faults: o.faults ?? {},
    webhookFaults: { ...DEFAULT_WEBHOOK_FAULTS, ...o.webhookFaults },
    uploadUrlTtlS: o.uploadUrlTtlS ?? 900,
    downloadUrlTtlS: o.downloadUrlTtlS ?? 900,
    maxMemoTextLength: o.maxMemoTextLength ?? 100_000,
    seed: o.seed ?? 1,
  };
}
