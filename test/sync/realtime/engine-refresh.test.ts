import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { movableMatters, otherStages, setupHarness, sleep, stageChangesOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const requestsTo = (h: Harness, route: string) => h.world.smokeball.stats.byEndpoint.get(route)?.requests ?? 0;

describe('engine refresh (the real-time entry point)', () => {
  it('refreshMatters re-reads the matter and its stage, applies a new stage once, and a repeat changes nothing', async () => {
    h = await setupHarness(150);
    const [matterId] = movableMatters(h);
    const target = otherStages(h.world, matterId!)[0]!;
    h.world.smokeball.control.changeMatterStage(matterId!, target.id);
    const matterGets = requestsTo(h, 'GET /matters/{id}');
    const stageGets = requestsTo(h, 'GET /matters/{id}/stages');
    const before = stageChangesOf(h.world, matterId!).length;

    const run = await h.stack.engine.refreshMatters([matterId!]);
    expect(run.kind).toBe('realtime');
    expect(run.outcome).toBe('succeeded');
    expect(requestsTo(h, 'GET /matters/{id}') - matterGets).toBe(1);
    expect(requestsTo(h, 'GET /matters/{id}/stages') - stageGets).toBe(1);
    expect(h.world.caseStatus.control.cases().get(matterId!)!.stage).toBe(target.name);
    expect(h.stack.store.links.matter(matterId!)!.stageId).toBe(target.id);

    // A duplicate event: the same state read again sends nothing to Case Status.
    const csPosts = h.world.caseStatus.stats.total;
    await h.stack.engine.refresh({ matterIds: [matterId!], stageMatterIds: [matterId!] });
    expect(stageChangesOf(h.world, matterId!).length - before).toBe(1);
    expect(h.world.caseStatus.stats.total - csPosts).toBe(0);
  });

  it('a stage-only refresh reads just the MatterStage and never moves a case back to an older stage', async () => {
    h = await setupHarness(150);
    const [matterId] = movableMatters(h, 2);
    const [first, second] = otherStages(h.world, matterId!);
    h.world.smokeball.control.changeMatterStage(matterId!, first!.id);
    await h.stack.engine.refresh({ stageMatterIds: [matterId!] });
    h.world.smokeball.control.changeMatterStage(matterId!, second!.id);
    const matterGets = requestsTo(h, 'GET /matters/{id}');
    await h.stack.engine.refresh({ stageMatterIds: [matterId!] });
    expect(requestsTo(h, 'GET /matters/{id}')).toBe(matterGets);
    expect(h.world.caseStatus.control.cases().get(matterId!)!.stage).toBe(second!.name);

    // The applied stage is newer than anything an old event could bring back: the stored guard holds.
    const link = h.stack.store.links.matter(matterId!)!;
    expect(BigInt(link.stageUpdated!)).toBe(h.world.smokeball.control.matter(matterId!).stage!.lastUpdated);
    const changes = stageChangesOf(h.world, matterId!).map((c) => c.to);
    expect(changes.slice(-2)).toEqual([first!.name, second!.name]);
  });

  it('queues refreshes asked for during a reconcile and runs them after it; a reconcile asked for during a refresh still runs', async () => {
    h = await setupHarness(400);
    const [a, b] = movableMatters(h);
    h.world.smokeball.control.setFaults({ latencyMs: 120, latencyJitterMs: 0 });
    const reconcile = h.stack.engine.reconcile();
    await sleep(100);
    const r1 = h.stack.engine.refresh({ stageMatterIds: [a!] });
    const r2 = h.stack.engine.refresh({ stageMatterIds: [b!] });
    expect(r2).toBe(r1); // both wait together and run as one refresh
    const [rec, rt] = await Promise.all([reconcile, r1]);
    expect(rec.kind).toBe('reconcile');
    expect(rt.kind).toBe('realtime');
    const runs = h.stack.store.runs.recent(5);
    const recRun = runs.find((r) => r.id === rec.runId)!;
    const rtRun = runs.find((r) => r.id === rt.runId)!;
    expect(rtRun.startedAt >= recRun.finishedAt!).toBe(true);
    expect(rtRun.stats.smokeballRequests).toBe(2); // one MatterStage read per matter

    // The other way round: a reconcile asked for while a refresh runs is not answered with the refresh's result.
    const refresh = h.stack.engine.refresh({ matterIds: [a!] });
    const again = await h.stack.engine.reconcile();
    expect(again.kind).toBe('reconcile');
    expect((await refresh).kind).toBe('realtime');
  });

  it('checks matter ids named by events that it has no case for with one list request: made-up ids cost no reads', async () => {
    h = await setupHarness(60);
    const model = h.world.smokeball.control.matter(movableMatters(h)[0]!);
    const newId = h.world.smokeball.control.createMatter({ matterTypeId: model.matterTypeId, clientIds: [...model.clientIds], stageId: model.stage?.stageId });
    const madeUp = Array.from({ length: 100 }, () => randomUUID());
    const [total, lists, reads] = [h.world.smokeball.stats.total, requestsTo(h, 'GET /matters'), requestsTo(h, 'GET /matters/{id}')];

    const run = await h.stack.engine.refresh({ matterIds: [...madeUp.slice(0, 50), newId], stageMatterIds: madeUp.slice(50), fromEvents: true });
    expect(run.outcome).toBe('succeeded');
    expect(requestsTo(h, 'GET /matters') - lists).toBe(1);
    expect(requestsTo(h, 'GET /matters/{id}') - reads).toBe(0);
    expect(h.world.smokeball.stats.total - total).toBe(2); // the list, and the new matter's stage
    expect(h.world.caseStatus.control.cases().has(newId)).toBe(true); // the real one among them is created
    expect(madeUp.some((id) => h!.world.caseStatus.control.cases().has(id))).toBe(false);

    // Retry on an item (not from events) reads its matter directly, whenever it last changed.
    const retried = await h.stack.engine.refreshMatters([madeUp[0]!]);
    expect(retried.outcome).toBe('succeeded');
    expect(requestsTo(h, 'GET /matters/{id}') - reads).toBe(1);
  });

  it('a contact refresh updates the Case Status client of a linked matter', async () => {
    h = await setupHarness(150);
    const link = [...h.stack.store.links.allMatters()].find((l) => l.clientIds.length > 0 && h!.world.caseStatus.control.clients().has(l.clientIds[0]!))!;
    const contactId = link.clientIds[0]!;
    const contact = h.world.firm.contacts.find((c) => c.id === contactId)!;
    if (contact.person) h.world.smokeball.control.updateContact(contactId, { person: { ...contact.person, firstName: 'Renamed' } });
    else h.world.smokeball.control.updateContact(contactId, { company: { ...contact.company!, name: 'Renamed Pty Ltd' } });
    const batchReads = requestsTo(h, 'POST /contacts/batch');
    const run = await h.stack.engine.refresh({ contactIds: [contactId] });
    expect(run.counts.clientsWritten).toBe(1);
    expect(requestsTo(h, 'POST /contacts/batch') - batchReads).toBe(1);
    const client = h.world.caseStatus.control.clients().get(contactId)!;
    expect(JSON.stringify(client)).toContain('Renamed');
  });
});
