import { createHash, randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer, type RelayServerOptions } from '../../src/relay/index.js';
import { CLIENT_ID, Storages, caseStatusEnvelope, getEvents, postCaseStatus, postSmokeball, readAll, smokeballBody, type StorageKind } from './helpers.js';

const storages = new Storages();
let servers: RelayServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => storages.cleanup());

async function start(storage: string, extra: Partial<RelayServerOptions> = {}): Promise<RelayServer> {
  const server = await startRelayServer({ storage, smokeballClientId: CLIENT_ID, ...extra });
  servers.push(server);
  return server;
}

async function closeServer(server: RelayServer): Promise<void> {
  servers = servers.filter((s) => s !== server);
  await server.close();
}

describe.each<StorageKind>(['sqlite', 'postgres'])('relay on %s', (kind) => {
  async function setup(extra: Partial<RelayServerOptions> = {}) {
    const storage = await storages.fresh(kind);
    const relay = await start(storage, extra);
    const firm = await relay.admin.createFirm({ name: 'Acme Law' });
    return { storage, relay, firm };
  }

  async function count(relay: RelayServer, token: string): Promise<number> {
    return (await readAll(relay.url, token)).length;
  }

  describe('Smokeball webhooks', () => {
    it('stores a correctly signed webhook and serves it with its identity and exact body', async () => {
      const { relay, firm } = await setup();
      const requestId = randomUUID();
      // 64-bit ticks must reach the app unrounded, so the body is served exactly as received.
      const raw =
        '{"accountId":"acc-1","subscriptionId":"sub-1","type":"matterstage.updated","source":"API","payload":{"lastUpdated":638396640000000001},"timestamp":638396640000000003}';
      const res = await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, requestId, rawBody: raw });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true, duplicate: false });

      const { status, page, text } = await getEvents(relay.url, firm.token);
      expect(status).toBe(200);
      expect(page.hasMore).toBe(false);
      expect(page.nextCursor).toBe('1');
      expect(page.events).toHaveLength(1);
      const [event] = page.events;
      expect(event).toMatchObject({ cursor: '1', source: 'smokeball', type: 'matterstage.updated', requestId });
      expect(event!.eventId).toBe(createHash('sha256').update(`smokeball\0${requestId}\0matterstage.updated`).digest('hex'));
      expect(Math.abs(Date.parse(event!.receivedAt) - Date.now())).toBeLessThan(60_000);
      expect(text).toContain(`"body":${raw}`);
    });

    it('rejects a bad, missing or wrongly keyed signature with 401 and stores nothing', async () => {
      const { relay, firm } = await setup();
      const other = await relay.admin.createFirm({ name: 'Other' });
      const cases = [
        { name: 'tampered', d: { key: firm.smokeballKey, headers: { Signature: 'ab'.repeat(32) } }, error: 'bad_signature' },
        { name: 'not hex', d: { key: firm.smokeballKey, headers: { Signature: 'nope' } }, error: 'bad_signature' },
        { name: 'no Signature', d: { key: firm.smokeballKey, headers: { Signature: null } }, error: 'missing_signature' },
        { name: 'no RequestId', d: { key: firm.smokeballKey, headers: { RequestId: null } }, error: 'missing_signature' },
        { name: 'no Timestamp', d: { key: firm.smokeballKey, headers: { Timestamp: null } }, error: 'missing_signature' },
        { name: "another firm's key", d: { key: other.smokeballKey }, error: 'bad_signature' },
        { name: 'another client id', d: { key: firm.smokeballKey, clientId: 'someone-else' }, error: 'bad_signature' },
      ];
      for (const c of cases) {
        const res = await postSmokeball(relay.url, firm.firmId, c.d);
        expect(res.status, c.name).toBe(401);
        const body = (await res.json()) as { error: string; message: string };
        expect(body.error, c.name).toBe(c.error);
        expect(body.message.length).toBeGreaterThan(5);
        expect(JSON.stringify(body)).not.toContain(firm.smokeballKey);
      }
      expect(await count(relay, firm.token)).toBe(0);
    });

    it('rejects stale and future timestamps (replay protection) but accepts small skew', async () => {
      const { relay, firm } = await setup();
      for (const offsetS of [-301, -3600, 301, 86_400]) {
        const res = await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, sentAtMs: Date.now() + offsetS * 1000 });
        expect(res.status, `offset ${offsetS}s`).toBe(401);
        expect(((await res.json()) as { error: string }).error).toBe('stale_timestamp');
      }
      expect(await count(relay, firm.token)).toBe(0);
      expect((await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, sentAtMs: Date.now() - 120_000 })).status).toBe(200);
      expect((await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, sentAtMs: Date.now() + 120_000 })).status).toBe(200);
      expect(await count(relay, firm.token)).toBe(2);
    });

    it('stores a redelivery (same RequestId, fresh Timestamp) once; another event type under the RequestId is a new event', async () => {
      const { relay, firm } = await setup();
      const requestId = randomUUID();
      const body = smokeballBody();
      const first = await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, requestId, body, sentAtMs: Date.now() - 5_000 });
      expect(await first.json()).toEqual({ received: true, duplicate: false });
      for (let i = 0; i < 3; i++) {
        const again = await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, requestId, body, sentAtMs: Date.now() + i });
        expect(again.status).toBe(200);
        expect(await again.json()).toEqual({ received: true, duplicate: true });
      }
      // One request can cause several events (e.g. matter.updated + matter.closed): same RequestId, other type.
      await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, requestId, body: { ...body, type: 'matter.closed' } });
      // The signature does not cover the body: another body of a stored type under the same RequestId is a replay.
      const forged = await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, requestId, body: { ...body, payload: { id: 'made-up' } } });
      expect(await forged.json()).toEqual({ received: true, duplicate: true });
      const events = await readAll(relay.url, firm.token);
      expect(events.map((e) => [e.cursor, e.type])).toEqual([
        ['1', 'matterstage.updated'],
        ['2', 'matter.closed'],
      ]);
    });

    it('answers 400 for malformed JSON or missing fields and 413 for an oversized body, storing nothing', async () => {
      const { relay, firm } = await setup({ maxBodyBytes: 4096 });
      const bad = [
        { rawBody: '{"accountId": ', error: 'invalid_json' },
        { rawBody: '', error: 'invalid_json' },
        { rawBody: '[1,2]', error: 'missing_fields' },
        { rawBody: JSON.stringify({ ...smokeballBody(), type: undefined }), error: 'missing_fields' },
        { rawBody: JSON.stringify({ ...smokeballBody(), payload: undefined }), error: 'missing_fields' },
        { rawBody: JSON.stringify({ ...smokeballBody(), type: '' }), error: 'missing_fields' },
      ];
      for (const b of bad) {
        const res = await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, rawBody: b.rawBody });
        expect(res.status, b.rawBody).toBe(400);
        const body = (await res.json()) as { error: string; message: string };
        expect(body.error, b.rawBody).toBe(b.error);
      }
      const missing = await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, rawBody: JSON.stringify({ accountId: 'a' }) });
      expect(((await missing.json()) as { message: string }).message).toMatch(/subscriptionId.*type.*source.*payload.*timestamp/);

      const big = await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, body: smokeballBody({ payload: { text: 'x'.repeat(5000) } }) });
      expect(big.status).toBe(413);
      expect(((await big.json()) as { error: string }).error).toBe('payload_too_large');
      expect(await count(relay, firm.token)).toBe(0);
      // The connection is still usable and a normal webhook still goes through.
      expect((await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey })).status).toBe(200);
    });

    it('answers 404 for an unknown firm', async () => {
      const { relay, firm } = await setup();
      const res = await postSmokeball(relay.url, randomUUID(), { key: firm.smokeballKey });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toBe('unknown_firm');
      expect((await postCaseStatus(relay.url, 'nope', { secret: firm.caseStatusSecret })).status).toBe(404);
      expect(await count(relay, firm.token)).toBe(0);
    });
  });

  describe('Case Status events', () => {
    it('verifies the signature over the raw body and dedupes by envelope id', async () => {
      const { relay, firm } = await setup();
      const envelope = caseStatusEnvelope({ type: 'case.updated' });
      // Unusual but valid JSON formatting: the signature covers these exact bytes.
      const raw = `{ "id": "${String(envelope.id)}",\n "type":"case.updated","firmId":"f","createdAt":"2026-01-01T00:00:00Z","data":{"big":638396640000000001} }`;
      const ok = await postCaseStatus(relay.url, firm.firmId, { secret: firm.caseStatusSecret, rawBody: raw });
      expect(ok.status).toBe(200);
      const again = await postCaseStatus(relay.url, firm.firmId, { secret: firm.caseStatusSecret, rawBody: raw, sentAtMs: Date.now() + 1000 });
      expect(await again.json()).toEqual({ received: true, duplicate: true });

      const bad = [
        { d: { secret: 'wrong-secret' }, error: 'bad_signature' },
        { d: { secret: firm.caseStatusSecret, headers: { 'x-casestatus-signature': null } }, error: 'missing_signature' },
        { d: { secret: firm.caseStatusSecret, headers: { 'x-casestatus-timestamp': null } }, error: 'missing_signature' },
        { d: { secret: firm.caseStatusSecret, sentAtMs: Date.now() - 301_000 }, error: 'stale_timestamp' },
        { d: { secret: firm.caseStatusSecret, sentAtMs: Date.now() + 3_600_000 }, error: 'stale_timestamp' },
      ];
      for (const b of bad) {
        const res = await postCaseStatus(relay.url, firm.firmId, b.d);
        expect(res.status, b.error).toBe(401);
        expect(((await res.json()) as { error: string }).error).toBe(b.error);
      }
      // Signed for one body, sent with another.
      const signedFor = JSON.stringify(caseStatusEnvelope());
      const swapped = await fetch(`${relay.url}/hooks/casestatus/${firm.firmId}`, {
        method: 'POST',
        headers: await (async () => {
          const ts = Math.floor(Date.now() / 1000);
          const { signEvent } = await import('../../src/shared/casestatus-signature.js');
          return {
            'content-type': 'application/json',
            'x-casestatus-timestamp': String(ts),
            'x-casestatus-signature': signEvent(firm.caseStatusSecret, ts, signedFor),
          };
        })(),
        body: JSON.stringify(caseStatusEnvelope()),
      });
      expect(swapped.status).toBe(401);

      const missing = await postCaseStatus(relay.url, firm.firmId, { secret: firm.caseStatusSecret, rawBody: JSON.stringify({ id: 'x', type: 't' }) });
      expect(missing.status).toBe(400);
      const { page, text } = await getEvents(relay.url, firm.token);
      expect(page.events).toHaveLength(1);
      expect(page.events[0]).toMatchObject({ cursor: '1', source: 'casestatus', type: 'case.updated', requestId: null, eventId: envelope.id });
      expect(text).toContain('"big":638396640000000001');
    });

    it('shares one sequence per firm across both sources', async () => {
      const { relay, firm } = await setup();
      await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey });
      await postCaseStatus(relay.url, firm.firmId, { secret: firm.caseStatusSecret });
      await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey });
      const events = await readAll(relay.url, firm.token);
      expect(events.map((e) => `${e.cursor}:${e.source}`)).toEqual(['1:smokeball', '2:casestatus', '3:smokeball']);
    });
  });

  describe('reading events', () => {
    it('keeps firms apart: a token reads only its own firm; unknown, missing or malformed tokens get 401', async () => {
      const { relay, firm: a } = await setup();
      const b = await relay.admin.createFirm({ name: 'Beta Legal' });
      await postSmokeball(relay.url, a.firmId, { key: a.smokeballKey, body: smokeballBody({ accountId: 'A' }) });
      await postSmokeball(relay.url, b.firmId, { key: b.smokeballKey, body: smokeballBody({ accountId: 'B' }) });
      await postSmokeball(relay.url, b.firmId, { key: b.smokeballKey, body: smokeballBody({ accountId: 'B' }) });
      const readA = await readAll(relay.url, a.token);
      const readB = await readAll(relay.url, b.token);
      expect(readA.map((e) => (e.body as { accountId: string }).accountId)).toEqual(['A']);
      expect(readB.map((e) => (e.body as { accountId: string }).accountId)).toEqual(['B', 'B']);
      // A cursor from firm B's range still only reads firm A.
      expect((await getEvents(relay.url, a.token, { after: 0, limit: 500 })).page.events).toHaveLength(1);

      for (const token of [undefined, 'rly_unknown', b.token.slice(0, -1), '']) {
        const { status, page } = await getEvents(relay.url, token);
        expect(status, String(token)).toBe(401);
        expect((page as unknown as { error: string }).error).toBe('unauthorized');
      }
      const basic = await fetch(`${relay.url}/v1/events`, { headers: { authorization: `Basic ${a.token}` } });
      expect(basic.status).toBe(401);

      const info = await fetch(`${relay.url}/v1/firm`, { headers: { authorization: `Bearer ${b.token}` } });
      expect(await info.json()).toEqual({
        firmId: b.firmId,
        name: 'Beta Legal',
        webhooks: {
          smokeball: { url: `${relay.url}/hooks/smokeball/${b.firmId}`, key: b.smokeballKey },
          caseStatus: { url: `${relay.url}/hooks/casestatus/${b.firmId}` },
        },
      });
      expect((await fetch(`${relay.url}/v1/firm`)).status).toBe(401);
    });

    it('pages by cursor with limit and hasMore', async () => {
      const { relay, firm } = await setup();
      for (let i = 0; i < 7; i++) await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, body: smokeballBody({ payload: { n: i } }) });
      const pages: Array<{ cursors: string[]; next: string; more: boolean }> = [];
      let after: string | undefined;
      for (;;) {
        const { page } = await getEvents(relay.url, firm.token, { ...(after ? { after } : {}), limit: 3 });
        pages.push({ cursors: page.events.map((e) => e.cursor), next: page.nextCursor, more: page.hasMore });
        after = page.nextCursor;
        if (!page.hasMore) break;
      }
      expect(pages).toEqual([
        { cursors: ['1', '2', '3'], next: '3', more: true },
        { cursors: ['4', '5', '6'], next: '6', more: true },
        { cursors: ['7'], next: '7', more: false },
      ]);
      const end = await getEvents(relay.url, firm.token, { after: '7' });
      expect(end.page).toEqual({ events: [], nextCursor: '7', hasMore: false });
      const payloads = (await readAll(relay.url, firm.token, 2)).map((e) => (e.body as { payload: { n: number } }).payload.n);
      expect(payloads).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const exact = await getEvents(relay.url, firm.token, { after: '4', limit: 3 });
      expect(exact.page.hasMore).toBe(false);
      expect(exact.page.events.map((e) => e.cursor)).toEqual(['5', '6', '7']);
    });

    it('rejects a bad cursor, limit or wait with 400', async () => {
      const { relay, firm } = await setup();
      for (const [query, error] of [
        [{ after: 'abc' }, 'bad_cursor'],
        [{ after: '-1' }, 'bad_cursor'],
        [{ limit: 0 }, 'bad_limit'],
        [{ limit: 501 }, 'bad_limit'],
        [{ limit: '2.5' }, 'bad_limit'],
        [{ wait: 31 }, 'bad_wait'],
        [{ wait: '-1' }, 'bad_wait'],
      ] as const) {
        const { status, page } = await getEvents(relay.url, firm.token, query);
        expect(status, JSON.stringify(query)).toBe(400);
        expect((page as unknown as { error: string }).error).toBe(error);
      }
    });

    it('long poll: answers as soon as an event arrives, and empty with the same cursor after wait', async () => {
      const { relay, firm } = await setup();
      await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey });
      const t0 = Date.now();
      const polling = getEvents(relay.url, firm.token, { after: '1', wait: 25 });
      await new Promise((r) => setTimeout(r, 300));
      const requestId = randomUUID();
      await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, requestId });
      const { status, page } = await polling;
      const elapsed = Date.now() - t0;
      expect(status).toBe(200);
      expect(page.events.map((e) => [e.cursor, e.requestId])).toEqual([['2', requestId]]);
      expect(page.nextCursor).toBe('2');
      // Generous: the wake-up is in-process (or NOTIFY); the point is it did not sit out the 25 s.
      expect(elapsed).toBeLessThan(15_000);

      const t1 = Date.now();
      const idle = await getEvents(relay.url, firm.token, { after: '2', wait: 1 });
      expect(idle.page).toEqual({ events: [], nextCursor: '2', hasMore: false });
      expect(Date.now() - t1).toBeGreaterThanOrEqual(900);
    });

    it('long poll: an event for another firm does not answer it', async () => {
      const { relay, firm } = await setup();
      const other = await relay.admin.createFirm({ name: 'Other' });
      const polling = getEvents(relay.url, firm.token, { wait: 1.5 });
      await new Promise((r) => setTimeout(r, 200));
      await postSmokeball(relay.url, other.firmId, { key: other.smokeballKey });
      const { page } = await polling;
      expect(page).toEqual({ events: [], nextCursor: '0', hasMore: false });
    });

    it('close() answers waiting long polls instead of waiting out their timeout', async () => {
      const { relay, firm } = await setup();
      const polling = getEvents(relay.url, firm.token, { wait: 30 });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await closeServer(relay);
      const { status, page } = await polling;
      expect(status).toBe(200);
      expect(page.events).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(10_000);
    });
  });

  describe('firms, tokens and retention', () => {
    it('a pairing code is exchanged once, before it expires, for the address and a new token', async () => {
      let now = Date.now();
      const { relay, firm } = await setup({ now: () => now });
      const pair = async (code: string) => {
        const res = await fetch(`${relay.url}/v1/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
        return { status: res.status, body: (await res.json()) as { token?: string; relayUrl?: string; error?: string } };
      };
      const { code } = await relay.admin.createPairingCode(firm.firmId);
      const first = await pair(code);
      expect(first).toMatchObject({ status: 200, body: { relayUrl: relay.url } });
      expect((await getEvents(relay.url, first.body.token!)).status).toBe(200);
      // The firm's other installs keep theirs: pairing a second PC must not cut off the one that syncs.
      expect((await getEvents(relay.url, firm.token)).status).toBe(200);
      expect(await pair(code)).toMatchObject({ status: 404, body: { error: 'unknown_code' } });
      const second = await pair((await relay.admin.createPairingCode(firm.firmId)).code);
      expect(second.body.token).not.toBe(first.body.token);
      expect((await getEvents(relay.url, first.body.token!)).status).toBe(200);
      expect((await getEvents(relay.url, second.body.token!)).status).toBe(200);
      const late = await relay.admin.createPairingCode(firm.firmId, 60_000);
      now += 61_000;
      expect(await pair(late.code)).toMatchObject({ status: 404, body: { error: 'unknown_code' } });
      expect((await getEvents(relay.url, first.body.token!)).status).toBe(200);
    });

    it('rotating the token stops the old one and every paired install at once; the new one reads the same events', async () => {
      const { relay, firm } = await setup();
      await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey });
      const paired = await relay.admin.issueInstallToken(firm.firmId);
      expect((await getEvents(relay.url, paired.token)).status).toBe(200);
      const { token } = await relay.admin.rotateToken(firm.firmId);
      expect(token).not.toBe(firm.token);
      expect((await getEvents(relay.url, firm.token)).status).toBe(401);
      expect((await getEvents(relay.url, paired.token)).status).toBe(401);
      const { status, page } = await getEvents(relay.url, token);
      expect(status).toBe(200);
      expect(page.events).toHaveLength(1);
      await expect(relay.admin.rotateToken(randomUUID())).rejects.toThrow(/no firm/);
      await expect(relay.admin.issueInstallToken(randomUUID())).rejects.toThrow(/no firm/);
      await expect(relay.admin.createFirm({ name: '  ' })).rejects.toThrow(/name/);
      const firms = await relay.admin.listFirms();
      expect(firms.map((f) => f.name)).toEqual(['Acme Law']);
      expect(JSON.stringify(firms)).not.toContain(token);
    });

    it('purges events older than retentionDays, on schedule and on demand, keeping the cursor sequence', async () => {
      let clock = Date.now();
      const { relay, firm } = await setup({ now: () => clock, retentionDays: 2, retentionIntervalMs: 100 });
      const sent = (): Promise<Response> => postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, sentAtMs: clock });
      await sent();
      await sent();
      clock += 1.5 * 86_400_000;
      await sent();
      expect(await relay.purgeExpired()).toBe(0);
      clock += 1 * 86_400_000; // the first two are now 2.5 days old, the third 1 day
      // The scheduled purge (every 100 ms here) removes them without being asked.
      const deadline = Date.now() + 10_000;
      while ((await count(relay, firm.token)) !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await readAll(relay.url, firm.token)).map((e) => e.cursor)).toEqual(['3']);
      await sent();
      expect((await readAll(relay.url, firm.token)).map((e) => e.cursor)).toEqual(['3', '4']);
      clock += 10 * 86_400_000;
      expect(await relay.purgeExpired()).toBe(2);
      expect(await count(relay, firm.token)).toBe(0);
      await sent();
      expect((await readAll(relay.url, firm.token)).map((e) => e.cursor)).toEqual(['5']);
    });

    it('a purge asked for while one runs purges again with its own cutoff, not the running one', async () => {
      let clock = Date.now();
      const { relay, firm } = await setup({ now: () => clock, retentionDays: 2, retentionIntervalMs: 3_600_000 });
      await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, sentAtMs: clock });
      await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, sentAtMs: clock });
      const first = relay.purgeExpired(); // nothing is 2 days old yet
      clock += 3 * 86_400_000;
      const second = relay.purgeExpired(); // asked while the first runs: both events are old now
      expect(await first).toBe(0);
      expect(await second).toBe(2);
      expect(await count(relay, firm.token)).toBe(0);
    });

    it('keeps events across a restart on the same storage, and the sequence continues', async () => {
      const { storage, relay, firm } = await setup();
      for (let i = 0; i < 5; i++) await postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey });
      const before = await readAll(relay.url, firm.token);
      await closeServer(relay);
      const again = await start(storage);
      expect(await readAll(again.url, firm.token)).toEqual(before);
      await postSmokeball(again.url, firm.firmId, { key: firm.smokeballKey });
      expect((await readAll(again.url, firm.token)).map((e) => e.cursor)).toEqual(['1', '2', '3', '4', '5', '6']);
      expect((await again.admin.listFirms()).map((f) => f.firmId)).toEqual([firm.firmId]);
    });
  });

  it('concurrent ingest: 500 parallel webhooks (plus redeliveries) for one firm are each served exactly once, gap-free', async () => {
    // A burst above the default per-firm ingest quota: this test is about ordering under contention.
    const { relay, firm } = await setup({ ingestBurst: 1_000 });
    const deliveries = Array.from({ length: 500 }, (_, i) => ({ requestId: `req-${i}`, body: smokeballBody({ payload: { n: i } }) }));
    // Every 10th event is also redelivered concurrently: dedupe must hold under contention too.
    const sends = [...deliveries, ...deliveries.filter((_, i) => i % 10 === 0)].map((d) =>
      postSmokeball(relay.url, firm.firmId, { key: firm.smokeballKey, ...d }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { duplicate: boolean },
      })),
    );
    // Meanwhile a reader follows the cursor: whatever it sees must be in order with no holes.
    let seen: string[] = [];
    let after = '0';
    let done = false;
    const follower = (async () => {
      while (!done || seen.length < 500) {
        const { page } = await getEvents(relay.url, firm.token, { after, limit: 37, wait: 1 });
        seen = seen.concat(page.events.map((e) => e.cursor));
        after = page.nextCursor;
        if (done && page.events.length === 0 && !page.hasMore) break;
      }
    })();
    const results = await Promise.all(sends);
    done = true;
    await follower;
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.duplicate)).toHaveLength(50);
    const events = await readAll(relay.url, firm.token, 500);
    expect(events.map((e) => e.cursor)).toEqual(Array.from({ length: 500 }, (_, i) => String(i + 1)));
    expect(new Set(events.map((e) => e.requestId)).size).toBe(500);
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => String(i + 1)));
  });

  it('serves /healthz and answers unknown routes with a JSON 404', async () => {
    const { relay } = await setup();
    const health = await fetch(`${relay.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const missing = await fetch(`${relay.url}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('not_found');
  });
});
