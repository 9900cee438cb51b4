/**
 * Bad input corpus, relay and real-time side. test/relay/relay.test.ts already covers bad/missing Smokeball
 * signatures, ±301 s / 1 h / 1 day skew, Smokeball redeliveries, malformed Smokeball JSON, missing fields, a
 * 413 for Smokeball and unknown firms; test/sync/realtime/realtime.test.ts covers a matter event with a numeric
 * id, a non-object stage payload and an unknown Smokeball type. This file adds only what those leave out.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../src/relay/index.js';
import { signEvent } from '../../src/shared/casestatus-signature.js';
import { msToTicks } from '../../src/sim/common/ticks.js';
import { signWebhook } from '../../src/shared/smokeball-signature.js';
import { CLIENT_ID, Storages, caseStatusEnvelope, getEvents, postCaseStatus, postSmokeball, readAll, smokeballBody } from '../relay/helpers.js';
import { movableMatters, otherStages, relayDrained, setupHarness, stageChangesOf, waitFor, type Harness } from '../sync/realtime/harness.js';

const storages = new Storages();
const servers: RelayServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => storages.cleanup());

async function relay(maxBodyBytes?: number) {
  const server = await startRelayServer({ storage: await storages.fresh('sqlite'), smokeballClientId: CLIENT_ID, ...(maxBodyBytes ? { maxBodyBytes } : {}) });
  servers.push(server);
  const firm = await server.admin.createFirm({ name: 'Hostile Law' });
  return { server, firm };
}

/** A Case Status delivery whose headers are signed over exactly `raw` (which may be anything). */
function signedCaseStatus(url: string, secret: string, raw: string | Buffer, headers: Record<string, string> = {}, sentAtS = Math.floor(Date.now() / 1000)) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-casestatus-timestamp': String(sentAtS),
      'x-casestatus-signature': signEvent(secret, sentAtS, raw),
      ...headers,
    },
    body: raw,
  });
}

const errorOf = async (res: Response) => (await res.json()) as { error: string; message: string };

