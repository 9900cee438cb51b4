import { createHash, randomInt } from 'node:crypto';
import { normalizePairingCode } from '../shared/relay-wire.js';

/**
 * Pairing codes: the operator (or the firm's IT provider) issues one with `relay firm pair`; staff paste it (or
 * open the pairing link) in the app's set-up, and the app exchanges it once at POST /v1/pair for the relay's address
 * and the firm token. Staff never see or type the token.
 *
 * 12 characters of Crockford base32 (60 bits), valid for 30 minutes by default, single use; the relay stores only
 * the code's sha256.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PAIRING_CODE_LENGTH = 12;
export const DEFAULT_PAIRING_TTL_MS = 30 * 60_000;

export function newPairingCode(): string {
  let raw = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) raw += ALPHABET[randomInt(ALPHABET.length)];
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

export function hashPairingCode(code: string): string {
  return createHash('sha256')
    .update(`pair:${normalizePairingCode(code)}`, 'utf8')
    .digest('hex');
}

/** A typed code that cannot be one of ours (wrong length or letters) is refused without a storage lookup. */
export function isPairingCodeShape(code: string): boolean {
  const n = normalizePairingCode(code);
  return n.length === PAIRING_CODE_LENGTH && [...n].every((c) => ALPHABET.includes(c));
}
