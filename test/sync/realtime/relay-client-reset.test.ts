import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayClient, RelayError } from '../../../src/sync/realtime/relay-client.js';

/**
 * The keep-alive race: the relay closes an idle socket (keepAliveTimeout 5 s) just as the app writes its next
 * GET on it, and the app reads ECONNRESET. It happens whenever a request follows the previous one by about
 * the relay's keep-alive, or after the app's event loop stalled (a laptop waking, a long synchronous SQLite
 * transaction). This server answers a connection's first request with keep-alive and resets the connection
 * on its second, which is what the client sees in the race; a fresh connection is answered again.
 */
const FIRM = { firmId: 'f-1', name: 'Reset Law', webhooks: { smokeball: { url: 'https://relay.example.com/hooks/smokeball/f-1', key: 'k' } } };
const PAGE = { events: [], nextCursor: '0', hasMore: false };

let server: net.Server | undefined;
const sockets = new Set<net.Socket>();
afterEach(async () => {
  // The app's keep-alive pool holds its sockets open: end them so close() does not wait for them.
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Starts the scripted relay: a connection's first request is answered, its next ones reset. */
async function startResettingRelay(): Promise<{ url: string; connections: () => number; resets: () => number }> {
  let connections = 0;
  let resets = 0;
  server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let requests = 0;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        const head = buffered.slice(0, buffered.indexOf('\r\n\r\n'));
        buffered = buffered.slice(head.length + 4);
        requests++;
        if (requests > 1) {
          resets++;
          socket.resetAndDestroy();
          return;
        }
        const body = JSON.stringify(head.startsWith('GET /v1/firm') ? FIRM : PAGE);
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\n${body}`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, resets: () => resets };
}

describe('the relay client when the relay resets a reused keep-alive socket', () => {
  it('retries GET /v1/firm and GET /v1/events once on a fresh connection', async () => {
    const relay = await startResettingRelay();
    const client = new RelayClient({ relayUrl: relay.url, relayToken: 'token' });
    expect((await client.firm()).firmId).toBe('f-1');
    expect((await client.events(null, { waitSeconds: 0 })).events).toEqual([]);
    expect((await client.firm()).firmId).toBe('f-1');
    // Each call after the first met a reset on the pooled socket and succeeded on a new one.
    expect(relay.resets()).toBe(2);
    expect(relay.connections()).toBe(3);
  });

  it('reports the relay unreachable when the retry is reset too (no endless retrying)', async () => {
    server = net.createServer((socket) => socket.on('data', () => socket.resetAndDestroy()));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    let connections = 0;
    server.on('connection', () => connections++);
    const client = new RelayClient({ relayUrl: `http://127.0.0.1:${port}`, relayToken: 'token' });
    const error = await client.firm().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as RelayError).kind).toBe('unreachable');
    expect((error as RelayError).message).toMatch(/ECONNRESET/);
    expect((error as RelayError).message).not.toMatch(/token/);
    expect(connections).toBe(2);
  });
});
