/**
 * Moving a document's bytes without holding them in memory: Case Status content → a temp file (hashing and
 * counting as it streams), then the temp file → Smokeball's presigned upload URL.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../shared/private-files.js';
import { streamToFile, type WrittenFile } from '../../shared/stream-to-file.js';
import type { CaseStatusClient } from '../casestatus/client.js';
import { oneShotAgent } from '../http/network.js';

/** A staged document; its MD5 is what S3 must answer the PUT with as the ETag, proving the bytes arrived intact. */
export type DownloadedFile = WrittenFile;

/** The bytes received are not the bytes Case Status described (a dropped connection, a changed file). */
export class ContentMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentMismatchError';
  }
}

/** The presigned URL's lifetime ended before the PUT: ask Smokeball for a new one. */
export class UploadUrlExpiredError extends Error {
  constructor() {
    super('The Smokeball upload URL expired');
    this.name = 'UploadUrlExpiredError';
  }
}

/** The storage refused or failed the PUT. `transient`: worth another try now (5xx, reset, timeout). */
export class UploadFailedError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'UploadFailedError';
  }
}

/**
 * Streams a Case Status document into `dir` and checks it against the metadata (length and SHA-256). The
 * caller deletes the file. On any failure the partial file is removed.
 */
export async function downloadToTemp(
  caseStatus: CaseStatusClient,
  doc: { id: string; sizeBytes: number; sha256: string },
  dir: string,
): Promise<DownloadedFile> {
  // Staged client documents are the user's alone.
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(dir, PRIVATE_DIR_MODE);
  const path = join(dir, `cs-${doc.id.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 80)}-${randomBytes(4).toString('hex')}.part`);
  const { stream } = await caseStatus.documentContent(doc.id);
  return streamToFile(stream, path, {
    mode: PRIVATE_FILE_MODE,
    // Stop early on a body longer than announced (never fill the disk with a runaway stream).
    maxBytes: doc.sizeBytes,
    tooLarge: () => new ContentMismatchError(`Case Status sent more than the ${doc.sizeBytes} bytes it announced`),
    check: (got) => {
      if (got.sizeBytes !== doc.sizeBytes) throw new ContentMismatchError(`received ${got.sizeBytes} of ${doc.sizeBytes} bytes`);
      if (got.sha256 !== doc.sha256.toLowerCase()) throw new ContentMismatchError('the SHA-256 of the received bytes differs from Case Status’s');
    },
  });
}

/** Parses the little S3 XML error document (Code, Message). */
/** The fields of an S3 error body (`<Error><Code>…`) that decide what to do; absent elements are ''. */
export interface StorageError {
  code: string;
  message: string;
  /** Set on an expired presigned URL: when it expired, and the storage's clock when it refused. */
  expires: string;
  serverTime: string;
}

export function parseStorageError(body: string): StorageError {
  const pick = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body)?.[1] ?? '';
  return { code: pick('Code'), message: pick('Message'), expires: pick('Expires'), serverTime: pick('ServerTime') };
}

/**
 * An expired presigned URL, told by S3's structured answer rather than its message text: AccessDenied with the
 * URL's `Expires` and the storage's `ServerTime`, the server time past the expiry. Other AccessDenied answers
 * (a bad signature, a missing parameter) carry neither, and a fresh URL would not help them.
 */
export function isExpiredUrl(e: StorageError): boolean {
  if (e.code !== 'AccessDenied') return false;
  const expires = Date.parse(e.expires);
  const now = Date.parse(e.serverTime);
  return Number.isFinite(expires) && Number.isFinite(now) && now >= expires;
}

const s3Error = parseStorageError;

/**
 * PUTs a file to a presigned URL with an *empty* Content-Type, as Smokeball requires (the signature covers
 * it; any value → 403 SignatureDoesNotMatch). The body streams from disk. Returns the ETag (S3: the MD5).
 */
export function putToPresignedUrl(uploadUrl: string, file: { path: string; sizeBytes: number }, timeoutMs = 120_000): Promise<{ etag: string | null }> {
  const url = new URL(uploadUrl);
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!transport) return Promise.reject(new UploadFailedError(`Unsupported upload URL scheme ${url.protocol}`, false));
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    const req = transport.request(url, {
      method: 'PUT',
      headers: { 'Content-Type': '', 'Content-Length': String(file.sizeBytes) },
      agent: oneShotAgent(), // a fresh connection (an upload must not queue behind API keep-alive sockets), on the network route
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`upload stalled for ${timeoutMs} ms`)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (c: Buffer) => {
        if (kept < 16_384) {
          chunks.push(c);
          kept += c.length;
        }
      });
      res.on('error', (e) => finish(() => reject(new UploadFailedError(`upload answer broke off: ${e.message}`, true))));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        finish(() => {
          if (status >= 200 && status < 300) {
            const etag = res.headers.etag;
            resolve({ etag: typeof etag === 'string' ? etag.replace(/"/g, '').toLowerCase() : null });
          } else if (status === 403) {
            const e = s3Error(body);
            if (isExpiredUrl(e)) reject(new UploadUrlExpiredError());
            else reject(new UploadFailedError(`storage refused the upload (HTTP 403 ${e.code || 'Forbidden'}: ${e.message})`, false));
          } else {
            reject(
              new UploadFailedError(
                `storage answered HTTP ${status}${body ? `: ${s3Error(body).message || body.slice(0, 120)}` : ''}`,
                status >= 500 || status === 408 || status === 429,
              ),
            );
          }
        });
      });
    });
    req.on('error', (e) => finish(() => reject(new UploadFailedError(`upload connection failed: ${e.message}`, true))));
    const source = createReadStream(file.path);
    source.on('error', (e) => {
      req.destroy();
      finish(() => reject(new UploadFailedError(`cannot read the temp file: ${e.message}`, false)));
    });
    // The server may answer (e.g. 403) before reading the body; then stop sending.
    req.on('response', () => {
      if (!source.readableEnded) {
        source.unpipe(req);
        source.destroy();
      }
    });
    source.pipe(req);
  });
}
