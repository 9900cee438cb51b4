/**
 * The relay under a hostile or noisy firm (issue 14, rows 1–4 of its table): one firm cannot take memory,
 * connections or storage from the others, a captured signature buys nothing, and a cursor the relay never
 * issued is refused instead of silently reading as "no events".
 */
import { connect } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer, type RelayServerOptions } from '../../src/relay/index.js';
import { msToTicks } from '../../src/sim/common/ticks.js';
import { signWebhook } from '../../src/shared/smokeball-signature.js';
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

/**
 * A Smokeball webhook on a raw socket: signed headers announcing `declaredBytes`, and only the body's first
 * byte. `answer` resolves to the status line and headers the relay sends without waiting for the rest;
 * `closed` when the relay closes the connection. `finish` sends the remaining bytes of a valid body.
 */
function partialWebhook(relayUrl: string, firmId: string, key: string, opts: { declaredBytes?: number; signature?: string; sentAtMs?: number } = {}) {
  const { hostname, port } = new URL(relayUrl);
  const requestId = `partial-${Math.random().toString(36).slice(2)}`;
  const timestamp = msToTicks(opts.sentAtMs ?? Date.now()).toString();
  const body = JSON.stringify(smokeballBody({ payload: { id: requestId } }));
  const declared = opts.declaredBytes ?? Buffer.byteLength(body);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  let received = '';
  const answer = new Promise<{ status: number; headers: string }>((resolve) =>
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0) resolve({ status: Number(received.slice(9, 12)), headers: received.slice(0, end).toLowerCase() });
    }),
  );
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(
    `POST /hooks/smokeball/${firmId} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${declared}\r\nTimestamp: ${timestamp}\r\nRequestId: ${requestId}\r\n` +
      `Signature: ${opts.signature ?? signWebhook(key, timestamp, requestId, CLIENT_ID)}\r\n\r\n${body.slice(0, 1)}`,
  );
  return { answer, closed, finish: () => socket.write(body.slice(1)), destroy: () => socket.destroy() };
}

