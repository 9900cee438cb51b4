import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CONTENT_SECURITY_POLICY, createAccessToken, tokensMatch } from '../../src/host/security.js';
import { MAX_MESSAGE_BYTES, startHeadlessHost, type HeadlessHost } from '../../src/host/headless-host.js';
import { tempDir } from '../helpers/tmp.js';
import { RecordingCore } from './fake-core.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-STATIC-FOLDER';

let tmp: ReturnType<typeof tempDir>;
let staticDir: string;
let core: RecordingCore;
let host: HeadlessHost;

beforeEach(async () => {
  tmp = tempDir('css-host-');
  // <tmp>/secret.txt is outside the served folder <tmp>/www; the traversal tests try to reach it.
  writeFileSync(join(tmp.dir, 'secret.txt'), SECRET);
  staticDir = join(tmp.dir, 'www');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>window</title>');
  writeFileSync(join(staticDir, 'assets', 'index-abc.js'), 'console.log("window")');
  writeFileSync(join(staticDir, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(staticDir, '.env'), SECRET);
  symlinkSync(join(tmp.dir, 'secret.txt'), join(staticDir, 'assets', 'link.txt'));
  core = new RecordingCore();
  host = await startHeadlessHost({ core, staticDir });
});

afterEach(async () => {
  await host.close();
  tmp.cleanup();
});

/** A raw HTTP GET: fetch() would normalise the dot-segments these tests need to send as they are. */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: host.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const origin = () => `http://127.0.0.1:${host.port}`;
const wsUrl = (token: string | null) => `ws://127.0.0.1:${host.port}/ws${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

/** Opens a WebSocket; resolves with the socket, or with the HTTP status the upgrade was refused with. */
function connect(
  url: string,
  options: WebSocket.ClientOptions = { origin: origin() },
): Promise<{ ws: WebSocket; box: Inbox; refused: null } | { ws: null; refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    // Listen before 'open': the host sends the view straight away, possibly in the same packet as the handshake.
    const box = inbox(ws);
    ws.once('open', () => resolve({ ws, box, refused: null }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ ws: null, refused: res.statusCode ?? 0 });
      res.resume();
    });
    ws.once('error', (error) => reject(error));
  });
}

async function open(): Promise<{ ws: WebSocket; box: Inbox }> {
  const result = await connect(wsUrl(host.token));
  if (!result.ws) throw new Error(`refused with ${result.refused}`);
  return result;
}

type Inbox = ReturnType<typeof inbox>;

/** Collects parsed messages; `next(pred)` waits for the first one matching. */
function inbox(ws: WebSocket) {
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }> = [];
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    messages.push(message);
    for (const w of [...waiters]) {
      if (w.pred(message)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(message);
      }
    }
  });
  return {
    messages,
    next(pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

describe('headless host: HTTP', () => {
  it('serves the window with the security headers and the right content types', async () => {
    const index = await rawGet('/', { host: `127.0.0.1:${host.port}` });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>window</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect(index.headers['cache-control']).toBe('no-store');

    const js = await rawGet('/assets/index-abc.js', { host: `localhost:${host.port}` });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    const css = await rawGet('/assets/index-abc.css?v=1', { host: `127.0.0.1:${host.port}` });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');

    const missing = await rawGet('/assets/nope.js', { host: `127.0.0.1:${host.port}` });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
  });

  it('never serves a file outside the static folder, whatever the path encoding', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/..%2F..%2Fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/..\\secret.txt',
      '/%252e%252e/secret.txt',
      '//../secret.txt',
      '/assets/link.txt', // a symlink pointing outside
      '/.env', // dotfiles are not part of the window
      '/index.html%00.js',
      '/%ff',
      `/${join(tmp.dir, 'secret.txt')}`,
    ];
    for (const path of attempts) {
      const res = await rawGet(path, { host: `127.0.0.1:${host.port}` });
      expect([400, 403, 404], `${path} → ${res.status}`).toContain(res.status);
      expect(res.body, path).not.toContain(SECRET);
    }
  });

  it('refuses requests whose Host header is not this host (DNS rebinding)', async () => {
    const res = await rawGet('/', { host: `evil.example:${host.port}` });
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('<title>window</title>');
    const wrongPort = await rawGet('/', { host: `127.0.0.1:${host.port + 1}` });
    expect(wrongPort.status).toBe(403);
  });

  it('answers the session check 204 for the token and 401 otherwise', async () => {
    const hostHeader = `127.0.0.1:${host.port}`;
    expect((await rawGet('/api/session', { host: hostHeader, authorization: `Bearer ${host.token}` })).status).toBe(204);
    expect((await rawGet('/api/session', { host: hostHeader, authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);
    expect((await rawGet('/api/session', { host: hostHeader })).status).toBe(401);
  });

  it('prints an address that carries the token in the fragment only', () => {
    const url = new URL(host.url);
    expect(url.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(url.search).toBe('');
    expect(url.hash).toBe(`#token=${host.token}`);
    expect(Buffer.from(host.token, 'base64url')).toHaveLength(32);
  });
});

