/**
 * Simulator and client settings for tests that exercise sync behaviour, not pacing or latency (those are tested
 * in test/sync/pacing.test.ts and measured by the benchmarks at Smokeball's documented 5/s). The production
 * paths are the same; only the waits are shorter, which is most of what an integration test spends its time on.
 */

/** A few milliseconds of latency instead of the simulators' default 150 ms (Smokeball) and 60 ms (Case Status). */
export const FAST = { faults: { latencyMs: 5, latencyJitterMs: 3 } };

/**
 * The client's pace: 50 starts in any second, 10 in flight. A run of a hundred requests is rate-bound, so at the
 * production 5/s (or 20/s) the tests would mostly wait for the pacing gate.
 */
export const TEST_RATE = { ratePerSecond: 50, burst: 10 };

/**
 * The simulator's limit to match: its bucket holds a full second's worth, so a client that never starts more than
 * `ratePerSecond` in any second never meets a 429. With a bucket of half that, the client's quick first starts
 * drew 429s and a second or more of backoff per burst: what the pacing tests test, not these.
 */
export const SIM_RATE = { ratePerSecond: TEST_RATE.ratePerSecond, burst: TEST_RATE.ratePerSecond };

/**
 * Smokeball applies an accepted write after this delay (250 ms by default in the simulator). The read-back
 * paths are the same with a shorter delay; `TEST_READ_BACK` polls to match, so a document costs tens of
 * milliseconds instead of half a second.
 */
export const TEST_WRITE_DELAY_MS = 40;

/** Read-back bounds: several times the simulator's write delay, much less than production's. */
export const TEST_READ_BACK = { timeoutMs: 3_000, intervalMs: TEST_WRITE_DELAY_MS };

/** `startWorld` options for a quick world (spread first; a test's own options override). */
export const QUICK_SIMULATORS = {
  smokeball: { ...FAST, writeDelayMs: TEST_WRITE_DELAY_MS, rateLimit: SIM_RATE },
  caseStatus: { ...FAST },
};
