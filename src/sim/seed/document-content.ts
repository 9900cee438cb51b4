/**
 * Bytes of a seeded Case Status document. A document is only `{ sizeBytes, contentSeed }` in the firm; its
 * content is generated on demand, 64 KiB at a time, so a 200 MB document never sits in memory and both
 * simulators (and tests) agree on the exact bytes and their SHA-256.
 *
 * Generator: xorshift32 over 32-bit words, seeded through a murmur3 finaliser so neighbouring seeds diverge.
 * Words are written little-endian on every platform. A document's bytes are a prefix of any longer
 * document with the same seed.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { Readable } from 'node:stream';
import { createRng, seededUuid } from '../common/random.js';
import type { CaseDocumentSeed } from './firm-model.js';
import { DEFAULT_NOW_MS } from './generate.js';

export const DOCUMENT_CHUNK_BYTES = 64 * 1024;
/** documentBuffer refuses anything larger; stream bigger documents with documentBytes. */
export const MAX_DOCUMENT_BUFFER_BYTES = 128 * 1024 * 1024;

export interface DocumentContentSpec {
  sizeBytes: number;
  contentSeed: number;
}

const BIG_ENDIAN = endianness() === 'BE';

function initialState(seed: number): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0 || 0x6d2b79f5; // xorshift32 must not start at 0
}

function checkSpec(doc: DocumentContentSpec): void {
  if (!Number.isSafeInteger(doc.sizeBytes) || doc.sizeBytes < 0) {
    throw new RangeError(`sizeBytes must be a non-negative integer, got ${doc.sizeBytes}`);
  }
  if (!Number.isFinite(doc.contentSeed)) throw new RangeError(`contentSeed must be a finite number, got ${doc.contentSeed}`);
}

/** Produces a document's bytes chunk by chunk; each chunk is a fresh Buffer the caller may keep. */
class ContentChunks {
  private state: number;
  private remaining: number;

  constructor(doc: DocumentContentSpec) {
    checkSpec(doc);
    this.state = initialState(doc.contentSeed);
    this.remaining = doc.sizeBytes;
  }

  next(): Buffer | null {
    if (this.remaining <= 0) return null;
    const n = Math.min(DOCUMENT_CHUNK_BYTES, this.remaining);
    const words = new Uint32Array(Math.ceil(n / 4));
    let x = this.state;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x;
    }
    this.state = x;
    const buf = Buffer.from(words.buffer, 0, words.byteLength);
    if (BIG_ENDIAN) buf.swap32();
    this.remaining -= n;
    return n === buf.length ? buf : buf.subarray(0, n);
  }
}

/** A stream of exactly `sizeBytes` deterministic bytes, generated lazily in 64 KiB chunks. */
export function documentBytes(doc: DocumentContentSpec): Readable {
  const chunks = new ContentChunks(doc);
  return new Readable({
    highWaterMark: DOCUMENT_CHUNK_BYTES,
    read() {
      this.push(chunks.next());
    },
  });
}

/** Hex SHA-256 of the document's bytes, computed by streaming (bounded memory at any size). */
export async function documentSha256(doc: DocumentContentSpec): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of documentBytes(doc)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The whole document in one Buffer. For small documents (tests, fixtures); see MAX_DOCUMENT_BUFFER_BYTES. */
export function documentBuffer(doc: DocumentContentSpec): Buffer {
  checkSpec(doc);
  if (doc.sizeBytes > MAX_DOCUMENT_BUFFER_BYTES) {
    throw new RangeError(`documentBuffer is for small documents; stream ${doc.sizeBytes} bytes with documentBytes`);
  }
  const out = Buffer.allocUnsafe(doc.sizeBytes);
  const chunks = new ContentChunks(doc);
  let offset = 0;
  for (let c = chunks.next(); c; c = chunks.next()) {
    c.copy(out, offset);
    offset += c.length;
  }
  return out;
}

/**
 * A stand-alone document (not part of a seeded firm) for large-upload tests, e.g. 200 MB. Its id is derived
 * from `seed`; set `matterId` (and anything else) through `overrides`.
 */
export function makeLargeDocument(
  sizeBytes: number,
  seed: number,
  fileName = `Large Upload ${sizeBytes}.bin`,
  overrides: Partial<CaseDocumentSeed> = {},
): CaseDocumentSeed {
  const doc: CaseDocumentSeed = {
    id: seededUuid(createRng(seed ^ 0x5eed)),
    matterId: '',
    fileName,
    sizeBytes,
    contentSeed: seed >>> 0,
    sharedByName: 'Simulator',
    sharedByRole: 'client',
    createdAt: new Date(DEFAULT_NOW_MS).toISOString(),
    ...overrides,
  };
  checkSpec(doc);
  return doc;
}
