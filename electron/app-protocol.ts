import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { CustomScheme } from 'electron';

/**
 * The window's pages come from `app://bundle/…`, a custom scheme served from dist/renderer, rather than file://.
 * A file:// page can read any file the user can, and Electron's security checklist recommends a custom protocol.
 * Serving it ourselves also lets every response carry the Content-Security-Policy header.
 */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://bundle`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Same policy as the meta tag in renderer/index.html, minus the headless host's WebSocket. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Registered before `app` is ready: a standard, secure scheme resolves relative URLs and counts as a secure context. */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

/** The file under `rootDir` that an app:// URL names, or null for anything outside it or not ours. */
export function resolveAppAsset(rootDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== 'bundle') return null;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  if (path === '/' || path === '') path = '/index.html';
  const root = resolve(rootDir);
  const file = resolve(root, `.${path}`);
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return null;
  return file;
}

/** The protocol handler: GET only, files under `rootDir` only, each response with the CSP and no MIME sniffing. */
export function createAppProtocolHandler(
  rootDir: string,
  read: (path: string) => Promise<Uint8Array> = readFile,
): (request: { url: string; method: string }) => Promise<Response> {
  const headers = (contentType: string) => ({
    'content-type': contentType,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405, headers: headers('text/plain') });
    const file = resolveAppAsset(rootDir, request.url);
    const type = file ? CONTENT_TYPES[extname(file).toLowerCase()] : undefined;
    if (!file || !type) return new Response('Not found', { status: 404, headers: headers('text/plain') });
    try {
      const bytes = await read(file);
      // A standalone ArrayBuffer: a pooled Buffer's backing store can hold other data around the file's bytes.
      const body = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: headers(type) });
    } catch {
      return new Response('Not found', { status: 404, headers: headers('text/plain') });
    }
  };
}
