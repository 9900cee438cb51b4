/**
 * Uploaded file contents on disk. Bodies are streamed to a temp file while sha256/md5 are computed, so a
 * 200 MB upload never sits in memory.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { streamToFile, type WrittenFile } from '../../shared/stream-to-file.js';

export type StoredBlob = WrittenFile;

export class BlobStore {
  private constructor(readonly dir: string) {}

  static async create(): Promise<BlobStore> {
    return new BlobStore(await mkdtemp(join(tmpdir(), 'smokeball-sim-')));
  }

  /** Streams `body` to a new file. On a broken stream the partial file is removed and the error rethrown. */
  receive(body: Readable): Promise<StoredBlob> {
    return streamToFile(body, join(this.dir, randomUUID()));
  }

  read(path: string): Readable {
    return createReadStream(path);
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
