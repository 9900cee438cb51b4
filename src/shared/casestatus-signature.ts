import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Case Status event signatures. Each delivery carries
 *   X-CaseStatus-Timestamp: <unix seconds>
 *   X-CaseStatus-Signature: v1=<lowercase hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)>
 * The timestamp is inside the signed text so a captured delivery cannot be replayed later with a new
 * timestamp; receivers reject timestamps outside a tolerance window. Shared by the simulator (signing)
 * and the relay (verifying).
 */
export const TIMESTAMP_HEADER = 'x-casestatus-timestamp';
export const SIGNATURE_HEADER = 'x-casestatus-signature';
export const SIGNATURE_SCHEME = 'v1';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Lowercase hex HMAC-SHA256 over `${timestamp}.` followed by the raw body bytes. */
export function computeSignature(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(rawBody).digest('hex');
}

/** The X-CaseStatus-Signature header value: `v1=<hex>`. */
export function signEvent(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return `${SIGNATURE_SCHEME}=${computeSignature(secret, timestamp, rawBody)}`;
}

export interface VerifyEventOptions {
  /** Several secrets during a rotation: the signature may match any of them. */
  secret: string | readonly string[];
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  /** The body exactly as received, before any JSON parsing. */
  rawBody: string | Buffer;
  toleranceSeconds?: number;
  nowSeconds?: number;
}

export type VerifyEventResult =
  { ok: true; timestamp: number } | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature' };

/**
 * Checks a delivery. The signature header may list several comma-separated `v1=` values; one match
 * suffices. Comparison is constant-time.
 */
export function verifyEventSignature(options: VerifyEventOptions): VerifyEventResult {
  const { timestampHeader, signatureHeader, rawBody } = options;
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestampHeader.trim())) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(timestampHeader.trim());
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  const presented = signatureHeader
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_SCHEME}=`))
    .map((part) => Buffer.from(part.slice(SIGNATURE_SCHEME.length + 1), 'utf8'));
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, timestampHeader.trim(), rawBody), 'utf8');
    if (presented.some((p) => p.length === expected.length && timingSafeEqual(p, expected))) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'bad_signature' };
}
