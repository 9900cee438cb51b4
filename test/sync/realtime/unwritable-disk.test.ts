import { afterEach, describe, expect, it } from 'vitest';
import type { RealtimeSync } from '../../../src/sync/realtime/index.js';
import { movableMatters, otherStages, setupHarness, waitFor, type Harness } from './harness.js';

/**
 * The full fault soak failed this way: during a disk-full episode real time went off, did not come back when space
 * was freed, and so nothing noticed the grant revoked right after. Here the state file refuses every write (SQLite's
 * own refusal, `query_only`, as on a full or read-only disk) while the relay is away and the subscription check is
 * due; once the disk takes writes again and the relay is back, real time must be live again by itself, apply stage
 * changes, and so find out at once that the grant was revoked.
 */
let h: Harness | undefined;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

afterEach(async () => {
  process.off('unhandledRejection', onRejection);
  rejections.length = 0;
  await h?.cleanup();
  h = undefined;
});

const webhookChecks = (h: Harness) => h.world.smokeball.stats.byEndpoint.get('GET /webhooks')?.requests ?? 0;

describe('real time after the state file stopped taking writes', () => {
  it('comes back on its own once the disk is writable again, and then notices a revoked grant', async () => {
    process.on('unhandledRejection', onRejection);
    h = await setupHarness(60);
    const lost: string[] = [];
    h.stack.tokens.onSignInLost((e) => lost.push(e.message));
    const states: string[] = [];
    const rt: RealtimeSync = h.realtime({ subscriptionCheckMs: 200, fallbackAfterMs: 400, fallbackIntervalMs: 60_000 });
    rt.on('change', (s) => {
      if (states.at(-1) !== `${s.state}: ${s.reason}`) states.push(`${s.state}: ${s.reason}`);
    });
    await rt.start();
    await waitFor('real time live', () => rt.status.state === 'live');

    // The disk fills up. A subscription check falls due (it saves what it found), then the relay goes away for
    // longer than the fallback delay (real time records that it is degraded): both writes are refused.
    h.stack.store.db.pragma('query_only = ON');
    const checks = webhookChecks(h);
    await waitFor('a subscription check while the disk refuses writes', () => webhookChecks(h!) > checks && rt.status.subscription !== 'unknown', 20_000);
    await h.relay.close();
    await waitFor('real time to notice the relay is away', () => rt.status.state === 'degraded' || rt.status.state === 'off', 20_000);
    expect(rt.status.reason ?? '').not.toMatch(/disk is full|readonly/); // what the window shows is about the relay

    // Space is freed and the relay comes back: real time must be live again without anyone pressing Retry.
    h.stack.store.db.pragma('query_only = OFF');
    await h.restartRelay();
    await waitFor(`real time live again (states: ${states.join(' → ')})`, () => rt.status.state === 'live', 30_000);

    const [first, second] = movableMatters(h, 2);
    const target = otherStages(h.world, first!)[0]!;
    h.world.smokeball.control.changeMatterStage(first!, target.id);
    await waitFor('the stage change applied through real time', () => h!.world.caseStatus.control.cases().get(first!)?.stage === target.name, 30_000);

    // The administrator revokes the app's access; the next change makes real time ask Smokeball, which refuses.
    h.world.smokeball.control.revokeAllGrants();
    h.world.smokeball.control.changeMatterStage(second!, otherStages(h.world, second!)[0]!.id);
    await waitFor('the revoked grant noticed', () => lost.length > 0, 30_000);
    expect(rejections).toEqual([]); // nothing along the way was left to crash the process
  });
});
