import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../src/testbed/world.js';
import { SyncEngine } from '../../src/sync/engine/engine.js';
import { dyingAfterNextCaseWrite } from '../helpers/dying-case-status.js';
import { setupWorld, type Harness } from './writeback/helpers.js';
import { otherStages } from './realtime/harness.js';

/**
 * A case write that Case Status applied but the app never recorded: the process died between the request and
 * the SQLite transaction that records its answer (a crash, or a sync host SIGKILLed before the firm's shared
 * ledger got the record, so the next host starts from the state before the write). The case's payload the app
 * last recorded is then older than what Case Status shows, and every later write built on it (a closure sends
 * the recorded payload with `status: closed`) would send the client's case back to the older stage.
 */
let h: Harness;
let world: World;
let stack: Harness['stack'];
let firstMatter = '';

beforeAll(async () => {
  h = await setupWorld(60);
  ({ world, stack } = h);
  const run = await stack.engine.initialImport();
  if (run.outcome !== 'succeeded') throw new Error(`import failed: ${run.error}`);
}, 120_000);

afterAll(() => h?.close());

/** A mapped stage of the matter's stage set that Case Status does not show for it yet. */
function anotherStage(matterId: string): { id: string; name: string } {
  const current = stack.store.links.matter(matterId)!.stageName;
  return otherStages(world, matterId).find((s) => s.name !== current)!;
}

const changesOf = (matterId: string) => world.caseStatus.control.stageChanges().filter((c) => c.caseExternalId === matterId);

describe('a case write applied by Case Status but never recorded', () => {
  it('is never undone by a later write: a closure keeps the stage the client last saw', async () => {
    const link = [...stack.store.links.allMatters()].find((l) => l.status !== 'Closed' && l.stageId && l.stageName)!;
    const matterId = link.matterId;
    firstMatter = matterId;
    const target = anotherStage(matterId);
    const before = changesOf(matterId).length;

    world.smokeball.control.changeMatterStage(matterId, target.id);
    const dying = new SyncEngine({ smokeball: stack.smokeball, caseStatus: dyingAfterNextCaseWrite(stack.caseStatus), store: stack.store });
    const interrupted = await dying.refresh({ stageMatterIds: [matterId] });
    expect(interrupted.outcome).toBe('failed');
    // Case Status moved; the app's record did not.
    expect(world.caseStatus.control.cases().get(matterId)!.stage).toBe(target.name);
    expect(stack.store.links.matter(matterId)!.stageName).toBe(link.stageName);

    // The matter is closed in Smokeball; the next process (a restart, or another install taking over) syncs it.
    world.smokeball.control.closeMatter(matterId);
    const next = new SyncEngine({ smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store });
    const run = await next.refreshMatters([matterId]);
    expect(run.outcome).toBe('succeeded');

    const after = world.caseStatus.control.cases().get(matterId)!;
    expect(after.status).toBe('closed');
    expect(after.stage).toBe(target.name);
    expect(
      changesOf(matterId)
        .slice(before)
        .map((c) => [c.from, c.to]),
    ).toEqual([[link.stageName, target.name]]);
    // The record now says what Case Status shows, and nothing is left in flight.
    expect(stack.store.links.matter(matterId)!.caseInput).toMatchObject({ stage: target.name, status: 'closed' });
    expect(stack.store.caseSends.inFlight()).toEqual([]);
  });

  it('an interrupted write that Case Status never applied is sent again by the next sync', async () => {
    const link = [...stack.store.links.allMatters()].find((l) => l.status !== 'Closed' && l.stageId && l.stageName && l.matterId !== firstMatter)!;
    const matterId = link.matterId;
    const target = anotherStage(matterId);
    const before = changesOf(matterId).length;
    world.smokeball.control.changeMatterStage(matterId, target.id);
    // The request never reaches Case Status (the process died just before it left).
    const neverSent = new Proxy(stack.caseStatus, {
      get(t, prop, receiver) {
        if (prop === 'upsertCases') return () => Promise.reject(new Error('killed before the request left'));
        return Reflect.get(t, prop, receiver) as unknown;
      },
    });
    const dying = new SyncEngine({ smokeball: stack.smokeball, caseStatus: neverSent, store: stack.store });
    expect((await dying.refresh({ stageMatterIds: [matterId] })).outcome).toBe('failed');
    expect(world.caseStatus.control.cases().get(matterId)!.stage).toBe(link.stageName);

    // The nightly reconcile re-reads every matter: the case gets the stage Smokeball has, once.
    const next = new SyncEngine({ smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store });
    expect((await next.reconcile()).outcome).toBe('succeeded');
    expect(world.caseStatus.control.cases().get(matterId)!.stage).toBe(target.name);
    expect(
      changesOf(matterId)
        .slice(before)
        .map((c) => c.to),
    ).toEqual([target.name]);
    expect(stack.store.caseSends.inFlight()).toEqual([]);
  });
});
