import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacingGate } from '../../src/sync/pacing/gate.js';
import { sleep, startTestSim, type TestSim } from '../sim/smokeball/helpers.js';

/**
 * The pacing gate against the real Smokeball simulator at its documented limit (5/s, burst 5): requests the
 * gate released in time must not be refused when some of them reach the server late. In the app a request
 * leaves some time after the gate lets it go (an event-loop stall between the grant and the socket), and a busy
 * server or network delays arrivals too; the soak found 429s outside its storm from exactly that (issue 19).
 */
describe('pacing gate against the simulator’s token bucket', () => {
  let t: TestSim;
  beforeAll(async () => {
    t = await startTestSim({ rateLimit: { ratePerSecond: 5, burst: 5 } });
  });
  afterAll(async () => {
    await t.sim.close();
  });

  it('is never refused when requests it released leave up to 150 ms late', async () => {
    // Every 429 surfaces as a failure here (no retries), so the simulator's count is the whole story.
    const gate = new PacingGate({ name: 'smokeball', ratePerSecond: 5, burst: 5, classify: () => ({ kind: 'fatal' }) });
    t.sim.stats.reset();
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        gate.run(
          async () => {
            // The first five leave 150 ms after their grant, as behind a stalled event loop; the rest at once.
            if (i < 5) await sleep(150);
            return (await t.api('/firm')).status;
          },
          { idempotent: true },
        ),
      ),
    );
    expect(t.sim.stats.throttled).toBe(0);
    expect(statuses).toEqual(Array.from({ length: 12 }, () => 200));
    expect(t.sim.stats.total).toBe(12);
  });
});
