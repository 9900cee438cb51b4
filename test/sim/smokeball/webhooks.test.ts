import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../../src/shared/smokeball-signature.js';
import { smallFirm } from './fixtures.js';
import { startTestSim, type Json, type TestSim } from './helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

let t: TestSim | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await t?.sim.close();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

const firm = smallFirm({ matters: 10 });

async function subscribe(sim: TestSim, url: string, extra: Record<string, unknown> = {}): Promise<Record<string, Json>> {
  const res = await sim.api('/webhooks', {
    method: 'POST',
    json: { name: 'sync', eventTypes: ['matter.updated', 'matterstage.updated'], eventNotificationUrl: url, ...extra },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, Json>;
}

describe('webhook signature', () => {
  it('matches the documented test vector', () => {
    const sig = signWebhook('ei7641529ue420n8b9aa', '637558795239278688', '38583489-09c4-49ef-b58c-ef1b34208cca', 'lou1qnn0llav95');
    expect(sig).toBe('feb4b838a272884f6d2c2580b2c7ebb0b2f725b90e8baa6f9b5e1a17a9faec2d');
    expect(
      verifyWebhookSignature(sig.toUpperCase(), 'ei7641529ue420n8b9aa', '637558795239278688', '38583489-09c4-49ef-b58c-ef1b34208cca', 'lou1qnn0llav95'),
    ).toBe(true);
    expect(verifyWebhookSignature(sig, 'ei7641529ue420n8b9aa', '637558795239278689', '38583489-09c4-49ef-b58c-ef1b34208cca', 'lou1qnn0llav95')).toBe(false);
  });

  it('signs real deliveries with the subscription key and the client id; no Signature without a key', async () => {
    t = await startTestSim({ firm, clientId: 'lou1qnn0llav95' });
    receiver = await startReceiver();
    const sub = await subscribe(t, receiver.url, { key: 'ei7641529ue420n8b9aa' });
    expect(sub.key).toBe('ei7641529ue420n8b9aa');
    await subscribe(t, receiver.url.replace('/hook', '/nokey'));
    t.sim.control.updateMatter(firm.matters[0]!.id, { description: 'changed' });
    const got = await receiver.waitFor(2);
    const signed = got.find((r) => r.body.subscriptionId === sub.id)!;
    const unsigned = got.find((r) => r.body.subscriptionId !== sub.id)!;
    const { signature, timestamp, requestid } = signed.headers as Record<string, string>;
    expect(timestamp).toMatch(/^\d{18}$/);
    expect(requestid).toMatch(/^[0-9a-f-]{36}$/);
    expect(signature).toBe(signWebhook('ei7641529ue420n8b9aa', timestamp!, requestid!, 'lou1qnn0llav95'));
    expect(unsigned.headers.signature).toBeUndefined();
    expect(signed.body).toMatchObject({ accountId: firm.accountId, subscriptionId: sub.id, type: 'matter.updated', source: 'Smokeball' });
    expect(signed.headers['content-type']).toContain('application/json');
  });
});

describe('webhook subscriptions', () => {
  it('supports types, create (200, key echoed), get (no key), list, update, notify and delete', async () => {
    t = await startTestSim({ firm });
    receiver = await startReceiver();
    const types = await t.get('/webhooks/types');
    expect(types.value).toContain('matterstage.updated');
    expect(types.value).toContain('error');
    const sub = await subscribe(t, receiver.url, { key: 'k1' });
    expect(sub).toMatchObject({ name: 'sync', key: 'k1', accountId: firm.accountId, eventNotificationUrl: receiver.url });
    expect(sub.href).toBe(`${t.sim.url}/webhooks/${sub.id}`);
    const fetched = await t.get(`/webhooks/${sub.id}`);
    expect(fetched.key).toBeUndefined();
    expect((await t.get('/webhooks')).size).toBe(1);
    const put = await t.api(`/webhooks/${sub.id}`, {
      method: 'PUT',
      json: { name: 'renamed', eventTypes: ['contact.updated'], eventNotificationUrl: receiver.url },
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { eventTypes: string[] }).eventTypes).toEqual(['contact.updated']);
    expect((await t.api(`/webhooks/${sub.id}/notify`, { method: 'POST', headers: { RequestId: 'ping-1' } })).status).toBe(200);
    const [noop] = await receiver.waitFor(1);
    expect(noop!.body.type).toBe('noop');
    expect(noop!.headers.requestid).toBe('ping-1');
    expect((await t.api(`/webhooks/${sub.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await t.api(`/webhooks/${sub.id}`)).status).toBe(404);
    expect((await t.api(`/webhooks/${sub.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('rejects unknown event types, missing or non-http URLs', async () => {
    t = await startTestSim({ firm });
    const bad = await t.api('/webhooks', { method: 'POST', json: { eventTypes: ['matter.exploded'], eventNotificationUrl: 'ftp://x' } });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: Array<{ field: string }> };
    expect(body.errors.map((e) => e.field).sort()).toEqual(['eventNotificationUrl', 'eventTypes']);
    expect((await t.api('/webhooks', { method: 'POST', json: { eventTypes: ['matter.updated'] } })).status).toBe(400);
  });
});

describe('webhook delivery faults', () => {
  it('drops and duplicates deliveries at the configured rates (200 events)', async () => {
    t = await startTestSim({ firm, webhookFaults: { dropRate: 0.1, duplicateRate: 0.2 }, seed: 7 });
    receiver = await startReceiver();
    await subscribe(t, receiver.url);
    const m = firm.matters[1]!.id;
    for (let i = 0; i < 200; i++) t.sim.control.updateMatter(m, { description: `change ${i}` });
    await t.sim.control.whenIdle();
    const log = t.sim.control.deliveries();
    const dropped = log.filter((d) => d.outcome === 'dropped').length;
    const duplicates = log.filter((d) => d.duplicate && d.outcome === 'delivered').length;
    expect(dropped).toBeGreaterThanOrEqual(8);
    expect(dropped).toBeLessThanOrEqual(35);
    expect(duplicates).toBeGreaterThanOrEqual(18);
    expect(duplicates).toBeLessThanOrEqual(60);
    expect(receiver.received).toHaveLength(200 - dropped + duplicates);
    // Each event arrived at most twice, and copies of one event share the RequestId.
    const perRequest = new Map<string, number>();
    for (const r of receiver.received) perRequest.set(r.headers.requestid as string, (perRequest.get(r.headers.requestid as string) ?? 0) + 1);
    expect(Math.max(...perRequest.values())).toBe(2);
    expect(perRequest.size).toBe(200 - dropped);
  });

  it('reorders held-back deliveries so later events overtake earlier ones', async () => {
    t = await startTestSim({ firm, webhookFaults: { reorderRate: 0.3, holdBackMs: 200 }, seed: 3 });
    receiver = await startReceiver();
    await subscribe(t, receiver.url);
    const m = firm.matters[2]!.id;
    for (let i = 0; i < 40; i++) {
      t.sim.control.updateMatter(m, { description: String(i) });
      await new Promise((r) => setTimeout(r, 5));
    }
    await t.sim.control.whenIdle();
    const order = receiver.received.map((r) => Number(r.body.payload.description));
    expect(order).toHaveLength(40);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect(t.sim.control.deliveries().some((d) => d.heldBack)).toBe(true);
  });

  it('retries non-2xx answers with backoff and gives up after the configured retries', async () => {
    t = await startTestSim({ firm, webhookFaults: { retries: 3, retryBackoffMs: 20 } });
    receiver = await startReceiver();
    receiver.respond = (_r, i) => (i < 2 ? 503 : 200);
    await subscribe(t, receiver.url);
    t.sim.control.updateMatter(firm.matters[0]!.id, { description: 'retry me' });
    await t.sim.control.whenIdle();
    expect(receiver.received).toHaveLength(3);
    expect(t.sim.control.deliveries().map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'http-error'],
      [2, 'http-error'],
      [3, 'delivered'],
    ]);
    // The same RequestId on every attempt; a fresh Timestamp each time.
    expect(new Set(receiver.received.map((r) => r.headers.requestid)).size).toBe(1);

    receiver.respond = () => 500;
    t.sim.control.updateMatter(firm.matters[0]!.id, { description: 'never' });
    await t.sim.control.whenIdle();
    expect(receiver.received).toHaveLength(3 + 4);
  });

  it('times out a receiver that does not answer', async () => {
    t = await startTestSim({ firm, webhookFaults: { retries: 1, retryBackoffMs: 10, timeoutMs: 150 } });
    receiver = await startReceiver();
    receiver.respond = () => 0;
    await subscribe(t, receiver.url);
    t.sim.control.updateMatter(firm.matters[0]!.id, { description: 'slow' });
    await t.sim.control.whenIdle();
    expect(t.sim.control.deliveries().map((d) => d.outcome)).toEqual(['timeout', 'timeout']);
  });
});
