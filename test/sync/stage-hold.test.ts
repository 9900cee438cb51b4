import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToWorld, startWorld, STAGES_MISSING_IN_CASE_STATUS, type World } from '../../src/testbed/world.js';
import type { SyncConfig } from '../../src/sync/index.js';
import { SyncEngine } from '../../src/sync/engine/engine.js';
import { tempDir } from '../helpers/tmp.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { HeldReleaseTimer } from '../../src/app/held-release.js';
import { silentLogger } from '../../src/sync/index.js';
import { clockWithWallTime } from '../../src/shared/clock.js';

/**
 * The stage-change hold and the mass-change guard against the simulators (real servers, real SQLite). Time is a
 * fake clock handed to the engine: a hold of minutes is crossed by moving the clock, not by waiting.
 */
const FAST = { faults: { latencyMs: 2, latencyJitterMs: 1 } };
let world: World;
let stack: Awaited<ReturnType<typeof connectToWorld>>;
let dir: ReturnType<typeof tempDir>;
let clock = Date.parse('2026-12-01T10:00:00Z');
const now = () => clock;
const MINUTE = 60_000;
/** Matters already moved by an earlier test: each test takes fresh ones, so the stage-change logs do not mix. */
const used = new Set<string>();

beforeAll(async () => {
  world = await startWorld({ matters: 420, seed: 11, smokeball: FAST, caseStatus: FAST });
  dir = tempDir('css-hold-');
  stack = await connectToWorld(world, { dataDir: dir.dir, clock: clockWithWallTime(now) });
  const run = await stack.engine.initialImport();
  if (run.outcome !== 'succeeded') throw new Error(`import failed: ${run.error}`);
}, 120_000);

afterAll(async () => {
  stack?.close();
  await world?.close();
  dir?.cleanup();
});

/** An engine on the same store and clients with its own trust settings (what a settings change rebuilds). */
function engineWith(config: Partial<SyncConfig>, engineNow = now): SyncEngine {
  return new SyncEngine({ smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store, config, clock: clockWithWallTime(engineNow) });
}

function otherStages(matterId: string): Array<{ id: string; name: string }> {
  const matter = world.smokeball.control.matter(matterId);
  const set = world.firm.stageSets.find((s) => s.id === world.firm.stageSetByMatterType[matter.matterTypeId]);
  const seen = new Set<string>([...(matter.stage ? [stageName(matterId)] : [])]);
  return (set?.stages ?? []).filter((s) => {
    if (s.isDeleted || STAGES_MISSING_IN_CASE_STATUS.includes(s.name) || seen.has(s.name)) return false;
    seen.add(s.name);
    return true;
  });
}

function stageName(matterId: string): string {
  return stack.store.links.matter(matterId)!.stageName ?? '';
}

/** Linked open matters with a stage and at least `n` other stages, not used by another test. */
function freshMatters(count: number, n = 1): string[] {
  const out = [...stack.store.links.allMatters()]
    .filter((l) => !used.has(l.matterId) && l.status !== 'Closed' && l.stageId && l.stageName && otherStages(l.matterId).length >= n)
    .slice(0, count)
    .map((l) => l.matterId);
  if (out.length < count) throw new Error(`only ${out.length} movable matters left`);
  for (const id of out) used.add(id);
  return out;
}

/** The matter history's stage entries after the import, oldest first: [cause, stage sent]. */
const stagesSent = (matterId: string) =>
  stack.store.history
    .timeline(matterId)
    .filter((e) => e.kind === 'stage_sent')
    .reverse()
    .map((e) => [e.cause, e.details.to]);

const changesOf = (matterId: string) => world.caseStatus.control.stageChanges().filter((c) => c.caseExternalId === matterId);