describe('relay: hostile webhooks the relay tests do not cover', () => {
  it('Case Status: over-size, truncated, non-UTF-8 and non-object bodies get a clear 4xx and store nothing, even when signed', async () => {
    const { server, firm } = await relay(4096);
    const url = `${server.url}/hooks/casestatus/${firm.firmId}`;
    const envelope = JSON.stringify(caseStatusEnvelope());
    const cases: Array<{ name: string; raw: string | Buffer; status: number; error: string }> = [
      { name: 'over size', raw: JSON.stringify(caseStatusEnvelope({ data: { body: 'x'.repeat(5000) } })), status: 413, error: 'payload_too_large' },
      { name: 'truncated', raw: envelope.slice(0, envelope.length - 7), status: 400, error: 'invalid_json' },
      {
        name: 'not UTF-8',
        raw: Buffer.concat([
          Buffer.from('{"id":"'),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from('","type":"message.created","firmId":"f","createdAt":"x","data":{}}'),
        ]),
        status: 400,
        error: 'invalid_json',
      },
      { name: 'an array', raw: '[1,2,3]', status: 400, error: 'missing_fields' },
      { name: 'type too long', raw: JSON.stringify(caseStatusEnvelope({ type: 't'.repeat(201) })), status: 400, error: 'missing_fields' },
      { name: 'id not a string', raw: JSON.stringify(caseStatusEnvelope({ id: 42 })), status: 400, error: 'missing_fields' },
    ];
    for (const c of cases) {
      const res = await signedCaseStatus(url, firm.caseStatusSecret, c.raw);
      expect(res.status, c.name).toBe(c.status);
      const body = await errorOf(res);
      expect(body.error, c.name).toBe(c.error);
      expect(body.message.length, c.name).toBeGreaterThan(5);
    }
    expect(await readAll(server.url, firm.token)).toHaveLength(0);
    // The relay still takes a good one.
    expect((await postCaseStatus(server.url, firm.firmId, { secret: firm.caseStatusSecret })).status).toBe(200);
  });

  it('signatures: a rotation list with one valid value is accepted; other schemes, junk and a 10 KB header are refused', async () => {
    const { server, firm } = await relay();
    const url = `${server.url}/hooks/casestatus/${firm.firmId}`;
    const raw = JSON.stringify(caseStatusEnvelope());
    const ts = Math.floor(Date.now() / 1000);
    const valid = signEvent(firm.caseStatusSecret, ts, raw);
    const refused = [
      { name: 'v0 scheme', sig: valid.replace('v1=', 'v0=') },
      { name: 'bare hex', sig: valid.slice(3) },
      { name: 'uppercase hex', sig: `v1=${valid.slice(3).toUpperCase()}` },
      { name: 'junk', sig: 'v1=<script>alert(1)</script>' },
      { name: '10 KB', sig: `v1=${'a'.repeat(10_000)}` },
      { name: 'signed for another timestamp', sig: signEvent(firm.caseStatusSecret, ts - 1, raw) },
    ];
    for (const r of refused) {
      const res = await signedCaseStatus(url, firm.caseStatusSecret, raw, { 'x-casestatus-signature': r.sig }, ts);
      expect(res.status, r.name).toBe(401);
      expect((await errorOf(res)).error, r.name).toBe('bad_signature');
    }
    const rotated = await signedCaseStatus(url, firm.caseStatusSecret, raw, { 'x-casestatus-signature': `v1=${'0'.repeat(64)}, ${valid}` }, ts);
    expect(rotated.status).toBe(200);
    expect(await readAll(server.url, firm.token)).toHaveLength(1);
  });

  it('timestamps: unreadable ones are bad_timestamp; skew is judged both ways at the 300 s edge, for both sources', async () => {
    const { server, firm } = await relay();
    const csUrl = `${server.url}/hooks/casestatus/${firm.firmId}`;
    const now = Math.floor(Date.now() / 1000);
    const raw = () => JSON.stringify(caseStatusEnvelope());
    for (const ts of ['abc', '-5', '1e9', '17000000000000']) {
      const body = raw();
      const res = await fetch(csUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-casestatus-timestamp': ts, 'x-casestatus-signature': signEvent(firm.caseStatusSecret, ts, body) },
        body,
      });
      expect(res.status, ts).toBe(401);
      expect(['bad_timestamp', 'stale_timestamp'], ts).toContain((await errorOf(res)).error);
    }
    for (const [offset, status] of [
      [-295, 200],
      [295, 200],
      [-310, 401],
      [310, 401],
    ] as const) {
      const res = await signedCaseStatus(csUrl, firm.caseStatusSecret, raw(), {}, now + offset);
      expect(res.status, `case status ${offset}s`).toBe(status);
    }
    // Smokeball: a signed Timestamp that is not ticks, and the skew edge in the future.
    const requestId = randomUUID();
    const bad = await postSmokeball(server.url, firm.firmId, {
      key: firm.smokeballKey,
      requestId,
      headers: { Timestamp: 'yesterday', Signature: signWebhook(firm.smokeballKey, 'yesterday', requestId, CLIENT_ID) },
    });
    expect(bad.status).toBe(401);
    expect((await errorOf(bad)).error).toBe('bad_timestamp');
    expect((await postSmokeball(server.url, firm.firmId, { key: firm.smokeballKey, sentAtMs: Date.now() + 295_000 })).status).toBe(200);
    expect((await postSmokeball(server.url, firm.firmId, { key: firm.smokeballKey, sentAtMs: Date.now() - 295_000 })).status).toBe(200);
    expect(await readAll(server.url, firm.token)).toHaveLength(4);
  });

  it('identity: a Case Status event id sent again with another body keeps the first; a 201-character RequestId is refused', async () => {
    const { server, firm } = await relay();
    const id = randomUUID();
    const first = caseStatusEnvelope({ id, data: { body: 'original' } });
    expect(await (await postCaseStatus(server.url, firm.firmId, { secret: firm.caseStatusSecret, envelope: first })).json()).toEqual({
      received: true,
      duplicate: false,
    });
    const forged = await postCaseStatus(server.url, firm.firmId, { secret: firm.caseStatusSecret, envelope: { ...first, data: { body: 'changed' } } });
    expect(await forged.json()).toEqual({ received: true, duplicate: true });
    const events = await readAll(server.url, firm.token);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]!.body)).toContain('original');

    const longId = 'r'.repeat(201);
    const res = await postSmokeball(server.url, firm.firmId, { key: firm.smokeballKey, requestId: longId });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/RequestId is longer than 200/);
  });

  it('content type: a signed JSON body is judged by its bytes, whatever the Content-Type says, or none', async () => {
    const { server, firm } = await relay();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
      const res = await postSmokeball(server.url, firm.firmId, { key: firm.smokeballKey, headers: { 'content-type': type } });
      expect(res.status, type).toBe(200);
    }
    const ts = msToTicks(Date.now()).toString();
    const requestId = randomUUID();
    const none = await fetch(`${server.url}/hooks/smokeball/${firm.firmId}`, {
      method: 'POST',
      headers: { Timestamp: ts, RequestId: requestId, Signature: signWebhook(firm.smokeballKey, ts, requestId, CLIENT_ID) },
      body: new Blob([JSON.stringify(smokeballBody())]), // a Blob without a type: no Content-Type header
    });
    // The signature and the JSON decide, not the header: a missing Content-Type is read as the raw bytes too.
    expect(none.status).toBe(200);
    const stored = await readAll(server.url, firm.token);
    expect(stored).toHaveLength(4);
    // Each stored body is exactly what was sent and names its type.
    expect(stored.every((e) => e.type === 'matterstage.updated')).toBe(true);
  });
});

