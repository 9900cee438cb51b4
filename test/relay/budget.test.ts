import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../src/relay/index.js';
import type { BudgetGrant } from '../../src/shared/budget/wire.js';
import { CLIENT_ID, Storages, type StorageKind } from './helpers.js';

/** The partner budget's rate leases and the operator's view, over HTTP, on both storages. */
const storages = new Storages();
const servers: RelayServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => storages.cleanup());

const ADMIN = 'operator-token-0123456789abcdef';
type Shared = Extract<BudgetGrant, { mode: 'shared' }>;

async function renew(url: string, token: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/budget/renew`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const busy = (bulk: number, realtime = 0) => ({ demand: { realtime, bulk }, usedPerSecond: 0.5, queueDepth: 12 });

describe.each<StorageKind>(['sqlite', 'postgres'])('partner budget on %s', (kind) => {
  it('per-firm mode: every host keeps its own rate', async () => {
    const relay = await startRelayServer({ storage: await storages.fresh(kind), smokeballClientId: CLIENT_ID });
    servers.push(relay);
    const firm = await relay.admin.createFirm({ name: 'Acme' });
    const r = await renew(relay.url, firm.token, busy(5));
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe('per-firm');
  });

  it('shared mode: splits the rate, answers bad input and strangers clearly, shows the operator per-firm figures', async () => {
    const clock = Date.parse('2026-03-02T09:00:00Z');
    const relay = await startRelayServer({
      storage: await storages.fresh(kind),
      smokeballClientId: CLIENT_ID,
      now: () => clock,
      budget: { mode: 'shared' },
      adminToken: ADMIN,
    });
    servers.push(relay);
    const a = await relay.admin.createFirm({ name: 'A' });
    const b = await relay.admin.createFirm({ name: 'B' });
    // A alone holds every slot; B waits until A's next renewal gives some back.
    const first = (await renew(relay.url, a.token, busy(1))).body as unknown as Shared;
    expect(first).toMatchObject({ mode: 'shared', ratePerSecond: 1, concurrency: 5 });
    expect((await renew(relay.url, b.token, busy(5))).body).toMatchObject({ ratePerSecond: 0, renewInMs: 250 });
    // A's next renewal shrinks its concurrency, but A may use its old grant until it applied the new one: B
    // still waits, and A is asked back soon to acknowledge it.
    const shrunk = (await renew(relay.url, a.token, { ...busy(1), appliedGrantSeq: first.grantSeq })).body as unknown as Shared;
    expect(shrunk.renewInMs).toBe(250);
    expect((await renew(relay.url, b.token, busy(5))).body).toMatchObject({ ratePerSecond: 0 });
    const ga = (await renew(relay.url, a.token, { ...busy(1), appliedGrantSeq: shrunk.grantSeq })).body as unknown as Shared;
    const gb = (await renew(relay.url, b.token, busy(5))).body as unknown as Shared;
    expect(ga).toMatchObject({ mode: 'shared', ratePerSecond: 1, expiresAt: clock + 3_000 });
    // Max-min: A asked for 1 of the 4.5 grantable; B gets the rest.
    expect(gb.ratePerSecond).toBeCloseTo(3.5);
    expect(ga.concurrency + gb.concurrency).toBeLessThanOrEqual(5);

    expect((await renew(relay.url, a.token, { demand: { realtime: 'lots', bulk: 0 }, usedPerSecond: 0, queueDepth: 0 })).body).toMatchObject({
      error: 'bad_request',
      message: expect.stringMatching(/demand.realtime/),
    });
    expect((await renew(relay.url, 'rly_nope', busy(1))).status).toBe(401);

    const noAuth = await fetch(`${relay.url}/v1/admin/budget`);
    expect(noAuth.status).toBe(401);
    const firmToken = await fetch(`${relay.url}/v1/admin/budget`, { headers: { authorization: `Bearer ${a.token}` } });
    expect(firmToken.status).toBe(401);
    const res = await fetch(`${relay.url}/v1/admin/budget`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const text = await res.text();
    expect(text).toContain('relay_budget_rate_per_second{mode="shared"} 5');
    expect(text).toContain('relay_budget_granted_sum_per_second 4.5');
    expect(text).toContain(`relay_budget_firm_granted_per_second{firm="${a.firmId}"} 1`);
    expect(text).toContain(`relay_budget_firm_used_per_second{firm="${b.firmId}"} 0.5`);
    expect(text).toContain(`relay_budget_firm_queue_depth{firm="${b.firmId}"} 12`);
    expect(text).toContain(`relay_budget_firm_demand_per_second{firm="${b.firmId}",class="bulk"} 5`);
    // Every sample line is `name{labels} number`.
    for (const line of text
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
    expect(text).not.toContain(a.token);
  });

  it('the admin endpoint is off without an operator token', async () => {
    const relay = await startRelayServer({ storage: await storages.fresh(kind), smokeballClientId: CLIENT_ID, budget: { mode: 'shared' } });
    servers.push(relay);
    expect((await fetch(`${relay.url}/v1/admin/budget`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404);
  });
});

describe('partner budget on two relay instances sharing PostgreSQL', () => {
  it('never hands out more than the total between them, under concurrent renewals', async () => {
    const storage = await storages.fresh('postgres');
    // One frozen clock: every grant stays unexpired, so the sum of all answers is what is held at once.
    const clock = Date.parse('2026-03-02T09:00:00Z');
    const one = await startRelayServer({ storage, smokeballClientId: CLIENT_ID, now: () => clock, budget: { mode: 'shared' } });
    servers.push(one);
    const two = await startRelayServer({ storage, smokeballClientId: CLIENT_ID, now: () => clock, budget: { mode: 'shared' } });
    servers.push(two);
    const firms = await Promise.all(Array.from({ length: 12 }, (_, i) => one.admin.createFirm({ name: `Firm ${i}` })));
    const latest = new Map<string, Shared>();
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        firms.map(
          async (f, i) =>
            [f.firmId, (await renew(i % 2 === 0 ? one.url : two.url, f.token, busy(1 + (i % 4), i % 5 === 0 ? 1 : 0))).body as unknown as Shared] as const,
        ),
      );
      for (const [id, g] of answers) latest.set(id, g);
      const rate = [...latest.values()].reduce((a, g) => a + g.ratePerSecond, 0);
      const concurrency = [...latest.values()].reduce((a, g) => a + g.concurrency, 0);
      expect(rate).toBeLessThanOrEqual(4.5 + 1e-9);
      expect(concurrency).toBeLessThanOrEqual(5);
      expect(rate).toBeGreaterThan(0);
    }
  });
});
