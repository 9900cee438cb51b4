/**
 * A fake of the S3 presigned URLs Smokeball hands out for file uploads and downloads.
 *
 * URLs are signed like S3's query-string auth (V2): the signature covers the method, Content-MD5,
 * Content-Type, Expires and the key. That is why Smokeball says to PUT with an *empty* Content-Type:
 * any other value changes the string to sign and S3 answers 403 SignatureDoesNotMatch. Expired URLs get
 * 403 AccessDenied "Request has expired". Bodies are streamed to disk (BlobStore).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BlobStore, StoredBlob } from './blob-store.js';

const BUCKET = 'MatterManagement.Simulator';
const ACCESS_KEY = 'AKIASMOKEBALLSIM';

export interface UploadSession<C> {
  fileId: string;
  matterId: string;
  /** Who asked for the URL; the upload's webhooks carry their RequestId. */
  context: C;
  expiresAt: number;
}

interface DownloadGrant {
  blobPath: string;
  fileName: string;
  sizeBytes: number;
  expiresAt: number;
}

function xmlError(res: ServerResponse, status: number, code: string, message: string, extra = ''): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), 'x-amz-request-id': requestId });
  res.end(body);
}

/** Reads and discards the rest of a request body, so the client sees the error instead of a reset. */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v.join(',') : v) ?? '';
}

export class FakeS3<C> {
  private readonly secret = randomBytes(32);
  private readonly uploads = new Map<string, UploadSession<C>>();
  private readonly downloads = new Map<string, DownloadGrant>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly baseUrl: () => string,
    public ttl: { uploadS: number; downloadS: number },
  ) {}

  /** A presigned PUT URL for a file's content (valid until `expiry`). */
  presignUpload(session: Omit<UploadSession<C>, 'expiresAt'>): { uploadUrl: string; expiry: string } {
    const token = randomBytes(18).toString('base64url');
    const expiresAt = Date.now() + this.ttl.uploadS * 1000;
    this.uploads.set(token, { ...session, expiresAt });
    return { uploadUrl: this.url('PUT', `uploads/${token}`, expiresAt), expiry: new Date(expiresAt).toISOString() };
  }

  presignDownload(grant: Omit<DownloadGrant, 'expiresAt'>): { downloadUrl: string; expiry: string } {
    const token = randomBytes(18).toString('base64url');
    const expiresAt = Date.now() + this.ttl.downloadS * 1000;
    this.downloads.set(token, { ...grant, expiresAt });
    return { downloadUrl: this.url('GET', `downloads/${token}`, expiresAt), expiry: new Date(expiresAt).toISOString() };
  }

  /**
   * Registers the PUT/GET routes. They take over the raw request in onRequest, before Fastify looks at the
   * Content-Type (it would reject the empty one) or buffers the body.
   */
  register(app: FastifyInstance, onUploaded: (session: UploadSession<C>, blob: StoredBlob) => void): void {
    const raw =
      (handler: (req: IncomingMessage, res: ServerResponse, token: string) => Promise<void>) =>
      async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
        reply.hijack();
        const token = (request.params as { token?: string }).token ?? '';
        try {
          await handler(request.raw, reply.raw, token);
        } catch {
          if (!reply.raw.headersSent) xmlError(reply.raw, 500, 'InternalError', 'We encountered an internal error. Please try again.');
          else reply.raw.destroy();
        }
      };
    const noop = async (): Promise<void> => undefined;

    app.route({
      method: 'PUT',
      url: '/_s3/uploads/:token',
      onRequest: raw(async (req, res, token) => {
        const problem = this.check(req, 'PUT', `uploads/${token}`);
        const session = this.uploads.get(token);
        if (problem || !session) {
          await drain(req);
          if (problem) xmlError(res, 403, problem.code, problem.message, problem.extra);
          else xmlError(res, 403, 'AccessDenied', 'Access Denied');
          return;
        }
        let blob: StoredBlob;
        try {
          blob = await this.blobs.receive(req);
        } catch {
          res.destroy(); // the client went away mid-upload; nothing was stored
          return;
        }
        onUploaded(session, blob);
        res.writeHead(200, { ETag: `"${blob.md5}"`, 'Content-Length': '0' });
        res.end();
      }),
      handler: noop,
    });

    app.route({
      method: 'GET',
      url: '/_s3/downloads/:token',
      onRequest: raw(async (req, res, token) => {
        const problem = this.check(req, 'GET', `downloads/${token}`);
        if (problem) return xmlError(res, 403, problem.code, problem.message, problem.extra);
        const grant = this.downloads.get(token);
        const size = grant
          ? await stat(grant.blobPath).then(
              (s) => s.size,
              () => -1,
            )
          : -1;
        if (!grant || size < 0) return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(size),
          'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(grant.fileName)}`,
        });
        const stream = this.blobs.read(grant.blobPath);
        stream.on('error', () => res.destroy());
        stream.pipe(res);
      }),
      handler: noop,
    });
  }

  private signature(method: string, contentMd5: string, contentType: string, expires: string, key: string): string {
    const stringToSign = `${method}\n${contentMd5}\n${contentType}\n${expires}\n/${BUCKET}/${key}`;
    return createHmac('sha1', this.secret).update(stringToSign, 'utf8').digest('base64');
  }

  private url(method: string, key: string, expiresAt: number): string {
    const expires = String(Math.floor(expiresAt / 1000));
    const sig = this.signature(method, '', '', expires, key);
    return `${this.baseUrl()}/_s3/${key}?AWSAccessKeyId=${ACCESS_KEY}&Expires=${expires}&Signature=${encodeURIComponent(sig)}`;
  }

  /** Checks expiry, then the signature against the request's actual Content-MD5 and Content-Type. */
  private check(req: IncomingMessage, method: string, key: string): { code: string; message: string; extra: string } | undefined {
    const params = new URL(req.url ?? '/', 'http://s3.local').searchParams;
    const expires = params.get('Expires') ?? '';
    const given = params.get('Signature') ?? '';
    if (!/^\d+$/.test(expires) || params.get('AWSAccessKeyId') !== ACCESS_KEY || given === '') {
      return { code: 'AccessDenied', message: 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters', extra: '' };
    }
    const nowS = Math.floor(Date.now() / 1000);
    if (Number(expires) < nowS) {
      return {
        code: 'AccessDenied',
        message: 'Request has expired',
        extra: `<Expires>${new Date(Number(expires) * 1000).toISOString()}</Expires><ServerTime>${new Date().toISOString()}</ServerTime>`,
      };
    }
    const expected = Buffer.from(this.signature(method, header(req, 'content-md5'), header(req, 'content-type'), expires, key));
    const actual = Buffer.from(given);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return {
        code: 'SignatureDoesNotMatch',
        message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        extra: `<AWSAccessKeyId>${ACCESS_KEY}</AWSAccessKeyId>`,
      };
    }
    return undefined;
  }
}
