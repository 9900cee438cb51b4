import { verifyEventSignature } from '../shared/casestatus-signature.js';
import { verifyWebhookSignature } from '../shared/smokeball-signature.js';

/**
 * Webhook authentication. The signing helpers are the shared, dependency-free modules the simulators use
 * (each documents its scheme); this file adds the header handling and the clock-skew rule.
 */

export type VerifyResult = { ok: true } | { ok: false; error: 'missing_signature' | 'bad_signature' | 'bad_timestamp' | 'stale_timestamp'; message: string };

// .NET ticks (100 ns since 0001-01-01 UTC) at the Unix epoch.
const EPOCH_TICKS = 621_355_968_000_000_000n;

export interface SmokeballHeaders {
  timestamp: string | undefined;
  requestId: string | undefined;
  signature: string | undefined;
}

/**
 * Smokeball: `Signature` = hex HMAC-SHA256(key, `${Timestamp}|${RequestId}|${clientId}`). The body is not
 * signed, so the Timestamp (ticks at send time) must be recent: that is the only replay protection.
 */
export function verifySmokeball(h: SmokeballHeaders, key: string, clientId: string, nowMs: number, maxSkewSeconds: number): VerifyResult {
  if (!h.signature || !h.timestamp || !h.requestId) {
    return { ok: false, error: 'missing_signature', message: 'Signature, Timestamp and RequestId headers are required' };
  }
  if (!/^[0-9a-fA-F]{64}$/.test(h.signature) || !verifyWebhookSignature(h.signature, key, h.timestamp, h.requestId, clientId)) {
    return { ok: false, error: 'bad_signature', message: 'the Signature header does not match' };
  }
  if (!/^\d{1,20}$/.test(h.timestamp)) {
    return { ok: false, error: 'bad_timestamp', message: 'Timestamp must be .NET ticks' };
  }
  const sentMs = Number((BigInt(h.timestamp) - EPOCH_TICKS) / 10_000n);
  if (Math.abs(nowMs - sentMs) > maxSkewSeconds * 1000) {
    return { ok: false, error: 'stale_timestamp', message: `Timestamp is more than ${maxSkewSeconds} s from the relay's clock` };
  }
  return { ok: true };
}

/** Case Status: `X-CaseStatus-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function verifyCaseStatus(
  timestampHeader: string | undefined,
  signatureHeader: string | undefined,
  rawBody: Buffer,
  secret: string,
  nowMs: number,
  maxSkewSeconds: number,
): VerifyResult {
  const result = verifyEventSignature({
    secret,
    timestampHeader,
    signatureHeader,
    rawBody,
    toleranceSeconds: maxSkewSeconds,
    nowSeconds: Math.floor(nowMs / 1000),
  });
  if (result.ok) return { ok: true };
  switch (result.reason) {
    case 'missing_headers':
      return { ok: false, error: 'missing_signature', message: 'X-CaseStatus-Timestamp and X-CaseStatus-Signature headers are required' };
    case 'bad_timestamp':
      return { ok: false, error: 'bad_timestamp', message: 'X-CaseStatus-Timestamp must be unix seconds' };
    case 'stale_timestamp':
      return { ok: false, error: 'stale_timestamp', message: `X-CaseStatus-Timestamp is more than ${maxSkewSeconds} s from the relay's clock` };
    case 'bad_signature':
      return { ok: false, error: 'bad_signature', message: 'the X-CaseStatus-Signature header does not match' };
  }
}
