/** A local webhook receiver for the tests: records every POST and answers with a configurable status. */
import http from 'node:http';
import type { Json } from './helpers.js';

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  text: string;
  body: Json;
  at: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status to answer with (default 200; 0 = never answer); can vary per request. */
  respond: (req: ReceivedWebhook, index: number) => number;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const entry: ReceivedWebhook = { headers: req.headers, text, body: JSON.parse(text), at: Date.now() };
      received.push(entry);
      const status = r.respond(entry, received.length - 1);
      if (status > 0) res.writeHead(status).end(); // 0 = never answer (the sender must time out)
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  const r: Receiver = {
    url: `http://127.0.0.1:${address.port}/hook`,
    received,
    respond: () => 200,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${received.length}`);
        await new Promise((res) => setTimeout(res, 10));
      }
      return received;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return r;
}
