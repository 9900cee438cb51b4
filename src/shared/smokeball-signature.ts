import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Smokeball's webhook `Signature` header: lowercase hex HMAC-SHA256, keyed by the subscription `key`
 * (UTF-8), over `${Timestamp}|${RequestId}|${clientId}` where clientId is the app's OAuth client id.
 * The body is not covered; receivers guard against replay by rejecting stale `Timestamp` values.
 */
export function signWebhook(key: string, timestamp: string, requestId: string, clientId: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(`${timestamp}|${requestId}|${clientId}`, 'utf8').digest('hex');
}

/** Constant-time check of a received signature (case-insensitive hex). */
export function verifyWebhookSignature(signature: string, key: string, timestamp: string, requestId: string, clientId: string): boolean {
  const expected = Buffer.from(signWebhook(key, timestamp, requestId, clientId), 'utf8');
  const actual = Buffer.from(signature.toLowerCase(), 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
