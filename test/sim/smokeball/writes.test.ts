import { afterEach, describe, expect, it } from 'vitest';
import { plainToRtf } from '../../../src/sim/smokeball/rtf.js';
import { smallFirm } from './fixtures.js';
import { sleep, startTestSim, type TestSim } from './helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

let t: TestSim | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await t?.sim.close();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

const firm = smallFirm({ matters: 20 });
const ALL_EVENTS = [
  'matter.created',
  'matter.updated',
  'matter.closed',
  'matterstage.updated',
  'contact.created',
  'contact.updated',
  'memo.created',
  'memo.updated',
  'memo.deleted',
  'files.updated',
  'error',
];

async function subscribe(sim: TestSim, url: string, eventTypes = ALL_EVENTS, key?: string): Promise<void> {
  const res = await sim.api('/webhooks', { method: 'POST', json: { name: 'test', eventTypes, eventNotificationUrl: url, ...(key ? { key } : {}) } });
  expect(res.status).toBe(200);
}

describe('asynchronous writes', () => {
  it('202 + Link; the change shows only after the write delay; RequestId is echoed and carried into the webhook', async () => {
    // 150 ms into a 2 s delay the change is still invisible, however loaded the machine.
    t = await startTestSim({ firm, writeDelayMs: 2_000 });
    receiver = await startReceiver();
    await subscribe(t, receiver.url);
    const m = firm.matters[0]!;
    const res = await t.api(`/matters/${m.id}`, { method: 'PATCH', json: { description: 'Updated by API' }, headers: { RequestId: 'req-42' } });
    expect(res.status).toBe(202);
    expect(res.headers.get('requestid')).toBe('req-42');
    expect(await res.json()).toEqual({ id: m.id, href: `${t.sim.url}/matters/${m.id}` });
    expect(t.sim.control.pendingWrites).toBe(1);

    const before = await t.get(`/matters/${m.id}`);
    expect(before.description).toBe('Matter 0');
    await sleep(150);
    expect((await t.get(`/matters/${m.id}`)).description).toBe('Matter 0');
    await t.sim.control.whenIdle();
    const after = await t.get(`/matters/${m.id}`);
    expect(after.description).toBe('Updated by API');
    expect(BigInt(after.versionId)).toBeGreaterThan(BigInt(before.versionId));

    const [hook] = await receiver.waitFor(1);
    expect(hook!.headers.requestid).toBe('req-42');
    expect(hook!.body).toMatchObject({
      type: 'matter.updated',
      source: 'API',
      accountId: firm.accountId,
      payload: { id: m.id, description: 'Updated by API' },
    });
    expect(hook!.body.userId).toBe(t.sim.options.userId);
    expect(hook!.body.payload.matterType.href).toBeUndefined(); // webhook Links carry no href
    // The envelope timestamp is exact ticks.
    expect(hook!.text).toMatch(/"timestamp":\d{18}/);
  });

  it('POST /matters creates a matter after the delay; PATCH to Closed fires matter.updated and matter.closed', async () => {
    t = await startTestSim({ firm, writeDelayMs: 1_500 }); // the 404 right after the POST falls inside the delay
    receiver = await startReceiver();
    await subscribe(t, receiver.url);
    const created = await t.api('/matters', {
      method: 'POST',
      json: { matterTypeId: firm.matterTypes[0]!.id, clientIds: [firm.contacts[0]!.id], status: 'open', description: 'New one' },
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    expect((await t.api(`/matters/${id}`)).status).toBe(404);
    await t.sim.control.whenIdle();
    const m = await t.get(`/matters/${id}`);
    expect(m).toMatchObject({ status: 'Open', description: 'New one', clientIds: [firm.contacts[0]!.id] });
    await t.api(`/matters/${id}`, { method: 'PATCH', json: { status: 'Closed' } });
    await t.sim.control.whenIdle();
    expect((await t.get(`/matters/${id}`)).closedDate).toBeTruthy();
    // Deliveries run concurrently, so events fired together may arrive in either order.
    expect(receiver.received.map((r) => r.body.type).sort()).toEqual(['matter.closed', 'matter.created', 'matter.updated']);
  });

  it('validates matter bodies (400 with an errors array) and rejects unknown matters with 404 at once', async () => {
    t = await startTestSim({ firm });
    const res = await t.api('/matters', { method: 'POST', json: { clientIds: [] } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ field: string; message: string }> };
    expect(body.errors.map((e) => e.field).sort()).toEqual(['matterTypeId', 'status']);
    expect((await t.api('/matters/00000000-0000-4000-8000-000000000000', { method: 'PATCH', json: { status: 'Open' } })).status).toBe(404);
    const lead = await t.api(`/matters/${firm.matters[0]!.id}`, { method: 'PATCH', json: { isLead: true } });
    expect(lead.status).toBe(400);
    const notJson = await t.api('/matters', { method: 'POST', body: '{oops', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toContain('application/problem+json');
  });

  it('a write that fails while being applied sends an `error` webhook instead of an HTTP error', async () => {
    t = await startTestSim({ firm });
    receiver = await startReceiver();
    await subscribe(t, receiver.url, ['error', 'matter.created']);
    const bogus = 'bbbbbbbb-0000-4000-8000-000000000000';
    const res = await t.api('/matters', {
      method: 'POST',
      json: { matterTypeId: firm.matterTypes[0]!.id, clientIds: [bogus], status: 'Open' },
      headers: { RequestId: 'bad-write' },
    });
    expect(res.status).toBe(202);
    await t.sim.control.whenIdle();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).toMatchObject({ type: 'error', source: 'API', payload: { resourceName: 'contact', resourceId: bogus } });
    expect(receiver.received[0]!.headers.requestid).toBe('bad-write');
  });

  it('contacts: POST/PUT are 202 and bump versionId (GUID) and lastUpdated', async () => {
    t = await startTestSim({ firm });
    const res = await t.api('/contacts', { method: 'POST', json: { person: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await t.sim.control.whenIdle();
    const created = await t.get(`/contacts/${id}`);
    expect(created.person).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    const put = await t.api(`/contacts/${id}`, { method: 'PUT', json: { company: { name: 'Analytical Engines Ltd' } } });
    expect(put.status).toBe(202);
    await t.sim.control.whenIdle();
    const text = await (await t.api(`/contacts/${id}`)).text();
    const after = JSON.parse(text);
    expect(after.person).toBeUndefined();
    expect(after.company.name).toBe('Analytical Engines Ltd');
    expect(after.versionId).not.toBe(created.versionId);
    expect(after.versionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(BigInt(/"lastUpdated":(\d+)/.exec(text)![1]!)).toBeGreaterThan(firm.contacts.at(-1)!.lastUpdated);
    expect((await t.api('/contacts', { method: 'POST', json: { person: { firstName: 'A', lastName: 'B' }, company: { name: 'C' } } })).status).toBe(400);
  });
});

describe('memos', () => {
  it('round-trips plain text with braces, backslashes, unicode and emoji through RTF', async () => {
    t = await startTestSim({ firm });
    const text = 'Hi {client}\\ path C:\\temp\\new\nLine 2 — naïve café ✓ 日本語 👍🏽\tTabbed\n\nEnd }{';
    const m = firm.matters[0]!;
    const res = await t.api(`/matters/${m.id}/memos`, { method: 'POST', json: { title: 'From Case Status', text } });
    expect(res.status).toBe(202);
    const { id, href } = (await res.json()) as { id: string; href: string };
    expect(href).toBe(`${t.sim.url}/matters/${m.id}/memos/${id}`);
    await t.sim.control.whenIdle();
    const memo = await t.get(`/matters/${m.id}/memos/${id}`);
    expect(memo.plainText).toBe(text);
    expect(memo.text.startsWith('{\\rtf1')).toBe(true);
    expect(memo.text).not.toContain('👍');
    expect(memo).toMatchObject({ title: 'From Case Status', matterId: m.id, isDeleted: false, createdByUserId: t.sim.options.userId });
    const list = await t.get(`/matters/${m.id}/memos`);
    expect(list.value.map((x: { id: string }) => x.id)).toEqual([id]);
    expect(t.sim.control.memos(m.id)[0]!.plainText).toBe(text);
  });

  it('accepts RTF input, supports PUT and DELETE, and fires memo webhooks', async () => {
    t = await startTestSim({ firm });
    receiver = await startReceiver();
    await subscribe(t, receiver.url, ['memo.created', 'memo.updated', 'memo.deleted']);
    const m = firm.matters[1]!;
    const rtf = '{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\f0\\b Bold\\b0  and \\u8364? euro\\par next}';
    const { id } = (await (await t.api(`/matters/${m.id}/memos`, { method: 'POST', json: { title: 'RTF', text: rtf } })).json()) as { id: string };
    await t.sim.control.whenIdle();
    expect((await t.get(`/matters/${m.id}/memos/${id}`)).plainText).toBe('Bold and € euro\nnext');
    expect((await t.api(`/matters/${m.id}/memos/${id}`, { method: 'PUT', json: { title: 'RTF 2', text: 'plain now' } })).status).toBe(202);
    await t.sim.control.whenIdle();
    expect((await t.get(`/matters/${m.id}/memos/${id}`)).plainText).toBe('plain now');
    expect((await t.api(`/matters/${m.id}/memos/${id}`, { method: 'DELETE' })).status).toBe(202);
    await t.sim.control.whenIdle();
    expect((await t.get(`/matters/${m.id}/memos`)).size).toBe(0);
    expect(receiver.received.map((r) => r.body.type)).toEqual(['memo.created', 'memo.updated', 'memo.deleted']);
  });

  it('validates memos: title and text required, text length capped; unknown matter or memo → 404', async () => {
    t = await startTestSim({ firm, maxMemoTextLength: 1000 });
    const m = firm.matters[0]!;
    const missing = await t.api(`/matters/${m.id}/memos`, { method: 'POST', json: { text: '' } });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { errors: Array<{ field: string }> };
    expect(body.errors.map((e) => e.field).sort()).toEqual(['text', 'title']);
    const long = await t.api(`/matters/${m.id}/memos`, { method: 'POST', json: { title: 't', text: 'x'.repeat(1001) } });
    expect(long.status).toBe(400);
    expect((await t.api('/matters/cccccccc-0000-4000-8000-000000000000/memos', { method: 'POST', json: { title: 't', text: 'x' } })).status).toBe(404);
    expect((await t.api(`/matters/${m.id}/memos/cccccccc-0000-4000-8000-000000000000`)).status).toBe(404);
    expect(t.sim.control.pendingWrites).toBe(0);
  });

  it('the default limit rejects a 100,001-character memo', async () => {
    t = await startTestSim({ firm });
    const res = await t.api(`/matters/${firm.matters[0]!.id}/memos`, { method: 'POST', json: { title: 't', text: 'y'.repeat(100_001) } });
    expect(res.status).toBe(400);
    expect(plainToRtf('a').startsWith('{\\rtf1')).toBe(true);
  });
});

describe('control surface changes', () => {
  it('stage change, close, contact update and new clients fire Smokeball-sourced webhooks and bump versions', async () => {
    t = await startTestSim({ firm });
    receiver = await startReceiver();
    await subscribe(t, receiver.url);
    const c = t.sim.control;
    const m = firm.matters[0]!; // type 0 has the stage set
    const stageSet = firm.stageSets[0]!;
    const before = c.matter(m.id);
    c.changeMatterStage(m.id, stageSet.stages[2]!.id);
    expect(c.matter(m.id).stage?.stageId).toBe(stageSet.stages[2]!.id);
    expect((await t.get(`/matters/${m.id}/stages`)).stage.name).toBe('Trial');
    expect(() => c.changeMatterStage(m.id, 'nope')).toThrow();

    c.closeMatter(m.id);
    expect(c.matter(m.id).status).toBe('Closed');
    expect(c.matter(m.id).lastUpdated).toBeGreaterThan(before.lastUpdated);

    const contactId = c.addClientToMatter(m.id, { person: { firstName: 'New', lastName: 'Client' } });
    expect((await t.get(`/matters/${m.id}`)).clientIds).toContain(contactId);
    const contactBefore = await t.get(`/contacts/${contactId}`);
    c.updateContact(contactId, { person: { firstName: 'Renamed', lastName: 'Client' } });
    const contactAfter = await t.get(`/contacts/${contactId}`);
    expect(contactAfter.person.firstName).toBe('Renamed');
    expect(contactAfter.versionId).not.toBe(contactBefore.versionId);

    const newId = c.createMatter({ description: 'made in Smokeball', stageId: stageSet.stages[0]!.id });
    expect((await t.get(`/matters/${newId}`)).description).toBe('made in Smokeball');
    expect((await t.get(`/matters/${newId}/stages`)).stage.name).toBe('Intake');

    await c.whenIdle();
    const types = receiver.received.map((r) => r.body.type);
    expect(types.sort()).toEqual([
      'contact.created',
      'contact.updated',
      'matter.closed',
      'matter.created',
      'matter.updated',
      'matter.updated',
      'matterstage.updated',
      'matterstage.updated',
    ]);
    expect(receiver.received.every((r) => r.body.source === 'Smokeball')).toBe(true);
    // An UpdatedSince poll from before the changes sees the changed matters.
    const newestSeeded = firm.matters.reduce((max, x) => (x.lastUpdated > max ? x.lastUpdated : max), 0n);
    const changed = await t.get(`/matters?UpdatedSince=${newestSeeded}`);
    expect(changed.value.map((x: { id: string }) => x.id)).toEqual([m.id, newId]);
  });
});