/** Settles with `promise`, or with 'timeout' after `boundMs` (generous: the suite runs on 2 busy cores). */
const within = <T>(promise: Promise<T>, boundMs = 20_000): Promise<T | 'timeout'> =>
  Promise.race([promise, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), boundMs))]);

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
    const { relay, noisy } = await setup({ requestTimeoutMs: 1_000 });
    const { hostname, port } = new URL(relay.url);
    const sockets = Array.from({ length: 20 }, () => {
      const socket = connect(Number(port), hostname);
      const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
      socket.on('error', () => undefined);
      socket.write(
        // A known firm's Case Status route: an unknown firm is refused before its body, and Case Status signs
        // the body, so the relay must read it and only the timeout can end the trickle.
        `POST /hooks/casestatus/${noisy.firmId} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: 30000\r\n\r\n{`,
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
    // Cut by the timeout, not refused at once.
    expect(Math.min(...closedAt!) - started).toBeGreaterThanOrEqual(900);
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

  it('row 1: an over-quota firm, an unknown firm and a bad Smokeball signature are refused before the body is read', async () => {
    const now = { ms: Date.now() };
    const { relay, noisy, quiet } = await setup({ ingestPerSecond: 1, ingestBurst: 1, now: () => now.ms });
    expect((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, sentAtMs: now.ms })).status).toBe(200);
    // The firm's bucket is empty: the answer comes while 60 KB of body are still owed, and the connection closes.
    const over = partialWebhook(relay.url, noisy.firmId, noisy.smokeballKey, { declaredBytes: 60_000, sentAtMs: now.ms });
    const overAnswer = await within(over.answer);
    expect(overAnswer).not.toBe('timeout');
    const { status, headers } = overAnswer as { status: number; headers: string };
    expect(status).toBe(429);
    expect(headers).toContain('retry-after: 1');
    expect(headers).toContain('connection: close');
    expect(await within(over.closed)).not.toBe('timeout');
    const unknown = partialWebhook(relay.url, 'no-such-firm', noisy.smokeballKey, { declaredBytes: 60_000 });
    expect(((await within(unknown.answer)) as { status: number }).status).toBe(404);
    const forged = partialWebhook(relay.url, quiet.firmId, quiet.smokeballKey, { declaredBytes: 60_000, signature: 'ab'.repeat(32), sentAtMs: now.ms });
    expect(((await within(forged.answer)) as { status: number }).status).toBe(401);
    for (const w of [over, unknown, forged]) w.destroy();
    // The quiet firm is untouched, and the noisy firm is admitted again once its bucket refills.
    expect((await postSmokeball(relay.url, quiet.firmId, { key: quiet.smokeballKey, sentAtMs: now.ms })).status).toBe(200);
    now.ms += 1_500;
    expect((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, sentAtMs: now.ms })).status).toBe(200);
    expect(await readAll(relay.url, noisy.token)).toHaveLength(2);
  });

  it("row 1: a firm's webhook bytes are rate-limited too, refused before the body; other firms are untouched", async () => {
    const now = { ms: Date.now() };
    const kib = 1024;
    const { relay, noisy, quiet } = await setup({ ingestBytesPerSecond: 16 * kib, ingestBurstBytes: 64 * kib, now: () => now.ms });
    expect((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, body: bigPayload(40), sentAtMs: now.ms })).status).toBe(200);
    // ~24 KiB left in the firm's bucket: another 40 KiB is refused from its Content-Length alone.
    const over = partialWebhook(relay.url, noisy.firmId, noisy.smokeballKey, { declaredBytes: 40 * kib, sentAtMs: now.ms });
    const answer = await within(over.answer);
    over.destroy();
    expect(answer).not.toBe('timeout');
    expect((answer as { status: number }).status).toBe(429);
    expect((answer as { headers: string }).headers).toMatch(/retry-after: [1-9]/);
    // A small webhook still fits, and the other firm's bucket is its own.
    expect((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, sentAtMs: now.ms })).status).toBe(200);
    expect((await postSmokeball(relay.url, quiet.firmId, { key: quiet.smokeballKey, body: bigPayload(40), sentAtMs: now.ms })).status).toBe(200);
    now.ms += 2_000;
    const refilled = await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, body: bigPayload(40), sentAtMs: now.ms });
    expect(refilled.status).toBe(200);
    await expect(startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: CLIENT_ID, ingestBurstBytes: 1024 })).rejects.toThrow(
      /at least maxBodyBytes/,
    );
  });

  it("row 1: a firm's webhooks queue behind its own in-progress ones, not in front of other firms", async () => {
    const { relay, noisy, quiet } = await setup({ maxConcurrentWebhooksPerFirm: 1, maxQueuedWebhooksPerFirm: 1 });
    // The first holds the firm's only slot while its body trickles; the second waits in the queue.
    const first = partialWebhook(relay.url, noisy.firmId, noisy.smokeballKey);
    const second = partialWebhook(relay.url, noisy.firmId, noisy.smokeballKey);
    second.finish();
    // A third finds the slot taken and the queue full: 429 at once, before its body.
    let third: { status: number; headers: string } | 'timeout' = 'timeout';
    expect(
      await eventually(async () => {
        const attempt = partialWebhook(relay.url, noisy.firmId, noisy.smokeballKey, { declaredBytes: 60_000 });
        third = await within(attempt.answer, 5_000);
        attempt.destroy();
        return third !== 'timeout' && third.status === 429;
      }),
    ).toBe(true);
    expect((third as unknown as { headers: string }).headers).toContain('retry-after: 1');
    // Another firm is not behind the noisy firm's queue.
    expect((await postSmokeball(relay.url, quiet.firmId, { key: quiet.smokeballKey })).status).toBe(200);
    expect(await within(second.answer, 1_000)).toBe('timeout');
    // The first finishes and the queued one goes next: both stored, none lost.
    first.finish();
    expect(((await within(first.answer)) as { status: number }).status).toBe(200);
    expect(((await within(second.answer)) as { status: number }).status).toBe(200);
    for (const w of [first, second]) w.destroy();
    expect(await readAll(relay.url, noisy.token)).toHaveLength(2);
  });

  it("row 1: a firm's reads are paced by its byte budget, and refused far over it; other firms read at once", async () => {
    const now = { ms: Date.now() };
    const kib = 1024;
    // The clock is frozen, so budgets refill only when the test moves it: every wait below is exact.
    const { relay, noisy, quiet } = await setup({ readBytesPerSecond: 8 * kib, readBurstBytes: 36 * kib, ingestBurst: 100, now: () => now.ms });
    for (let i = 0; i < 3; i++) {
      expect((await postSmokeball(relay.url, noisy.firmId, { key: noisy.smokeballKey, body: bigPayload(40), sentAtMs: now.ms })).status).toBe(200);
    }
    await postSmokeball(relay.url, quiet.firmId, { key: quiet.smokeballKey, sentAtMs: now.ms });
    // Within budget: served. It overdraws the budget by ~4 KiB, so the next read waits ~0.5 s at 8 KiB/s.
    expect((await getEvents(relay.url, noisy.token, { limit: 1 })).page.events).toHaveLength(1);
    const started = Date.now();
    const paced = await getEvents(relay.url, noisy.token, { after: 1, limit: 1 });
    expect(paced.page.events).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    // Now ~44 KiB in debt: 5.5 s, more than the relay holds a read for (5 s), so 429 with the time to wait.
    const refused = await fetch(`${relay.url}/v1/events?after=2&limit=1`, { headers: { authorization: `Bearer ${noisy.token}` } });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toBe('read_rate');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(2);
    // Another firm's budget is its own.
    expect((await getEvents(relay.url, quiet.token)).page.events).toHaveLength(1);
    // Time refills the budget.
    now.ms += 10_000;
    expect((await getEvents(relay.url, noisy.token, { after: 2, limit: 1 })).page.events).toHaveLength(1);
  });
});
