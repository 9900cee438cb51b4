import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { CaseDocumentSeed } from '../../seed/firm-model.js';

/** How the simulator gets a document's bytes: a deterministic stream of exactly doc.sizeBytes bytes. */
export type DocumentContentFn = (doc: CaseDocumentSeed) => Readable;

/** A document in the simulator: a seed, or one added at run time with explicit bytes. */
export interface StoredDocument extends CaseDocumentSeed {
  bytes?: Buffer;
}

/**
 * Streams document bytes and computes their SHA-256 once per document, on first need (listing or the
 * document.created event). Content is never held in memory except for documents added with explicit bytes.
 */
export class DocumentContent {
  private readonly digests = new Map<string, Promise<string>>();

  constructor(
    private readonly generate: DocumentContentFn,
    private readonly digest?: (doc: CaseDocumentSeed) => string | Promise<string>,
  ) {}

  stream(doc: StoredDocument): Readable {
    return doc.bytes ? Readable.from([doc.bytes]) : this.generate(doc);
  }

  sha256(doc: StoredDocument): Promise<string> {
    let digest = this.digests.get(doc.id);
    if (!digest) {
      const given = this.digest;
      digest = doc.bytes || !given ? hashStream(this.stream(doc)) : Promise.resolve().then(() => given(doc));
      this.digests.set(doc.id, digest);
    }
    return digest;
  }
}

async function hashStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
