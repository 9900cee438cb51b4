import { afterEach, describe, expect, it } from 'vitest';
import { smallFirm } from './fixtures.js';
import { startTestSim, type Json, type TestSim } from './helpers.js';

let t: TestSim | undefined;
afterEach(async () => {
  await t?.sim.close();
  t = undefined;
});

const firm = smallFirm({ matters: 6 });

async function sim(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${t!.sim.url}/_sim${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('control API over HTTP (/_sim)', () => {
  it('needs no API key and is not counted, throttled or faulted', async () => {
    t = await startTestSim({ firm, rateLimit: { ratePerSecond: 1, burst: 1 }, faults: { serverErrorRate: 1 } });
    for (let i = 0; i < 5; i++) expect((await sim('/stats')).status).toBe(200);
    const info = await sim('/');
    expect(info.body).toMatchObject({ accountId: firm.accountId, matters: 6, apiKey: 'sim-api-key' });
    expect(t.sim.stats.total).toBe(0);
  });

  it('issues, expires and revokes tokens', async () => {
    t = await startTestSim({ firm });
    const issued = await sim('/tokens', 'POST');
    expect(issued.status).toBe(200);
    t.token = issued.body.accessToken;
    expect((await t.api('/staff')).status).toBe(200);
    await sim('/tokens/expire', 'POST');
    expect((await t.api('/staff')).status).toBe(401);
    expect((await sim('/tokens/revoke', 'POST', { refreshToken: issued.body.refreshToken })).body).toEqual({ revoked: true });
    expect((await sim('/tokens/revoke', 'POST', { refreshToken: issued.body.refreshToken })).body).toEqual({ revoked: false });
  });

  it('changes stages, closes matters, updates matters and contacts, creates matters', async () => {
    t = await startTestSim({ firm });
    const m = firm.matters[0]!;
    const stage = firm.stageSets[0]!.stages[3]!;
    const staged = await sim(`/matters/${m.id}/stage`, 'POST', { stageId: stage.id });
    expect(staged.status).toBe(200);
    expect(staged.body.stage.stageId).toBe(stage.id);
    expect((await t.get(`/matters/${m.id}/stages`)).stage.name).toBe('Settled');
    expect((await sim(`/matters/${m.id}/close`, 'POST')).body.status).toBe('Closed');
    expect((await sim(`/matters/${m.id}`, 'PATCH', { description: 'via http' })).body.description).toBe('via http');
    const client = await sim(`/matters/${m.id}/clients`, 'POST', { person: { firstName: 'Http', lastName: 'Client' } });
    expect((await t.get(`/contacts/${client.body.contactId}`)).person.lastName).toBe('Client');
    expect((await sim(`/contacts/${client.body.contactId}`, 'PATCH', { person: { firstName: 'Http', lastName: 'Renamed' } })).status).toBe(200);
    expect((await t.get(`/contacts/${client.body.contactId}`)).person.lastName).toBe('Renamed');
    const created = await sim('/matters', 'POST', { description: 'new via http', status: 'Pending' });
    expect((await t.get(`/matters/${created.body.id}`)).status).toBe('Pending');
    // Errors: unknown ids → 404, bad input → 400.
    expect((await sim('/matters/nope/close', 'POST')).status).toBe(404);
    expect((await sim(`/matters/${m.id}/stage`, 'POST', {})).status).toBe(400);
    expect((await sim(`/matters/${m.id}/stage`, 'POST', { stageId: 'not-a-stage' })).status).toBe(400);
  });

  it('sets rate limit, faults, webhook faults and write delay; reports stats', async () => {
    t = await startTestSim({ firm });
    expect((await sim('/rate-limit', 'PUT', { ratePerSecond: 1, burst: 1, sendRetryAfter: true })).body).toEqual({
      ratePerSecond: 1,
      burst: 1,
      sendRetryAfter: true,
    });
    await t.api('/staff');
    const throttled = await t.api('/staff');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    await sim('/rate-limit', 'PUT', { ratePerSecond: 1000, burst: 1000 });
    expect((await sim('/faults', 'PUT', { serverErrorRate: 1 })).body.serverErrorRate).toBe(1);
    expect((await t.api('/staff')).status).toBeGreaterThanOrEqual(500);
    await sim('/faults', 'PUT', { serverErrorRate: 0 });
    expect((await sim('/faults', 'PUT', { serverErrorRate: 2 })).status).toBe(400);
    expect((await sim('/webhook-faults', 'PUT', { dropRate: 0.5 })).body.dropRate).toBe(0.5);
    expect((await sim('/write-delay', 'PUT', { ms: 10 })).body).toEqual({ ms: 10 });
    const stats = await sim('/stats');
    expect(stats.body.total).toBe(3);
    expect(stats.body.throttled).toBe(1);
    expect(stats.body.byEndpoint['GET /staff']).toEqual({ requests: 3, throttled: 1 });
    expect(stats.body.faultsInjected.serverError).toBe(1);
    expect(typeof stats.body.peakPerSecond).toBe('number');
    await sim('/stats/reset', 'POST');
    expect((await sim('/stats')).body.total).toBe(0);
  });

  it('shows memos, folders, files, subscriptions and deliveries; /idle waits for pending writes', async () => {
    // Nothing listens on the subscription's port: no retries, so /idle does not wait for backoff.
    // The delay must outlast the three requests before the first listing, on a loaded machine too.
    t = await startTestSim({ firm, writeDelayMs: 2_000, webhookFaults: { retries: 0 } });
    const m = firm.matters[1]!;
    await t.api(`/matters/${m.id}/memos`, { method: 'POST', json: { title: 'T', text: 'hello' } });
    await t.api(`/matters/${m.id}/documents/folders`, { method: 'POST', json: { name: 'CaseStatus' } });
    await t.api('/webhooks', { method: 'POST', json: { eventTypes: ['memo.created'], eventNotificationUrl: 'http://127.0.0.1:9/x' } });
    expect((await sim(`/matters/${m.id}/memos`)).body).toEqual([]);
    await sim('/idle', 'POST');
    expect((await sim(`/matters/${m.id}/memos`)).body[0]).toMatchObject({ title: 'T', plainText: 'hello' });
    expect((await sim(`/matters/${m.id}/folders`)).body[0]).toMatchObject({ name: 'CaseStatus', parentId: null });
    expect((await sim(`/matters/${m.id}/files`)).body).toEqual([]);
    expect((await sim('/webhooks')).body).toHaveLength(1);
    expect((await sim('/deliveries')).body).toMatchObject([{ type: 'memo.created', outcome: 'network-error', attempt: 1 }]);
  });
});
