import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../src/relay/index.js';
import { CLIENT_ID, Storages, getEvents, postSmokeball, readAll, smokeballBody } from './helpers.js';

/** Several relay instances on one PostgreSQL database, as behind a load balancer. */
const storages = new Storages();
const servers: RelayServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => storages.cleanup());

async function twoInstances(): Promise<[RelayServer, RelayServer]> {
  const storage = await storages.fresh('postgres');
  // A re-check interval far beyond the test: only LISTEN/NOTIFY can wake the other instance in time.
  const start = (): Promise<RelayServer> => startRelayServer({ storage, smokeballClientId: CLIENT_ID, longPollRecheckMs: 120_000, ingestBurst: 1_000 });
  const [a, b] = await Promise.all([start(), start()]); // concurrent start: the schema migration is locked
  servers.push(a, b);
  return [a, b];
}

describe('relay instances sharing PostgreSQL', () => {
  it('a long poll on one instance wakes when another instance stores the event (LISTEN/NOTIFY)', async () => {
    const [a, b] = await twoInstances();
    const firm = await a.admin.createFirm({ name: 'Shared' });
    const t0 = Date.now();
    const polling = getEvents(b.url, firm.token, { wait: 25 });
    await new Promise((r) => setTimeout(r, 300));
    const res = await postSmokeball(a.url, firm.firmId, { key: firm.smokeballKey, requestId: 'via-a' });
    expect(res.status).toBe(200);
    const { page } = await polling;
    expect(page.events.map((e) => e.requestId)).toEqual(['via-a']);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('parallel writes through two instances give one gap-free sequence; redeliveries across instances are stored once', async () => {
    const [a, b] = await twoInstances();
    const firm = await a.admin.createFirm({ name: 'Busy' });
    const sends = Array.from({ length: 400 }, (_, i) => {
      const d = { key: firm.smokeballKey, requestId: `r-${i}`, body: smokeballBody({ payload: { n: i } }) };
      const first = postSmokeball((i % 2 === 0 ? a : b).url, firm.firmId, d);
      // Every 8th event is redelivered at the same moment through the other instance.
      const again = i % 8 === 0 ? [postSmokeball((i % 2 === 0 ? b : a).url, firm.firmId, d)] : [];
      return [first, ...again];
    }).flat();
    const statuses = await Promise.all(sends.map(async (p) => (await p).status));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const fromA = await readAll(a.url, firm.token, 123);
    const fromB = await readAll(b.url, firm.token, 500);
    expect(fromA.map((e) => e.cursor)).toEqual(Array.from({ length: 400 }, (_, i) => String(i + 1)));
    expect(new Set(fromA.map((e) => e.requestId)).size).toBe(400);
    expect(fromB).toEqual(fromA);
  });
});
