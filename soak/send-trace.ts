/**
 * Preloaded into the soak's app process (`node --import ./soak/send-trace.ts`) when SOAK_SEND_TRACE names a file:
 * appends one JSON line per outgoing HTTP request with the moments it was created and handed to the socket
 * (wall-clock ms, comparable with the simulator's arrival times in the soak's process), and the `RequestId` the
 * answer carried, which the Smokeball simulator also logs. It also logs each event-loop stall over 50 ms. The soak
 * reads it afterwards to tell a client that sent too fast from arrivals bunched on the way or at the simulator.
 * Diagnostics only: nothing in the app reads it, and it records no headers but `RequestId`.
 */
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';

const file = process.env.SOAK_SEND_TRACE;
const wallNow = () => performance.timeOrigin + performance.now();

if (file) {
  const write = (entry: object) => {
    try {
      appendFileSync(file, `${JSON.stringify(entry)}\n`);
    } catch {
      // The trace is best-effort; a diagnostic must never change what the app does.
    }
  };
  const pending = new WeakMap<ClientRequest, { created: number; sent?: number }>();
  subscribe('http.client.request.start', (message) => {
    const request = (message as { request: ClientRequest }).request;
    const entry = { created: wallNow() } as { created: number; sent?: number };
    pending.set(request, entry);
    request.once('finish', () => (entry.sent = wallNow()));
    request.once('close', () => {
      if (!pending.has(request)) return;
      pending.delete(request);
      write({
        host: String(request.getHeader('host') ?? request.host),
        method: request.method,
        path: request.path.split('?')[0],
        created: entry.created,
        sent: entry.sent ?? null,
        status: null,
        rid: null,
      });
    });
  });
  subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const entry = pending.get(request);
    if (!entry) return;
    pending.delete(request);
    const rid = response.headers['requestid'];
    write({
      host: String(request.getHeader('host') ?? request.host),
      method: request.method,
      path: request.path.split('?')[0],
      created: entry.created,
      sent: entry.sent ?? null,
      answered: wallNow(),
      status: response.statusCode ?? null,
      rid: typeof rid === 'string' ? rid : null,
    });
  });
  // Event-loop stalls: a tick that comes more than 50 ms late.
  let expected = wallNow() + 20;
  setInterval(() => {
    const t = wallNow();
    if (t - expected > 50) write({ stall: t - expected, at: t });
    expected = t + 20;
  }, 20).unref();
}
