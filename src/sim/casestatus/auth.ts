import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

/**
 * Per-firm API key, sent as `Authorization: Bearer <key>`. The key can be rotated while the server runs
 * (control.setApiKey) to simulate a revoked key.
 */
export class ApiKeyAuth {
  private digest: Buffer;

  constructor(private key: string) {
    this.digest = sha(key);
  }

  get apiKey(): string {
    return this.key;
  }

  setKey(key: string): void {
    this.key = key;
    this.digest = sha(key);
  }

  /** Returns the key the request authenticated with, or throws a 401. */
  authenticate(authorization: string | undefined): string {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw unauthorized('Missing API key: send Authorization: Bearer <firm API key>');
    const presented = match[1] as string;
    // Compare digests so the comparison takes the same time whatever the presented key's length.
    if (!timingSafeEqual(sha(presented), this.digest)) throw unauthorized('Invalid API key');
    return presented;
  }
}

function sha(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, 'unauthorized', message, undefined, { 'www-authenticate': 'Bearer realm="casestatus"' });
}
