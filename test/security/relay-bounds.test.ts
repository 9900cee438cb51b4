/**
 * The relay under a hostile or noisy firm (issue 14, rows 1–4 of its table): one firm cannot take memory,
 * connections or storage from the others, a captured signature buys nothing, and a cursor the relay never
 * issued is refused instead of silently reading as "no events".
 */
import { connect } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer, type RelayServerOptions } from '../../src/relay/index.js';
import { CLIENT_ID, Storages, getEvents, postSmokeball, readAll, smokeballBody } from '../relay/helpers.js';

const storages = new Storages();
const servers: RelayServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => storages.cleanup());

async function setup(extra: Partial<RelayServerOptions> = {}) {
  const relay = await startRelayServer({ storage: await storages.fresh('sqlite'), smokeballClientId: CLIENT_ID, ...extra });
  servers.push(relay);
  const noisy = await relay.admin.createFirm({ name: 'Noisy' });
  const quiet = await relay.admin.createFirm({ name: 'Quiet' });
  return { relay, noisy, quiet };
}

/** Polls `check` until it returns true, for at most `boundMs` (generous: the suite runs on 2 busy cores). */
async function eventually(check: () => Promise<boolean>, boundMs = 20_000): Promise<boolean> {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const bigPayload = (kib: number) => smokeballBody({ payload: { id: 'm-1', filler: 'x'.repeat(kib * 1024) } });

describe('relay bounds (security)', () => {
  it('row 1: a page is capped in bytes, not only in count, so large events cannot make a read huge', async () => {
    const { relay, noisy } = await setup({ maxBodyBytes: 40 * 1024, maxPageBytes: 100 * 1024, ingestBurst: 100 });
    for (let i = 0; i < 20; i++) {
      expect((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, body: bigPayload(30) })).status).toBe(200);
    }
    const { status, page, text } = await getEvents(relay.url, noisy.token, { limit: 500 });
    expect(status).toBe(200);
    // 30 KiB events under a 100 KiB cap: 3 fit, the page says there is more, and the text stays near the cap.
    expect(page.events).toHaveLength(3);
    expect(page.hasMore).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThan(100 * 1024 + 4 * 1024);
    // Paging on still reads every event exactly once.
    expect((await readAll(relay.url, noisy.token)).map((e) => e.cursor)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
  });

  it('row 1: per-firm quotas on stored events, stored bytes and ingest rate answer 429 with Retry-After; other firms are untouched', async () => {
    const logged: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
    const logger = {
      debug() {},
      info() {},
      warn: (message: string, fields?: Record<string, unknown>) => logged.push({ message, fields }),
      error() {},
    };
    const now = { ms: Date.now() };
    const { relay, noisy, quiet } = await setup({ maxStoredEventsPerFirm: 5, ingestBurst: 100, logger, now: () => now.ms });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, sentAtMs: now.ms })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const refused = await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, sentAtMs: now.ms });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toBe('stored_events');
    expect(logged.some((l) => l.message.includes('over quota') && l.fields?.firmId === noisy.firmId && l.fields.reason === 'stored_events')).toBe(true);
    // The quiet firm still stores.
    expect((await postSmokeball(relay.url, quiet.firmId, { key: quiet.smokeballKey, sentAtMs: now.ms })).status).toBe(200);
    expect(await readAll(relay.url, noisy.token)).toHaveLength(5);

    const bytes = await setup({ maxStoredBytesPerFirm: 8 * 1024, ingestBurst: 100 });
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++)
      sizes.push((await postSmokeball(bytes.relay.url, bytes.noisy.firmId, { key: bytes.noisy.smokeballKey, body: bigPayload(3) })).status);
    expect(sizes).toEqual([200, 200, 429, 429]);

    const rate = await setup({ ingestPerSecond: 1, ingestBurst: 3, now: () => now.ms });
    const burst: Response[] = [];
    for (let i = 0; i < 5; i++) burst.push(await postSmokeball(rate.relay.url, rate.noisy.firmId, { key: rate.noisy.smokeballKey, sentAtMs: now.ms }));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(((await burst[3]!.json()) as { error: string }).error).toBe('ingest_rate');
    expect(burst[3]!.headers.get('retry-after')).toBe('1');
    // Another firm's bucket is its own; and the noisy firm's refills with time.
    expect((await postSmokeball(rate.relay.url, rate.quiet.firmId, { key: rate.quiet.smokeballKey, sentAtMs: now.ms })).status).toBe(200);
    now.ms += 2_000;
    expect((await postSmokeball(rate.relay.url, rate.noisy.firmId, { key: rate.noisy.smokeballKey, sentAtMs: now.ms })).status).toBe(200);
  });

  it('row 1: the default body cap is sized to real webhooks (64 KiB), not 256 KiB', async () => {
    const { relay, noisy } = await setup();
    expect((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, body: bigPayload(100) })).status).toBe(413);
    expect((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, body: bigPayload(8) })).status).toBe(200);
  });

  it('row 1: one token holds at most maxLongPollsPerFirm reads at once; another firm still reads', async () => {
    const { relay, noisy, quiet } = await setup({ maxLongPollsPerFirm: 2 });
    const held = [new AbortController(), new AbortController()];
    const polls = held.map((c) =>
      fetch(`${relay.url}/v1/events?wait=25`, { headers: { authorization: `Bearer ${noisy.token}` }, signal: c.signal }).catch(() => undefined),
    );
    let refused: Response | undefined;
    expect(
      await eventually(async () => {
        const res = await fetch(`${relay.url}/v1/events?wait=0`, { headers: { authorization: `Bearer ${noisy.token}` } });
        if (res.status === 429) refused = res;
        else await res.text();
        return res.status === 429;
      }),
    ).toBe(true);
    expect(refused!.headers.get('retry-after')).toBe('1');
    expect(((await refused!.json()) as { error: string }).error).toBe('too_many_polls');
    expect((await getEvents(relay.url, quiet.token, { wait: 0 })).status).toBe(200);
    for (const c of held) c.abort();
    await Promise.all(polls);
    // Slots come back when the polls end.
    expect(await eventually(async () => (await getEvents(relay.url, noisy.token, { wait: 0 })).status === 200)).toBe(true);
  });

  it('row 2: 50 different bodies under one captured Timestamp/RequestId/Signature store one event', async () => {
    const { relay, noisy } = await setup();
    const requestId = 'captured-request-id';
    const sentAtMs = Date.now();
    const outcomes: Array<{ duplicate: boolean }> = [];
    for (let i = 0; i < 50; i++) {
      const res = await postSmokeball(relay.url, noisy.firmId, {
        key: noisy.smokeballKey,
        requestId,
        sentAtMs,
        body: smokeballBody({ type: 'matter.updated', payload: { id: `made-up-${i}` } }),
      });
      expect(res.status).toBe(200);
      outcomes.push((await res.json()) as { duplicate: boolean });
    }
    expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1);
    expect(await readAll(relay.url, noisy.token)).toHaveLength(1);
  });

  it('row 3: a client trickling a body is cut off by requestTimeout instead of holding its connection', async () => {
    const { relay } = await setup({ requestTimeoutMs: 1_000 });
    const { hostname, port } = new URL(relay.url);
    const sockets = Array.from({ length: 20 }, () => {
      const socket = connect(Number(port), hostname);
      const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
      socket.on('error', () => undefined);
      socket.write(
        `POST /hooks/smokeball/unknown-firm HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: 30000\r\n\r\n{`,
      );
      const trickle = setInterval(() => socket.write(' '), 200);
      return { closed, trickle, socket };
    });
    const started = Date.now();
    // Bounded by the mechanism: 1 s timeout, checked every second; 20 s allows for a loaded machine.
    const closedAt = await Promise.race([Promise.all(sockets.map((s) => s.closed)), new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    for (const s of sockets) {
      clearInterval(s.trickle);
      s.socket.destroy();
    }
    expect(closedAt).not.toBeNull();
    expect(Math.max(...closedAt!) - started).toBeLessThan(20_000);
  });

  it('row 4: a cursor beyond the relay\'s high-water mark is refused with 409, not answered with "no events"', async () => {
    const { relay, noisy } = await setup();
    await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey });
    const res = await fetch(`${relay.url}/v1/events?after=999999999999999`, { headers: { authorization: `Bearer ${noisy.token}` } });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe('cursor_ahead');
    const atEnd = await getEvents(relay.url, noisy.token, { after: 1 });
    expect(atEnd.status).toBe(200);
    expect(atEnd.page.events).toEqual([]);
  });
});
