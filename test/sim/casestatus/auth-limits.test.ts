import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseStatusSim } from '../../../src/sim/casestatus/server.js';
import { api, startSim } from './helpers.js';

let sim: CaseStatusSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('auth', () => {
  it('answers 401 with the error envelope for a missing or wrong key', async () => {
    sim = await startSim();
    const missing = await api(sim, null).get('/cases');
    expect(missing.status).toBe(401);
    expect(missing.data).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Missing') } });
    expect(missing.headers['www-authenticate']).toContain('Bearer');

    const wrong = await api(sim, 'not-the-key').get('/cases');
    expect(wrong.status).toBe(401);
    expect(wrong.data.error.code).toBe('unauthorized');

    const basic = await axios.get(`${sim.url}/v1/cases`, { headers: { authorization: 'Basic abc' }, validateStatus: () => true });
    expect(basic.status).toBe(401);

    expect((await api(sim).get('/cases')).status).toBe(200);
  });

  it('refuses the old key after a rotation', async () => {
    sim = await startSim();
    sim.control.setApiKey('rotated');
    expect((await api(sim).get('/cases')).status).toBe(401);
    expect((await api(sim, 'rotated').get('/cases')).status).toBe(200);
  });

  it('answers 404 in the envelope for unknown routes and records', async () => {
    sim = await startSim();
    const res = await api(sim).get('/cases/00000000-0000-4000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.data.error.code).toBe('not_found');
    expect((await api(sim).get('/nothing-here')).data.error.code).toBe('not_found');
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once the burst is spent, and recovers', async () => {
    sim = await startSim({ rateLimit: { ratePerSecond: 5, burst: 5 } });
    const client = api(sim);
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.get('/cases')));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(ok.length).toBeLessThanOrEqual(8); // the burst, plus the few tokens refilled while the requests arrive
    expect(limited.length).toBe(20 - ok.length);
    for (const r of limited) {
      expect(r.headers['retry-after']).toBe('1');
      expect(r.data.error.code).toBe('rate_limited');
    }
    expect(sim.stats.throttled).toBe(limited.length);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await client.get('/cases')).status).toBe(200);
  });

  it('applies a new limit at once and never limits the control routes', async () => {
    sim = await startSim({ rateLimit: { ratePerSecond: 100, burst: 100 } });
    sim.control.setRateLimit({ ratePerSecond: 0.5, burst: 1 });
    const client = api(sim);
    expect((await client.get('/cases')).status).toBe(200);
    const limited = await client.get('/cases');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    for (let i = 0; i < 5; i++) expect((await axios.get(`${sim.url}/_sim/stats`)).status).toBe(200);
    expect(sim.stats.total).toBe(2); // control requests are not counted
  });

  it('does not spend tokens on unauthenticated requests', async () => {
    sim = await startSim({ rateLimit: { ratePerSecond: 1, burst: 2 } });
    for (let i = 0; i < 5; i++) expect((await api(sim, 'bad').get('/cases')).status).toBe(401);
    expect((await api(sim).get('/cases')).status).toBe(200);
    expect((await api(sim).get('/cases')).status).toBe(200);
  });
});
