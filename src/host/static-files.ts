import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/**
 * Serves the built window (a handful of files from `dist/renderer`) without a static-file plugin. Only files inside
 * the folder are ever read: the decoded path is resolved and must stay under the folder's real path, symlinks
 * included.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export type StaticResult = { status: 200; body: Buffer; contentType: string; cacheControl: string } | { status: 400 | 404; message: string };

export class StaticFiles {
  private rootReal: string | null = null;

  constructor(private readonly root: string) {}

  /** `urlPath` is the request path as sent (still percent-encoded, query already removed). */
  async lookup(urlPath: string): Promise<StaticResult> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return { status: 400, message: 'Bad path' };
    }
    if (decoded.includes('\0') || decoded.includes('\\') || !decoded.startsWith('/')) return { status: 400, message: 'Bad path' };
    const segments = decoded.split('/').filter((s) => s !== '');
    // Dot-segments are refused outright (not normalised away): no legitimate link of the window contains them.
    if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return { status: 404, message: 'Not found' };
    const relative = segments.length === 0 ? 'index.html' : segments.join('/');
    const type = CONTENT_TYPES[extname(relative).toLowerCase()];
    if (!type) return { status: 404, message: 'Not found' };

    const root = await this.realRoot();
    const candidate = resolve(root, relative);
    if (!candidate.startsWith(root + sep)) return { status: 404, message: 'Not found' };
    try {
      const real = await realpath(candidate);
      if (!real.startsWith(root + sep)) return { status: 404, message: 'Not found' };
      if (!(await stat(real)).isFile()) return { status: 404, message: 'Not found' };
      const body = await readFile(real);
      // Vite puts a content hash in every asset name, so those never change; index.html must always be fresh.
      const cacheControl = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-store';
      return { status: 200, body, contentType: type, cacheControl };
    } catch {
      return { status: 404, message: 'Not found' };
    }
  }

  private async realRoot(): Promise<string> {
    this.rootReal ??= await realpath(this.root);
    return this.rootReal;
  }
}
