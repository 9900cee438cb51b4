/**
 * Issue 14, row 4: a relay that lost its history (rebuilt on a new database, or a cursor it never issued)
 * must not leave the app "live" while it applies nothing. The app drops the cursor, reads from the start,
 * runs one catch-up sync and raises an item; a change of relay URL or token drops the cursor too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RELAY_CURSOR, type RealtimeSync } from '../../src/sync/realtime/index.js';
import { RELAY_IDENTITY } from '../../src/sync/realtime/relay-position.js';
import { movableMatters, otherStages, relayDrained, setupHarness, stageChangesOf, waitFor, type Harness } from '../sync/realtime/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function startLive(rt: RealtimeSync): Promise<void> {
  await rt.start();
  await waitFor('realtime live', () => rt.status.state === 'live');
}

/** A stage change made in Smokeball; resolves once Case Status shows it. */
async function changeStageAndSee(harness: Harness): Promise<void> {
  const [matterId] = movableMatters(harness);
  const target = otherStages(harness.world, matterId!)[0]!;
  const before = stageChangesOf(harness.world, matterId!).length;
  harness.world.smokeball.control.changeMatterStage(matterId!, target.id);
  await waitFor('the new stage in Case Status', () => harness.world.caseStatus.control.cases().get(matterId!)?.stage === target.name, 30_000);
  expect(stageChangesOf(harness.world, matterId!).length - before).toBe(1);
}

describe('relay cursor epochs (security)', () => {
  it('a cursor the relay never issued: the app resets it, catches up once, raises an item, and applies new changes', async () => {
    h = await setupHarness(50);
    const rt = h.realtime();
    await startLive(rt);
    await changeStageAndSee(h);
    await waitFor('relay drained', () => relayDrained(h!, rt));
    await rt.stop();

    // As after the relay was rebuilt on an empty database while the app kept its position.
    h.stack.store.checkpoints.set(RELAY_CURSOR, '999999999999999');
    const again = h.realtime();
    await again.start();
    await waitFor('history-lost item', () => h!.stack.store.attention.open('realtime_off').some((i) => i.subjectId === 'relay-history'), 30_000);
    await waitFor('live again', () => again.status.state === 'live');
    await waitFor('one catch-up sync', () => again.metrics.fallbackRuns >= 1);
    await changeStageAndSee(h);
    await waitFor('cursor stored again', () => {
      const cursor = h!.stack.store.checkpoints.get<string>(RELAY_CURSOR);
      return cursor !== undefined && Number(cursor) < 1_000;
    });
  });

  it('a new relay URL or token drops the stored cursor and runs one catch-up sync', async () => {
    h = await setupHarness(50);
    const rt = h.realtime();
    await startLive(rt);
    await changeStageAndSee(h);
    await waitFor('relay drained', () => relayDrained(h!, rt));
    await rt.stop();
    expect(h.stack.store.checkpoints.get(RELAY_CURSOR)).toBeDefined();

    // The stored position belongs to another relay (another URL or token).
    h.stack.store.checkpoints.set(RELAY_IDENTITY, 'another relay');
    h.stack.store.checkpoints.set(RELAY_CURSOR, '3');
    const again = h.realtime();
    await again.start();
    await waitFor('live', () => again.status.state === 'live');
    await waitFor('one catch-up sync', () => again.metrics.fallbackRuns >= 1);
    // The events of the new history are read from its start: the earlier event is received again.
    await waitFor('read from the start', () => again.metrics.received >= 1);
    expect(h.stack.store.checkpoints.get(RELAY_IDENTITY)).not.toBe('another relay');
    expect(h.stack.store.attention.open('realtime_off').some((i) => i.subjectId === 'relay-history')).toBe(false);
  });
});
