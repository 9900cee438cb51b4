import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectToWorld, startWorld, type World } from '../../src/testbed/world.js';
import { GrantWatch } from '../../src/sync/smokeball/grant-watch.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The grant watch against the strict Smokeball simulator: a revoked or lapsed grant must be noticed while nothing
 * else talks to Smokeball, and the watch must cost nothing while other requests flow.
 */
let world: World;
let stack: Awaited<ReturnType<typeof connectToWorld>>;
let dir: ReturnType<typeof tempDir>;

beforeEach(async () => {
  world = await startWorld({ matters: 5, seed: 3, smokeball: { faults: { latencyMs: 2, latencyJitterMs: 1 } } });
  dir = tempDir('css-grant-watch-');
  stack = await connectToWorld(world, { dataDir: dir.dir });
});

afterEach(async () => {
  stack.close();
  await world.close();
  dir.cleanup();
});

const probesAtSmokeball = () => world.smokeball.stats.byEndpoint.get('GET /firm')?.requests ?? 0;

/** A watch whose ticks the test gives by hand, so "an interval went by" is exact whatever the machine's load. */
function manualWatch(active: () => boolean = () => true) {
  let tick: (() => void) | undefined;
  const watch = new GrantWatch({
    smokeball: stack.smokeball,
    active,
    every: (fn) => {
      tick = fn;
      return () => (tick = undefined);
    },
  });
  watch.start();
  return {
    watch,
    async interval() {
      tick?.();
      await watch.settled();
    },
  };
}

describe('GrantWatch', () => {
  it('finds a revoked grant with one cheap read when nothing else talks to Smokeball', async () => {
    const lost: string[] = [];
    stack.tokens.onSignInLost((e) => lost.push(e.message));
    const { watch, interval } = manualWatch();
    await interval(); // a quiet interval: one probe, the grant is fine
    expect(probesAtSmokeball()).toBe(1);
    expect(lost).toEqual([]);

    world.smokeball.control.revokeAllGrants();
    await interval();
    expect(lost).toHaveLength(1); // the token manager told its listeners (the app core asks for sign-in there)
    expect(watch.probes).toBe(2);
    await watch.stop();
  });

  it('finds a lapsed refresh token once the access token runs out', async () => {
    const lost: string[] = [];
    stack.tokens.onSignInLost((e) => lost.push(e.message));
    const { watch, interval } = manualWatch();
    world.smokeball.control.expireRefreshTokens();
    world.smokeball.control.expireAccessTokens();
    await interval();
    expect(lost).toHaveLength(1);
    await watch.stop();
  });

  it('sends nothing in an interval in which another request reached Smokeball', async () => {
    const { watch, interval } = manualWatch();
    for (let i = 0; i < 5; i++) {
      await stack.smokeball.get('/staff', { params: { Limit: 1 } });
      await interval();
    }
    expect(probesAtSmokeball()).toBe(0);
    await interval(); // now an interval with nothing in it
    expect(probesAtSmokeball()).toBe(1);
    await interval(); // the probe itself does not count as "someone else talked"
    expect(probesAtSmokeball()).toBe(2);
    await watch.stop();
  });

  it('sends nothing while signed out or paused', async () => {
    let active = false;
    const { watch, interval } = manualWatch(() => active);
    await interval();
    await interval();
    expect(probesAtSmokeball()).toBe(0);
    active = true;
    stack.smokeball.gate.pause();
    await interval();
    expect(probesAtSmokeball()).toBe(0);
    stack.smokeball.gate.resume();
    await interval();
    expect(probesAtSmokeball()).toBe(1);
    await watch.stop();
  });

  it('on its own timer costs at most one request per interval', async () => {
    const lost: string[] = [];
    stack.tokens.onSignInLost((e) => lost.push(e.message));
    const intervalMs = 100;
    const watch = new GrantWatch({ smokeball: stack.smokeball, active: () => true, intervalMs });
    const from = performance.now();
    watch.start();
    // Bounded by the mechanism: wait for the timer's probes, however slowly the machine runs them.
    for (const until = Date.now() + 20_000; probesAtSmokeball() < 3 && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
    world.smokeball.control.revokeAllGrants();
    for (const until = Date.now() + 20_000; lost.length === 0 && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
    await watch.stop();
    const elapsedMs = performance.now() - from;
    expect(lost).toHaveLength(1);
    expect(probesAtSmokeball()).toBeGreaterThanOrEqual(3);
    expect(watch.probes).toBeLessThanOrEqual(Math.floor(elapsedMs / intervalMs) + 1);
  });
});