describe('stage-change hold', () => {
  it('a stage set and reverted within the hold sends nothing; the hold survives a new engine (restart)', async () => {
    const engine = engineWith({ stageHoldMinutes: 2 });
    const [matterId] = freshMatters(1);
    const original = stack.store.links.matter(matterId!)!;
    const before = changesOf(matterId!).length;
    const target = otherStages(matterId!)[0]!;

    world.smokeball.control.changeMatterStage(matterId!, target.id);
    await engine.refresh({ stageMatterIds: [matterId!] });
    const held = engine.heldChanges().find((c) => c.matterId === matterId);
    expect(held).toMatchObject({ kind: 'stage', reason: 'hold', stageName: target.name, fromStage: original.stageName, releaseAt: clock + 2 * MINUTE });
    // The same event again (a duplicate) neither sends nor restarts the hold.
    clock += 30_000;
    await engine.refresh({ stageMatterIds: [matterId!], matterIds: [matterId!] });
    expect(engine.heldChanges().find((c) => c.matterId === matterId)!.releaseAt).toBe(held!.releaseAt);

    // A restart: a new engine on the same SQLite file still holds it.
    const restarted = engineWith({ stageHoldMinutes: 2 });
    expect(restarted.heldChanges().map((c) => c.matterId)).toContain(matterId);
    world.smokeball.control.changeMatterStage(matterId!, original.stageId!);
    await restarted.refresh({ stageMatterIds: [matterId!] });
    expect(restarted.heldChanges().find((c) => c.matterId === matterId)).toBeUndefined();

    clock += 3 * MINUTE;
    await restarted.releaseDueHeld();
    expect(changesOf(matterId!).length - before).toBe(0);
    expect(world.caseStatus.control.cases().get(matterId!)!.stage).toBe(original.stageName);
    // The undone change moved the guard: the reverted stage's lastUpdated is the applied one now.
    expect(BigInt(stack.store.links.matter(matterId!)!.stageUpdated!)).toBe(world.smokeball.control.matter(matterId!).stage!.lastUpdated);
  });

  it('three changes within the hold send only the last, once, when the hold runs out (nightly reconcile included)', async () => {
    const engine = engineWith({ stageHoldMinutes: 2 });
    const [matterId] = freshMatters(1, 3);
    const before = changesOf(matterId!).length;
    const [a, b, c] = otherStages(matterId!);
    world.smokeball.control.changeMatterStage(matterId!, a!.id);
    await engine.refresh({ stageMatterIds: [matterId!] });
    clock += 40_000;
    world.smokeball.control.changeMatterStage(matterId!, b!.id);
    await engine.refresh({ matterIds: [matterId!] });
    clock += 40_000;
    world.smokeball.control.changeMatterStage(matterId!, c!.id);
    // The nightly reconcile sees the third change: it respects the hold too.
    const nightly = await engine.reconcile();
    expect(nightly.outcome).toBe('succeeded');
    expect(changesOf(matterId!).length - before).toBe(0);
    const held = engine.heldChanges().find((x) => x.matterId === matterId)!;
    expect(held.stageName).toBe(c!.name);
    expect(held.releaseAt).toBe(clock + 2 * MINUTE);

    clock += 1 * MINUTE;
    await engine.releaseDueHeld();
    expect(changesOf(matterId!).length - before).toBe(0); // not due yet
    expect(engine.nextHeldRelease()).toBe(held.releaseAt);
    clock += 1 * MINUTE;
    await engine.releaseDueHeld();
    expect(
      changesOf(matterId!)
        .slice(before)
        .map((x) => x.to),
    ).toEqual([c!.name]);
    expect(engine.heldChanges().find((x) => x.matterId === matterId)).toBeUndefined();
    // The matter's history says the hold released it, and only the stage the client saw.
    expect(stagesSent(matterId!)).toEqual([['held_release', c!.name]]);
    // Nothing is sent twice: another release and another reconcile change nothing.
    await engine.releaseDueHeld();
    await engine.refresh({ stageMatterIds: [matterId!] });
    expect(changesOf(matterId!).length - before).toBe(1);
  });

  it("Send now sends a held change at once; Don't send applies it without texting the client", async () => {
    const engine = engineWith({ stageHoldMinutes: 30 });
    const [sendNow, dontSend] = freshMatters(2);
    const beforeA = changesOf(sendNow!).length;
    const beforeB = changesOf(dontSend!).length;
    const ta = otherStages(sendNow!)[0]!;
    const tb = otherStages(dontSend!)[0]!;
    world.smokeball.control.changeMatterStage(sendNow!, ta.id);
    world.smokeball.control.changeMatterStage(dontSend!, tb.id);
    await engine.refresh({ stageMatterIds: [sendNow!, dontSend!] });
    expect(engine.heldChanges().map((c) => c.matterId)).toEqual(expect.arrayContaining([sendNow, dontSend]));

    await engine.sendHeldNow([sendNow!]);
    await engine.dontSendHeld([dontSend!]);
    expect(
      changesOf(sendNow!)
        .slice(beforeA)
        .map((c) => [c.to, c.notified]),
    ).toEqual([[ta.name, true]]);
    expect(
      changesOf(dontSend!)
        .slice(beforeB)
        .map((c) => [c.to, c.notified]),
    ).toEqual([[tb.name, false]]);
    expect(engine.heldChanges().filter((c) => c.matterId === sendNow || c.matterId === dontSend)).toEqual([]);
    // Applied: the next sync sees the case already at that stage and sends nothing.
    await engine.refresh({ stageMatterIds: [sendNow!, dontSend!] });
    expect(changesOf(sendNow!).length - beforeA).toBe(1);
    expect(changesOf(dontSend!).length - beforeB).toBe(1);
    expect(stagesSent(sendNow!)).toEqual([['held_sent', ta.name]]);
    expect(stagesSent(dontSend!)).toEqual([['held_silent', tb.name]]);
  });
});

