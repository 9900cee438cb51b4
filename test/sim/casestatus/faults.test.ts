import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseStatusSim } from '../../../src/sim/casestatus/server.js';
import { api, startSim } from './helpers.js';

let sim: CaseStatusSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('fault injection', () => {
  it('answers roughly the configured share of API requests with 5xx, never control routes', async () => {
    sim = await startSim({ faults: { serverErrorRate: 0.3 } });
    const client = api(sim);
    const n = 400;
    const statuses: number[] = [];
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => client.get('/cases')));
      statuses.push(...batch.map((r) => r.status));
    }
    const errors = statuses.filter((s) => s >= 500).length;
    expect(statuses.every((s) => s === 200 || [500, 502, 503].includes(s))).toBe(true);
    expect(errors / n).toBeGreaterThan(0.22);
    expect(errors / n).toBeLessThan(0.38);
    expect(sim.faults.injected.serverError).toBe(errors);
    expect(sim.stats.total).toBe(n);

    for (let i = 0; i < 30; i++) expect((await axios.get(`${sim.url}/_sim/stats`)).status).toBe(200);
  });

  it('resets connections and adds latency as configured, changeable at run time', async () => {
    sim = await startSim();
    const client = api(sim);
    sim.faults.set({ resetRate: 1 });
    await expect(client.get('/cases')).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|socket hang up/i) });
    sim.faults.set({ resetRate: 0, latencyMs: 150 });
    const started = performance.now();
    expect((await client.get('/cases')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});
