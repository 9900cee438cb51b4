import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface WrittenFile {
  path: string;
  sizeBytes: number;
  sha256: string;
  /** Hex MD5: S3 answers a PUT with it as the ETag. */
  md5: string;
}

export interface StreamToFileOptions {
  /** The new file's permissions (default: the process umask's). */
  mode?: number;
  /** More bytes than this stop the stream with `tooLarge()`'s error: a runaway body never fills the disk. */
  maxBytes?: number;
  tooLarge?: () => Error;
  /** Checks the complete file; a throw counts as a failure like any other. */
  check?: (file: WrittenFile) => void;
}

/**
 * Streams `body` to a new file at `path`, hashing (SHA-256, MD5) and counting as it goes, so a large body never
 * sits in memory. On any failure the partial file is removed and the error rethrown. The Smokeball simulator
 * receives uploads this way, and the write-back stages Case Status documents this way.
 */
export async function streamToFile(body: Readable, path: string, options: StreamToFileOptions = {}): Promise<WrittenFile> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  const maxBytes = options.maxBytes ?? Infinity;
  let sizeBytes = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sha256.update(chunk);
      md5.update(chunk);
      sizeBytes += chunk.length;
      if (sizeBytes > maxBytes) done(options.tooLarge?.() ?? new Error(`more than ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(body, hasher, createWriteStream(path, { mode: options.mode }));
    const file = { path, sizeBytes, sha256: sha256.digest('hex'), md5: md5.digest('hex') };
    options.check?.(file);
    return file;
  } catch (error) {
    await unlink(path).catch(() => undefined);
    throw error;
  }
}
