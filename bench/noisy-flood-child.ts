/**
 * The flooding firm of bench/noisy-neighbour.ts, in its own process so its sends do not queue the quiet
 * firms' requests in the load generator's event loop. Argument: JSON {url, port, firm, clientId, runMs,
 * bodyKb}. Prints one JSON line of counts when done.
 */
import { connect, type Socket } from 'node:net';
import { msToTicks } from '../src/sim/common/ticks.js';
import { signWebhook } from '../src/shared/smokeball-signature.js';
// Type only: erased, so the child does not load the parent's module.
import type { FloodChildArgs } from './noisy-neighbour.js';

const { url, port, runMs, bodyKb, firm, clientId } = JSON.parse(process.argv[2]!) as FloodChildArgs;
const stopAt = Date.now() + runMs;
const counts = { flood2xx: 0, flood429: 0, floodReads429: 0, slowClosedByRelay: 0, floodCpuSeconds: 0 };
const cpuAtStart = process.cpuUsage();
const filler = 'x'.repeat(bodyKb * 1024);

const senders = Array.from({ length: 20 }, async (_, s) => {
  for (let i = 0; Date.now() < stopAt; i++) {
    const requestId = `flood-${s}-${i}`;
    const timestamp = msToTicks(Date.now()).toString();
    const body = JSON.stringify({
      accountId: firm.firmId,
      subscriptionId: 'bench',
      type: 'matterstage.updated',
      source: 'Smokeball',
      payload: { filler },
      timestamp: 1,
    });
    try {
      const res = await fetch(`${url}/hooks/smokeball/${firm.firmId}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          Timestamp: timestamp,
          RequestId: requestId,
          Signature: signWebhook(firm.smokeballKey, timestamp, requestId, clientId),
        },
        body,
      });
      await res.text();
      if (res.status === 200) counts.flood2xx += 1;
      else if (res.status === 429) counts.flood429 += 1;
    } catch {
      // refused connection: keep flooding
    }
  }
});
const readers = Array.from({ length: 8 }, async () => {
  while (Date.now() < stopAt) {
    try {
      const res = await fetch(`${url}/v1/events?after=0&limit=500`, { headers: { authorization: `Bearer ${firm.token}` } });
      await res.arrayBuffer();
      if (res.status === 429) counts.floodReads429 += 1;
    } catch {
      // keep reading
    }
  }
});
const slow: Socket[] = [];
for (let c = 0; c < 200; c++) {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (Date.now() < stopAt) counts.slowClosedByRelay += 1;
  });
  socket.write(`POST /hooks/smokeball/unknown-firm HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{`);
  const trickle = setInterval(() => (socket.writable ? socket.write(' ') : clearInterval(trickle)), 1_000);
  socket.once('close', () => clearInterval(trickle));
  slow.push(socket);
}
await Promise.all([...senders, ...readers]);
for (const s of slow) s.destroy();
const cpu = process.cpuUsage(cpuAtStart);
counts.floodCpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
process.stdout.write(`${JSON.stringify(counts)}\n`);
