import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppView } from '../contract/view.js';
import type { HostedCore } from './hosted-core.js';
import { SECURITY_HEADERS, bearerToken, createAccessToken, tokensMatch } from './security.js';
import { StaticFiles } from './static-files.js';
import { serveSocket } from './ws-session.js';
import { isUnspecifiedHost } from './bind-address.js';

/**
 * The app core under plain Node, drawn in a browser: serves the built window on 127.0.0.1 and carries the same typed
 * contract as Electron's IPC over a WebSocket at /ws.
 *
 * Who may connect: the Host header must name this host (no DNS rebinding), a WebSocket's Origin must be this host's own
 * origin (no other web page can drive it), and the WebSocket must present the access token printed at start-up.
 */
export interface HeadlessHostOptions {
  core: HostedCore;
  /** Interface to listen on; the default keeps the service on this machine. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The built window (dist/renderer). */
  staticDir: string;
  /** Defaults to 32 random bytes; pass one to keep the same address across restarts. */
  token?: string;
  /** More Host header names to accept (e.g. a server's name when listening on another interface). */
  allowedHostnames?: string[];
}

export interface HeadlessHost {
  /** Open this in a browser: it carries the token in the fragment (never sent to the server in a request line). */
  url: string;
  port: number;
  token: string;
  /** Connected windows right now. */
  clients(): number;
  close(): Promise<void>;
}

/** Largest message a window may send; commands are small (the biggest is a settings patch). */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** A window that stops answering pings is dropped after this long. */
const HEARTBEAT_MS = 30_000;
/** A window this far behind on views is skipped until it catches up (the next push carries the whole view anyway). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export async function startHeadlessHost(options: HeadlessHostOptions): Promise<HeadlessHost> {
  const { core, host = '127.0.0.1', port = 0, staticDir } = options;
  const token = options.token ?? createAccessToken();
  if (token.length < 16) throw new Error('The access token must be at least 16 characters.');
  const files = new StaticFiles(staticDir);
  // The bound address is accepted as a Host name, except 0.0.0.0/:: ("every interface"), which no browser
  // should be sent to; a host bound beyond loopback names the machine's addresses in allowedHostnames.
  const bound = isUnspecifiedHost(host) ? [] : [host.includes(':') ? `[${host}]` : host];
  const hostnames = new Set(['127.0.0.1', 'localhost', '[::1]', ...bound, ...(options.allowedHostnames ?? []).map((n) => n.toLowerCase())]);
  let boundPort = port;

  /** `Host: 127.0.0.1:<port>` or one of the other accepted names, with this port. */
  const hostAllowed = (hostHeader: string | undefined): boolean => {
    if (!hostHeader) return false;
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(hostHeader.toLowerCase());
    return match !== null && Number(match[2]) === boundPort && hostnames.has(match[1]!);
  };

  const app = Fastify({ logger: false, bodyLimit: 1024, forceCloseConnections: true });

  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host)) {
      await reply.code(403).type('text/plain; charset=utf-8').send('Forbidden: unknown Host');
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });

  /** Lets the window tell a refused token (stop retrying) from a service that is down (keep retrying). */
  app.get('/api/session', async (request, reply) => {
    const ok = tokensMatch(token, bearerToken(request.headers.authorization));
    reply.header('Cache-Control', 'no-store');
    return ok ? reply.code(204).send() : reply.code(401).type('text/plain; charset=utf-8').send('Unauthorised');
  });

  app.get('/*', async (request, reply) => {
    const path = (request.raw.url ?? '/').split('?')[0]!;
    const result = await files.lookup(path);
    if (result.status !== 200) return reply.code(result.status).type('text/plain; charset=utf-8').send(result.message);
    return reply.code(200).type(result.contentType).header('Cache-Control', result.cacheControl).send(result.body);
  });

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).type('text/plain; charset=utf-8').send('Not found'));
  app.setErrorHandler(async (_error, _request, reply) => reply.code(500).type('text/plain; charset=utf-8').send('Internal error'));

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();

  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return refuse(socket, 404, 'Not Found');
    if (!hostAllowed(request.headers.host)) return refuse(socket, 403, 'Forbidden');
    // Browsers always send Origin on a WebSocket; it must be this page's own origin, not some other site's.
    if (request.headers.origin !== `http://${request.headers.host}`) return refuse(socket, 403, 'Forbidden');
    if (!tokensMatch(token, url.searchParams.get('token'))) return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  wss.on('connection', (ws: WebSocket) => {
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', () => ws.terminate());
    serveSocket(ws, core);
    sendView(ws, JSON.stringify({ event: 'view', data: core.view() }));
  });

  const sendView = (ws: WebSocket, message: string) => {
    if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(message);
  };
  const unsubscribe = core.onView((view: AppView) => {
    if (wss.clients.size === 0) return;
    const message = JSON.stringify({ event: 'view', data: view });
    for (const ws of wss.clients) sendView(ws, message);
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  try {
    await app.listen({ host, port });
  } catch (error) {
    clearInterval(heartbeat);
    unsubscribe();
    throw error;
  }
  const address = app.server.address();
  boundPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  let closed = false;
  return {
    url: `http://${urlHost}:${boundPort}/#token=${token}`,
    port: boundPort,
    token,
    clients: () => wss.clients.size,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      for (const ws of wss.clients) ws.close(1001, 'The sync service is stopping');
      const allClosed = new Promise<void>((resolve) => wss.close(() => resolve()));
      // A window that does not answer the close handshake is cut off rather than holding the shutdown.
      const grace = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, 1000);
      await allClosed;
      clearTimeout(grace);
      await app.close();
    },
  };
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
}