describe('headless host: WebSocket access', () => {
  it('refuses a missing or wrong token with 401 before upgrading', async () => {
    expect((await connect(wsUrl(null))).refused).toBe(401);
    expect((await connect(wsUrl('not-the-token'))).refused).toBe(401);
    expect((await connect(wsUrl(`${host.token}x`))).refused).toBe(401);
    expect((await connect(wsUrl(host.token.slice(0, -1)))).refused).toBe(401);
    expect(core.calls).toHaveLength(0);
  });

  it('refuses another origin, or none, even with the right token', async () => {
    expect((await connect(wsUrl(host.token), { origin: 'http://evil.example' })).refused).toBe(403);
    expect((await connect(wsUrl(host.token), { origin: `http://127.0.0.1:${host.port + 1}` })).refused).toBe(403);
    expect((await connect(wsUrl(host.token), {})).refused).toBe(403);
    expect((await connect(wsUrl(host.token), { origin: origin(), headers: { host: `evil.example:${host.port}` } })).refused).toBe(403);
    expect(host.clients()).toBe(0);
  });

  it('accepts the token from its own origin and sends the current view at once', async () => {
    const { ws, box } = await open();
    const first = await box.next((m) => m.event === 'view');
    expect((first.data as { version: string }).version).toBe('0.0.0-test');
    ws.send(JSON.stringify({ id: 7, command: 'syncNow', input: {} }));
    expect(await box.next((m) => m.id === 7)).toEqual({ id: 7, ok: true, result: { started: true } });
    expect(core.calls).toEqual([{ command: 'syncNow', input: {} }]);
    ws.close();
  });
});

describe('headless host: messages', () => {
  it('answers malformed messages with an error and never passes them to the core', async () => {
    const { ws, box } = await open();
    await box.next((m) => m.event === 'view');

    ws.send('not json');
    expect(await box.next((m) => m.ok === false && m.id === 0)).toMatchObject({ error: 'Messages must be JSON text.' });
    ws.send(JSON.stringify({ command: 'syncNow' }));
    ws.send(JSON.stringify([1, 2, 3]));
    ws.send(JSON.stringify({ id: 'x', command: 'syncNow' }));
    ws.send(JSON.stringify({ id: 1.5, command: 'syncNow' }));
    ws.send(JSON.stringify({ id: 3, command: 'dropTables', input: {} }));
    ws.send(JSON.stringify({ id: 4, command: 'pause', input: { minutes: 0 } }));
    ws.send(JSON.stringify({ id: 5, command: 'pause', input: { minutes: 30, extra: true } }));
    ws.send(JSON.stringify({ id: 6, command: '__proto__', input: {} }));
    ws.send(JSON.stringify({ id: 8, command: 'openExternal', input: { url: 'file:///etc/passwd' } }));
    ws.send(Buffer.from([1, 2, 3]), { binary: true });

    expect((await box.next((m) => m.id === 3)).error).toMatch(/^Unknown command "dropTables"/);
    expect((await box.next((m) => m.id === 4)).error).toMatch(/^Invalid input for pause: minutes:/);
    expect((await box.next((m) => m.id === 5)).error).toMatch(/^Invalid input for pause/);
    expect((await box.next((m) => m.id === 6)).error).toMatch(/^Unknown command/);
    expect((await box.next((m) => m.id === 8)).error).toMatch(/Only http\(s\) links open/);
    // A round trip after the junk proves the connection survived and every earlier answer has arrived.
    ws.send(JSON.stringify({ id: 9, command: 'getView' }));
    await box.next((m) => m.id === 9);
    const zeroIdErrors = box.messages.filter((m) => m.id === 0 && m.ok === false);
    expect(zeroIdErrors).toHaveLength(6); // not json, no id, array, string id, fractional id, binary
    expect(core.calls.map((c) => c.command)).toEqual(['getView']);
    ws.close();
  });

  it('sends a failing command back as one line, without a stack trace', async () => {
    const { ws, box } = await open();
    const failure = new Error('Smokeball refused the sign-in. Sign in again.\n    at refresh (/app/src/sync/token.ts:12:3)');
    core.failNext = failure;
    ws.send(JSON.stringify({ id: 11, command: 'syncNow', input: {} }));
    const answer = await box.next((m) => m.id === 11);
    expect(answer).toEqual({ id: 11, ok: false, error: 'Smokeball refused the sign-in. Sign in again.' });
    expect(JSON.stringify(answer)).not.toContain('token.ts');
    ws.close();
  });

  it('closes a connection that sends an oversized message', async () => {
    const { ws } = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => {});
    ws.send(JSON.stringify({ id: 1, command: 'setSecret', input: { name: 'relayToken', value: 'x'.repeat(MAX_MESSAGE_BYTES) } }));
    expect(await closed).toBe(1009);
    expect(core.calls).toHaveLength(0);
  });

  it('pushes every view to every connected window, and stops listening when closed', async () => {
    const { box: a } = await open();
    const { box: b } = await open();
    await a.next((m) => m.event === 'view');
    await b.next((m) => m.event === 'view');
    core.push({ version: '9.9.9' });
    const isNew = (m: Record<string, unknown>) => m.event === 'view' && (m.data as { version: string }).version === '9.9.9';
    await a.next(isNew);
    await b.next(isNew);
    expect(core.listenerCount()).toBe(1);
    expect(host.clients()).toBe(2);
    await host.close();
    expect(core.listenerCount()).toBe(0);
    expect(host.clients()).toBe(0);
  });
});

describe('access token', () => {
  it('is 32 random bytes, different every time', () => {
    const a = createAccessToken();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createAccessToken()).not.toBe(a);
  });

  it('matches only the exact token', () => {
    const t = createAccessToken();
    expect(tokensMatch(t, t)).toBe(true);
    expect(tokensMatch(t, `${t} `)).toBe(false);
    expect(tokensMatch(t, t.toUpperCase())).toBe(t === t.toUpperCase());
    expect(tokensMatch(t, '')).toBe(false);
    expect(tokensMatch(t, null)).toBe(false);
    expect(tokensMatch(t, undefined)).toBe(false);
    expect(tokensMatch(t, 'x'.repeat(5000))).toBe(false);
  });
});