describe('held release timer (the app side)', () => {
  it('sends a held change once its hold has run out, and not while the app may not send', async () => {
    const fake = new FakeClock(new Date(clock));
    const engine = engineWith({ stageHoldMinutes: 2 }, () => fake.now().getTime());
    const [matterId] = freshMatters(1);
    const before = changesOf(matterId!).length;
    const target = otherStages(matterId!)[0]!;
    world.smokeball.control.changeMatterStage(matterId!, target.id);
    await engine.refresh({ stageMatterIds: [matterId!] });
    let canSend = false;
    let changed = 0;
    const timer = new HeldReleaseTimer({
      stack: () => ({ ...stack, engine }),
      canSend: () => canSend,
      clock: fake,
      logger: silentLogger,
      everyMs: 10_000,
      changed: () => (changed += 1),
    });
    timer.start();
    try {
      await fake.advanceTo(new Date(fake.now().getTime() + 3 * 60_000));
      await timer.check();
      expect(changesOf(matterId!).length - before).toBe(0); // paused (or a standby): it stays held
      canSend = true;
      await fake.advanceTo(new Date(fake.now().getTime() + 10_000));
      await timer.check();
      expect(
        changesOf(matterId!)
          .slice(before)
          .map((c) => c.to),
      ).toEqual([target.name]);
      expect(changed).toBeGreaterThanOrEqual(1);
      expect(engine.heldChanges().find((c) => c.matterId === matterId)).toBeUndefined();
    } finally {
      timer.stop();
    }
  });
});

describe('mass-change guard', () => {
  it('a bulk move of 200 matters sends 25, holds 175 for confirmation, and confirming sends each exactly once', async () => {
    clock += 20 * MINUTE; // a fresh guard window
    const engine = engineWith({ stageHoldMinutes: 0, massChangeLimit: 25 });
    const matters = freshMatters(200);
    const before = world.caseStatus.control.stageChanges().length;
    const target = new Map(matters.map((id) => [id, otherStages(id)[0]!]));
    for (const id of matters) world.smokeball.control.changeMatterStage(id, target.get(id)!.id);

    const run = await engine.incremental();
    expect(run.outcome).toBe('succeeded');
    const sent = world.caseStatus.control.stageChanges().slice(before);
    expect(sent).toHaveLength(25);
    const awaiting = stack.store.held.awaitingConfirmation();
    expect(awaiting).toHaveLength(175);
    const item = stack.store.attention.open('mass_change_held', 10)[0]!;
    expect(item.reason).toMatch(/^Send 175 stage updates to clients\?/);
    expect(item.details.count).toBe(175);

    // Another sync inside the window sends none of them (they wait for a person) and asks no second question.
    await engine.incremental();
    expect(world.caseStatus.control.stageChanges().length - before).toBe(25);
    expect(stack.store.attention.open('mass_change_held', 10)).toHaveLength(1);

    await engine.answerHeld(true);
    const all = world.caseStatus.control.stageChanges().slice(before);
    expect(all).toHaveLength(200);
    const perMatter = new Map<string, string[]>();
    for (const c of all) perMatter.set(c.caseExternalId, [...(perMatter.get(c.caseExternalId) ?? []), c.to ?? '']);
    for (const id of matters) expect(perMatter.get(id)).toEqual([target.get(id)!.name]);
    expect(all.every((c) => c.notified)).toBe(true);
    expect(stack.store.held.awaitingConfirmation()).toHaveLength(0);
    expect(stack.store.attention.open('mass_change_held', 10)).toHaveLength(0);
    await engine.incremental();
    expect(world.caseStatus.control.stageChanges().length - before).toBe(200);
  });

  it('declining applies the held changes without texting, and closures count towards the limit', async () => {
    clock += 20 * MINUTE;
    const engine = engineWith({ stageHoldMinutes: 0, massChangeLimit: 3 });
    const movers = freshMatters(3);
    const closers = freshMatters(2);
    const before = world.caseStatus.control.stageChanges().length;
    for (const id of movers) world.smokeball.control.changeMatterStage(id, otherStages(id)[0]!.id);
    for (const id of closers) world.smokeball.control.closeMatter(id);
    await engine.incremental();
    const sentNow = world.caseStatus.control.stageChanges().length - before;
    const closedNow = closers.filter((id) => world.caseStatus.control.cases().get(id)!.status === 'closed').length;
    expect(sentNow + closedNow).toBe(3);
    const awaiting = stack.store.held.awaitingConfirmation();
    expect(awaiting).toHaveLength(2);

    await engine.answerHeld(false);
    expect(stack.store.held.awaitingConfirmation()).toHaveLength(0);
    for (const id of closers) expect(world.caseStatus.control.cases().get(id)!.status).toBe('closed');
    const changes = world.caseStatus.control.stageChanges().slice(before);
    expect(changes).toHaveLength(3);
    const texted = changes.filter((c) => c.notified).length;
    expect(texted).toBe(sentNow);
    for (const id of movers) expect(world.caseStatus.control.cases().get(id)!.stage).toBe(stack.store.links.matter(id)!.stageName);
  });
});