describe('RealtimeSync with hostile events from the relay', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('skips unknown and malformed events with a logged reason, drops stale and skewed hints without a request, and applies the next good event once', async () => {
    h = await setupHarness(50);
    const logged: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
    const logger = { debug() {}, error() {}, info() {}, warn: (message: string, fields?: Record<string, unknown>) => void logged.push({ message, fields }) };
    const rt = h.realtime({}, { logger });
    await rt.start();
    await waitFor('live', () => rt.status.state === 'live');
    const [matterId, other] = movableMatters(h);
    const link = h.stack.store.links.matter(matterId!)!;
    const applied = BigInt(link.stageUpdated!);
    const post = (type: string, payload: unknown, extra: Record<string, unknown> = {}) =>
      postSmokeball(h!.relay.url, h!.firm.firmId, {
        key: h!.firm.smokeballKey,
        clientId: h!.world.smokeball.options.clientId,
        body: { ...smokeballBody({ type, payload }), ...extra },
      });
    const csPost = (envelope: Record<string, unknown>) => postCaseStatus(h!.relay.url, h!.firm.firmId, { secret: h!.firm.caseStatusSecret, envelope });

    const requestsBefore = h.world.smokeball.stats.total;
    const changesBefore = h.world.caseStatus.control.stageChanges().length;
    // Well signed, but useless or unreadable for the app.
    expect((await csPost(caseStatusEnvelope({ type: 'case.deleted', data: { case: { externalId: matterId } } }))).status).toBe(200);
    expect((await csPost(caseStatusEnvelope({ type: 'case.updated', data: { source: 'martians', case: { externalId: matterId } } }))).status).toBe(200);
    expect((await post('matter.updated', { id: '../../etc/passwd' })).status).toBe(200);
    expect((await post('matterstage.updated', { matter: { id: matterId }, lastUpdated: 'not ticks' }, { type: 'matterstage.updated' })).status).toBe(200);
    expect((await post('matterstage.updated', { matter: { id: `${matterId}\u0000; DROP TABLE matter_links` } })).status).toBe(200);
    // Duplicates of what is already applied, one with a body just under the relay's size cap: stale, no request.
    expect((await post('matterstage.updated', { matter: { id: matterId }, lastUpdated: applied.toString() })).status).toBe(200);
    expect(
      (await post('matterstage.updated', { matter: { id: matterId }, lastUpdated: (applied - 10_000_000n).toString(), padding: 'p'.repeat(60_000) })).status,
    ).toBe(200);
    await waitFor('relay drained', () => relayDrained(h!, rt));
    expect(rt.metrics.malformed).toBe(3);
    expect(rt.metrics.ignored).toBeGreaterThanOrEqual(1);
    expect(rt.metrics.staleHints).toBeGreaterThanOrEqual(2);
    // Only the hint with unreadable ticks costs a read (an unversioned hint is re-read: the engine's exact guard
    // decides); the stale ones cost nothing, and nothing is written.
    expect(h.world.smokeball.stats.total - requestsBefore).toBe(1);
    expect(h.world.smokeball.stats.byEndpoint.get('GET /matters/{id}/stages')?.requests).toBeGreaterThanOrEqual(1);
    expect(h.world.caseStatus.control.stageChanges().length).toBe(changesBefore);
    const reasons = logged.filter((l) => l.message === 'Skipped an unreadable relay event').map((l) => String(l.fields?.reason));
    expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/no matter id/), expect.stringMatching(/unknown source/)]));

    // The next good event is applied, once.
    const target = otherStages(h.world, other!)[0]!;
    const before = stageChangesOf(h.world, other!).length;
    h.world.smokeball.control.changeMatterStage(other!, target.id);
    await waitFor('the new stage in Case Status', () => h!.world.caseStatus.control.cases().get(other!)?.stage === target.name);
    await h.world.smokeball.control.whenIdle();
    await waitFor('relay drained', () => relayDrained(h!, rt));
    expect(stageChangesOf(h.world, other!).length - before).toBe(1);
    expect(h.world.caseStatus.control.cases().get(matterId!)!.stage).toBe(link.stageName);
    expect(rt.status.state).toBe('live');
    expect((await getEvents(h.relay.url, h.firm.token, { after: rt.cursor ?? '0' })).page.events).toHaveLength(0);
  }, 45_000);
});
