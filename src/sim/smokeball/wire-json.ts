/**
 * JSON serialisation that keeps int64 values exact.
 *
 * Smokeball sends .NET ticks (`lastUpdated`, webhook `timestamp`) as JSON numbers around 6.4e17, beyond
 * 2^53. JSON.stringify cannot write a bigint, and writing it as a double would round it, hiding the very
 * problem a client must cope with (JSON.parse rounds such numbers). So bigints are written as exact integer
 * literals, as .NET does.
 */
import { randomBytes } from 'node:crypto';

// A per-process marker that user data cannot contain by accident.
const NONCE = randomBytes(6).toString('hex');
const MARK = `\u0000bigint-${NONCE}:`;
// JSON.stringify writes the NUL as the six characters \u0000, so the pattern matches that escape.
const MARK_PATTERN = new RegExp(`"\\\\u0000bigint-${NONCE}:(-?\\d+)"`, 'g');

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? MARK + value.toString() : value;
}

/** JSON.stringify that writes bigint values as exact JSON integers. */
export function stringifyWire(value: unknown): string {
  // Most payloads (matter pages) hold no bigint: the plain call is twice as fast as one with a replacer,
  // and when a bigint is present it throws at the first one, which is cheap.
  try {
    const plain = JSON.stringify(value);
    return plain === undefined ? 'null' : plain;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const text = JSON.stringify(value, replacer);
  if (text === undefined) return 'null';
  return text.includes('bigint-') ? text.replace(MARK_PATTERN, '$1') : text;
}
