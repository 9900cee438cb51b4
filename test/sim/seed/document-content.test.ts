import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_CHUNK_BYTES, documentBuffer, documentBytes, documentSha256, makeLargeDocument } from '../../../src/sim/seed/document-content.js';

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('documentBytes', () => {
  it.each([0, 1, 3, 4, 5, 1000, DOCUMENT_CHUNK_BYTES - 1, DOCUMENT_CHUNK_BYTES, DOCUMENT_CHUNK_BYTES + 1, 300_001])(
    'yields exactly %i bytes',
    async (sizeBytes) => {
      const bytes = await collect(documentBytes({ sizeBytes, contentSeed: 42 }));
      expect(bytes.length).toBe(sizeBytes);
      expect(bytes.equals(documentBuffer({ sizeBytes, contentSeed: 42 }))).toBe(true);
    },
  );

  it('never yields chunks larger than 64 KiB', async () => {
    for await (const c of documentBytes({ sizeBytes: 5 * DOCUMENT_CHUNK_BYTES + 7, contentSeed: 1 })) {
      expect((c as Buffer).length).toBeLessThanOrEqual(DOCUMENT_CHUNK_BYTES);
    }
  });

  it('is deterministic, differs by seed, and a shorter document is a prefix of a longer one', async () => {
    const a = await collect(documentBytes({ sizeBytes: 200_000, contentSeed: 7 }));
    const b = await collect(documentBytes({ sizeBytes: 200_000, contentSeed: 7 }));
    const c = await collect(documentBytes({ sizeBytes: 200_000, contentSeed: 8 }));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.subarray(0, 16).equals(c.subarray(0, 16))).toBe(false);
    const prefix = documentBuffer({ sizeBytes: 70_003, contentSeed: 7 });
    expect(a.subarray(0, 70_003).equals(prefix)).toBe(true);
    // Seed 0 must not produce an all-zero stream (xorshift stuck state).
    const zero = documentBuffer({ sizeBytes: 4096, contentSeed: 0 });
    expect(zero.some((x) => x !== 0)).toBe(true);
  });

  it('looks random (roughly uniform bytes)', () => {
    const buf = documentBuffer({ sizeBytes: 256 * 1024, contentSeed: 99 });
    const counts = new Array<number>(256).fill(0);
    for (const x of buf) counts[x] = (counts[x] ?? 0) + 1;
    expect(Math.min(...counts)).toBeGreaterThan(700);
    expect(Math.max(...counts)).toBeLessThan(1350);
  });

  it('rejects invalid sizes', () => {
    expect(() => documentBytes({ sizeBytes: -1, contentSeed: 1 })).toThrow(RangeError);
    expect(() => documentBytes({ sizeBytes: 1.5, contentSeed: 1 })).toThrow(RangeError);
    expect(() => documentBuffer({ sizeBytes: 1024 * 1024 * 1024, contentSeed: 1 })).toThrow(RangeError);
  });
});

describe('documentSha256', () => {
  it('matches the hash of the buffered bytes and is stable', async () => {
    const doc = { sizeBytes: 150_000, contentSeed: 12345 };
    const expected = createHash('sha256').update(documentBuffer(doc)).digest('hex');
    expect(await documentSha256(doc)).toBe(expected);
    expect(await documentSha256(doc)).toBe(expected);
    expect(await documentSha256({ ...doc, contentSeed: 12346 })).not.toBe(expected);
    expect(await documentSha256({ sizeBytes: 0, contentSeed: 1 })).toBe(createHash('sha256').digest('hex'));
  });
});

describe('large documents', () => {
  it('streams 50 MB with bounded memory', async () => {
    const doc = makeLargeDocument(50 * 1024 * 1024, 2026, 'Big Scan.pdf', { matterId: 'm-1' });
    expect(doc.sizeBytes).toBe(52_428_800);
    expect(doc.fileName).toBe('Big Scan.pdf');
    expect(doc.matterId).toBe('m-1');
    const before = process.memoryUsage().rss;
    let peak = before;
    let total = 0;
    let chunks = 0;
    const hash = createHash('sha256');
    const t = performance.now();
    for await (const c of documentBytes(doc)) {
      total += (c as Buffer).length;
      hash.update(c as Buffer);
      if (++chunks % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const ms = performance.now() - t;
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(`documentBytes: 50 MB streamed and hashed in ${ms.toFixed(0)} ms; rss growth ${((peak - before) / 1048576).toFixed(1)} MB`);
    expect(total).toBe(doc.sizeBytes);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    expect(hash.digest('hex')).toBe(await documentSha256(doc));
  });

  it('makeLargeDocument is deterministic per seed', () => {
    expect(makeLargeDocument(1000, 1)).toEqual(makeLargeDocument(1000, 1));
    expect(makeLargeDocument(1000, 1).id).not.toBe(makeLargeDocument(1000, 2).id);
  });
});
