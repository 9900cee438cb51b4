/**
 * Uploaded file contents on disk. Bodies are streamed to a temp file while sha256/md5 are computed, so a
 * 200 MB upload never sits in memory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  path: string;
  sizeBytes: number;
  sha256: string;
  md5: string;
}

export class BlobStore {
  private constructor(readonly dir: string) {}

  static async create(): Promise<BlobStore> {
    return new BlobStore(await mkdtemp(join(tmpdir(), 'smokeball-sim-')));
  }

  /** Streams `body` to a new file. On a broken stream the partial file is removed and the error rethrown. */
  async receive(body: Readable): Promise<StoredBlob> {
    const path = join(this.dir, randomUUID());
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    let sizeBytes = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sha256.update(chunk);
        md5.update(chunk);
        sizeBytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, hasher, createWriteStream(path));
    } catch (error) {
      await unlink(path).catch(() => undefined);
      throw error;
    }
    return { path, sizeBytes, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
  }

  read(path: string): Readable {
    return createReadStream(path);
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
