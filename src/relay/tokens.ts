import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Firm credentials. The bearer token is shown once and stored only as its sha256: a leaked database
 * cannot be used to read events. The two webhook keys are HMAC keys, so the relay has to keep them
 * usable; they only let someone forge webhooks into the firm's own queue, never read it.
 */

const TOKEN_PREFIX = 'rly_';

export function newFirmToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Smokeball's `key` for the webhook subscription (the HMAC key of the `Signature` header). */
export function newSmokeballKey(): string {
  return randomBytes(24).toString('hex');
}

/** The secret Case Status signs its events with (`X-CaseStatus-Signature`). */
export function newCaseStatusSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token from `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
