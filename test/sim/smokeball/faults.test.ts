import { afterEach, describe, expect, it } from 'vitest';
import { smallFirm } from './fixtures.js';
import { sleep, startTestSim, type TestSim } from './helpers.js';

let t: TestSim | undefined;
afterEach(async () => {
  await t?.sim.close();
  t = undefined;
});

const firm = smallFirm({ matters: 5 });

describe('fault injection', () => {
  it('answers ~serverErrorRate of requests with 500/502/503 and records them in stats', async () => {
    t = await startTestSim({ firm, faults: { serverErrorRate: 0.2 }, seed: 11 });
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) statuses.push((await t.api('/staff')).status);
    const errors = statuses.filter((s) => s >= 500);
    expect(errors.length).toBeGreaterThanOrEqual(40);
    expect(errors.length).toBeLessThanOrEqual(80);
    expect(new Set(errors)).toEqual(new Set([500, 502, 503]));
    expect(statuses.filter((s) => s === 200)).toHaveLength(300 - errors.length);
    expect(t.sim.faults.injected.serverError).toBe(errors.length);
    expect(t.sim.stats.log.filter((e) => e.status >= 500)).toHaveLength(errors.length);
  });

  it('resets connections (socket errors, no response) and never faults /_sim or /oauth2', async () => {
    t = await startTestSim({ firm });
    t.sim.control.setFaults({ resetRate: 1 });
    await expect(t.api('/staff')).rejects.toThrow();
    expect(t.sim.faults.injected.reset).toBe(1);
    expect((await fetch(`${t.sim.url}/_sim/stats`)).status).toBe(200);
    const token = await fetch(`${t.sim.authUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token',
    });
    expect(token.status).toBe(400);
    // Switch off over HTTP.
    const put = await fetch(`${t.sim.url}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resetRate: 0 }),
    });
    expect(put.status).toBe(200);
    expect((await t.api('/staff')).status).toBe(200);
  });

  it('hangs requests until the client gives up or the server closes', async () => {
    t = await startTestSim({ firm, faults: { hangRate: 1 } });
    let settled = false;
    const pending = t
      .api('/staff')
      .then(
        () => 'resolved',
        () => 'rejected',
      )
      .finally(() => {
        settled = true;
      });
    await sleep(400);
    expect(settled).toBe(false);
    // A client-side timeout works as it would against a hung server.
    await expect(t.api('/staff', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    const started = Date.now();
    await t.sim.close();
    // Close answers the hung request at once instead of waiting for it (which would never end): generous for load.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await pending).toBe('rejected');
    t = undefined;
  });

  it('adds latency', async () => {
    t = await startTestSim({ firm, faults: { latencyMs: 120 } });
    const started = performance.now();
    expect((await t.api('/staff')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });
});
