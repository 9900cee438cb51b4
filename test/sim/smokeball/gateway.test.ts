import { afterEach, describe, expect, it } from 'vitest';
import { PartnerBucket } from '../../../src/sim/smokeball/partner-bucket.js';
import { sleep, startTestSim, type TestSim } from './helpers.js';

let t: TestSim | undefined;
afterEach(async () => {
  await t?.sim.close();
  t = undefined;
});

describe('API gateway', () => {
  it('answers 403 Forbidden for a missing or wrong x-api-key', async () => {
    t = await startTestSim();
    const missing = await fetch(`${t.sim.url}/matters`, { headers: { authorization: `Bearer ${t.token}` } });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({ message: 'Forbidden' });
    const wrong = await t.api('/matters', { headers: { 'x-api-key': 'nope' } });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
  });

  it('answers 401 Unauthorized for a missing, unknown or expired bearer token', async () => {
    t = await startTestSim({ accessTokenTtlS: 1 });
    const none = await t.api('/matters', { headers: { authorization: '' } });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: 'Unauthorized' });
    expect((await t.api('/matters', { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    expect((await t.api('/matters?Limit=1')).status).toBe(200);
    await sleep(1100);
    expect((await t.api('/matters?Limit=1')).status).toBe(401);
  });

  it("records each request's grant, so a test can tell which install (sign-in) sent it", async () => {
    t = await startTestSim();
    const other = t.sim.control.issueTokens();
    const [first, second] = t.sim.control.grantIds();
    expect(t.sim.control.grantIds()).toHaveLength(2);
    expect((await t.api('/staff')).status).toBe(200);
    expect((await t.api('/staff', { headers: { authorization: `Bearer ${other.accessToken}` } })).status).toBe(200);
    expect((await t.api('/staff', { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    expect(t.sim.stats.log.map((e) => [e.status, e.grantId])).toEqual([
      [200, first],
      [200, second],
      [401, undefined], // refused before a token was known
    ]);
  });

  it('expireAccessTokens() invalidates every access token; a refresh gets a working one', async () => {
    t = await startTestSim();
    expect((await t.api('/staff')).status).toBe(200);
    t.sim.control.expireAccessTokens();
    expect((await t.api('/staff')).status).toBe(401);
    const res = await fetch(`${t.sim.authUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: t.sim.options.clientId, refresh_token: t.refreshToken }),
    });
    expect(res.status).toBe(200);
    t.token = ((await res.json()) as { access_token: string }).access_token;
    expect((await t.api('/staff')).status).toBe(200);
  });

  it('throttles beyond the bucket: 20 concurrent requests at 5/s burst 5 → exactly 5 succeed, then 5 more after 1 s', async () => {
    // The bucket runs on a stepped clock: with the real one, a loaded machine delivering the 20 requests over
    // a few hundred ms lets the bucket refill mid-burst (6 succeeded in CI), which is right but not countable.
    let clock = 50_000;
    t = await startTestSim({ rateLimit: { ratePerSecond: 5, burst: 5 }, rateLimitClock: () => clock });
    const first = await Promise.all(Array.from({ length: 20 }, () => t!.api('/staff')));
    const statuses = first.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const throttled = first.find((r) => r.status === 429)!;
    expect(await throttled.json()).toEqual({ message: 'Too Many Requests' });
    expect(throttled.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    expect(throttled.headers.get('retry-after')).toBeNull();

    // 200 ms of bucket time is one token at 5/s: exactly one more request gets through.
    clock += 200;
    const trickle = await Promise.all(Array.from({ length: 3 }, () => t!.api('/staff')));
    expect(trickle.map((r) => r.status).sort()).toEqual([200, 429, 429]);

    // One second later the bucket is full again (burst 5, not 5 + the unspent remainder).
    clock += 1000;
    const second = await Promise.all(Array.from({ length: 10 }, () => t!.api('/staff')));
    expect(second.filter((r) => r.status === 200)).toHaveLength(5);

    expect(t.sim.stats.throttled).toBe(15 + 2 + 5);
    expect(t.sim.stats.byEndpoint.get('GET /staff')?.requests).toBe(33);
    expect(t.sim.stats.log.filter((e) => e.status === 200)).toHaveLength(11);
  });

  it('refills the bucket on the real clock by default', async () => {
    t = await startTestSim({ rateLimit: { ratePerSecond: 5, burst: 1 } });
    // The bucket (same clock as performance.now) is made by the first request, after `before`, and empty
    // after it; its next token comes 200 ms later. Poll (bounded) rather than sleep-then-assert.
    const before = performance.now();
    expect((await t.api('/staff')).status).toBe(200);
    let status = (await t.api('/staff')).status;
    while (status === 429 && performance.now() - before < 10_000) {
      await sleep(50);
      status = (await t.api('/staff')).status;
    }
    expect(status).toBe(200);
    expect(performance.now() - before).toBeGreaterThanOrEqual(199);
  });

  it("a partner bucket shared by two firms' simulators throttles their sum, keyed by client id", async () => {
    let clock = 10_000;
    const partner = new PartnerBucket({ ratePerSecond: 5, burst: 5, now: () => clock });
    t = await startTestSim({ partnerBucket: partner });
    const other = await startTestSim({ partnerBucket: partner, seed: 2 });
    try {
      // Each firm alone is far below its own (generous) bucket; together they empty the shared one.
      const a = await Promise.all(Array.from({ length: 4 }, () => t!.api('/staff')));
      const b = await Promise.all(Array.from({ length: 4 }, () => other.api('/staff')));
      const statuses = [...a, ...b].map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(3);
      expect(await b[3]!.json()).toEqual({ message: 'Too Many Requests' });
      // One second later (bucket clock) five more tokens.
      clock += 1000;
      const later = await Promise.all(Array.from({ length: 6 }, () => other.api('/staff')));
      expect(later.filter((r) => r.status === 200)).toHaveLength(5);
      const stats = partner.stats();
      expect(stats).toMatchObject({ accepted: 10, throttled: 4, peakPerSecond: 8 });
      expect(stats.byClient['sim-client-id']).toEqual({ accepted: 10, throttled: 4 });
      // A different client id is a different partner: its own full bucket.
      expect(partner.take('another-app')).toBe(true);
    } finally {
      await other.sim.close();
    }
  });

  it('sends Retry-After: 1 only when sendRetryAfter is on (switchable at runtime)', async () => {
    t = await startTestSim({ rateLimit: { ratePerSecond: 1, burst: 1, sendRetryAfter: true } });
    const [, r2] = [await t.api('/staff'), await t.api('/staff')];
    expect(r2!.status).toBe(429);
    expect(r2!.headers.get('retry-after')).toBe('1');
    t.sim.control.setRateLimit({ sendRetryAfter: false });
    const r3 = await t.api('/staff');
    expect(r3.status).toBe(429);
    expect(r3.headers.get('retry-after')).toBeNull();
  });

  it('checks the API key before the rate limit and the rate limit before the token', async () => {
    t = await startTestSim({ rateLimit: { ratePerSecond: 1, burst: 1 } });
    // Bad keys do not drain the app's bucket.
    for (let i = 0; i < 3; i++) expect((await t.api('/staff', { headers: { 'x-api-key': 'bad' } })).status).toBe(403);
    // A bad token still costs a token...
    expect((await t.api('/staff', { headers: { authorization: 'Bearer bad' } })).status).toBe(401);
    // ...so the next request, with a good token, is throttled.
    expect((await t.api('/staff')).status).toBe(429);
  });

  it('echoes the RequestId header, or generates one', async () => {
    t = await startTestSim();
    const mine = await t.api('/staff', { headers: { RequestId: 'abc-123' } });
    expect(mine.headers.get('requestid')).toBe('abc-123');
    const generated = await t.api('/staff');
    expect(generated.headers.get('requestid')).toMatch(/^[0-9a-f-]{36}$/);
    // Even gateway errors carry it.
    expect((await t.api('/staff', { headers: { 'x-api-key': 'bad', RequestId: 'r-1' } })).headers.get('requestid')).toBe('r-1');
  });

  it('records API requests per endpoint (ids normalised) but not /_sim or /oauth2 traffic', async () => {
    t = await startTestSim();
    const { value } = await t.get('/matters?Limit=3');
    for (const m of value) await t.api(`/matters/${m.id}`);
    await fetch(`${t.sim.url}/_sim/stats`);
    const stats = t.sim.stats.toJSON();
    expect(stats.byEndpoint['GET /matters']?.requests).toBe(1);
    expect(stats.byEndpoint['GET /matters/{id}']?.requests).toBe(3);
    expect(Object.keys(stats.byEndpoint).some((k) => k.includes('_sim'))).toBe(false);
  });

  it('answers unknown API paths with a 404 ProblemDetails', async () => {
    t = await startTestSim();
    const res = await t.api('/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
