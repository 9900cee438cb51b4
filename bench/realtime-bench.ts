/**
 * Real-time benchmark: a stage change made in the Smokeball simulator → webhook → relay → RealtimeSync →
 * engine → the Case Status simulator shows the new stage. Realistic latency (Smokeball 150 ± 50 ms, Case
 * Status 60 ± 20 ms, as startWorld sets), Smokeball at 5 requests/s.
 *
 * Two phases of 200 changes each (random matters, 150–300 ms apart, each to a different valid stage; one in
 * five follows up on the matter changed just before, so changes to one matter race each other):
 *   1. clean webhook delivery;
 *   2. duplicateRate 0.3 + reorderRate 0.3 (held back up to 1 s): must show zero regressions (a stage older
 *      than the current one sent again) and zero duplicate stage changes.
 * Prints p50/p95/max latency, Smokeball requests per event, 429s, and the guard counters. Both phases run with
 * the stage-change hold at 0 (the default) and the mass-change guard lifted (it would hold their 200 deliberate
 * changes for a person).
 *   3. The hold's effect: the hold set to 2 minutes (the engine's clock is moved, not waited for), 60 matters
 *      changed through the same webhook → relay → app path: a third set a stage and put it back, a third make
 *      three changes, a third one. Prints changes made vs stage changes sent, which must be exactly one per
 *      matter whose stage really moved.
 *
 *   npm run bench:realtime
 *   npm run bench:realtime -- --changes 50 --matters 300
 */
import { createRng } from '../src/sim/common/random.js';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelayServer } from '../src/relay/index.js';
import { connectToWorld, startWorld, STAGES_MISSING_IN_CASE_STATUS, type World } from '../src/testbed/world.js';
import { RealtimeSync } from '../src/sync/realtime/index.js';
import { sleep } from '../src/shared/async.js';
import { clockWithWallTime } from '../src/shared/clock.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
};
const MATTERS = arg('matters', 300);
const CHANGES = arg('changes', 200);
const SEED = arg('seed', 42);

interface Change {
  to: string;
  startedAt: number;
}

/** The changes made to one matter, in order, and how far Case Status has shown them. */
interface MatterTrack {
  issued: Change[];
  shownIdx: number;
}

interface PhaseResult {
  name: string;
  changes: number;
  shown: number;
  /** Overtaken by a later change to the same matter before Case Status showed them (coalesced: correct). */
  superseded: number;
  p50: number;
  p95: number;
  max: number;
  sbRequests: number;
  perEvent: number;
  throttled: number;
  regressions: number;
  duplicates: number;
  deliveries: number;
  duplicateDeliveries: number;
  heldBack: number;
  relayEventsRead: number;
  staleHintsDropped: number;
  refreshes: number;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Stages of the matter's set that Case Status knows (distinct names), other than `currentName`. */
function candidateStages(world: World, matterId: string, currentName: string | null): Array<{ id: string; name: string }> {
  const matter = world.smokeball.control.matter(matterId);
  const set = world.firm.stageSets.find((s) => s.id === world.firm.stageSetByMatterType[matter.matterTypeId]);
  return (set?.stages ?? []).filter((s) => !s.isDeleted && s.name !== currentName && !STAGES_MISSING_IN_CASE_STATUS.includes(s.name));
}

/** Share of changes that follow up on the matter changed just before (150–300 ms earlier): races on one matter. */
const FOLLOW_UP_RATE = 0.2;

async function phase(name: string, world: World, rt: RealtimeSync, matterIds: string[], random: () => number): Promise<PhaseResult> {
  const cs = world.caseStatus.control;
  const sbBefore = world.smokeball.stats.total;
  const throttledBefore = world.smokeball.stats.throttled;
  const deliveriesBefore = world.smokeball.control.deliveries().length;
  const m0 = { ...rt.metrics };
  let seen = cs.stageChanges().length;
  const tracks = new Map<string, MatterTrack>();
  const latencies: number[] = [];
  let superseded = 0;
  let regressions = 0;
  let duplicates = 0;

  // Watches Case Status. A new stage change must show the newest pending change of its matter (or one that
  // is newer than the last shown); anything else is a duplicate (the stage shown last, again) or a regression.
  const watch = () => {
    const all = cs.stageChanges();
    const now = performance.now();
    for (const c of all.slice(seen)) {
      const t = tracks.get(c.caseExternalId);
      if (!t) {
        regressions += 1; // a case we did not touch in this phase changed stage
        continue;
      }
      let k = -1;
      for (let i = t.issued.length - 1; i > t.shownIdx; i--) {
        if (t.issued[i]!.to === c.to) {
          k = i;
          break;
        }
      }
      if (k >= 0) {
        superseded += k - t.shownIdx - 1;
        latencies.push(now - t.issued[k]!.startedAt);
        t.shownIdx = k;
      } else if (t.shownIdx >= 0 && t.issued[t.shownIdx]!.to === c.to) {
        duplicates += 1;
      } else {
        regressions += 1; // an older stage (or one never asked for) sent after a newer one
      }
    }
    seen = all.length;
  };
  const watcher = setInterval(watch, 5);
  const pendingCount = () => [...tracks.values()].filter((t) => t.shownIdx < t.issued.length - 1).length;

  let previous: string | undefined;
  for (let i = 0; i < CHANGES; i++) {
    const matterId = previous && random() < FOLLOW_UP_RATE ? previous : matterIds[Math.floor(random() * matterIds.length)]!;
    const track = tracks.get(matterId) ?? { issued: [], shownIdx: -1 };
    tracks.set(matterId, track);
    // A stage different from the one shown now and from the recent targets, so every change is visible.
    const avoid = new Set([cs.cases().get(matterId)?.stage ?? '', ...track.issued.slice(-3).map((c) => c.to)]);
    const stages = candidateStages(world, matterId, null).filter((s) => !avoid.has(s.name));
    if (stages.length === 0) {
      i -= 1;
      previous = undefined;
      continue;
    }
    const stage = stages[Math.floor(random() * stages.length)]!;
    track.issued.push({ to: stage.name, startedAt: performance.now() });
    world.smokeball.control.changeMatterStage(matterId, stage.id);
    previous = matterId;
    await sleep(150 + random() * 150);
  }
  const deadline = Date.now() + 60_000;
  while (pendingCount() > 0 && Date.now() < deadline) await sleep(20);
  // Let late (held-back, duplicated) deliveries arrive and be processed before counting.
  await world.smokeball.control.whenIdle();
  await sleep(2_000);
  clearInterval(watcher);
  watch();

  latencies.sort((a, b) => a - b);
  const deliveries = world.smokeball.control.deliveries().slice(deliveriesBefore);
  const sbRequests = world.smokeball.stats.total - sbBefore;
  return {
    name,
    changes: CHANGES,
    shown: latencies.length,
    superseded,
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    max: latencies.at(-1) ?? NaN,
    sbRequests,
    perEvent: sbRequests / CHANGES,
    throttled: world.smokeball.stats.throttled - throttledBefore,
    regressions: regressions + pendingCount(), // a change never shown counts as a failure too
    duplicates,
    deliveries: deliveries.filter((d) => d.outcome === 'delivered').length,
    duplicateDeliveries: deliveries.filter((d) => d.duplicate && d.outcome === 'delivered').length,
    heldBack: deliveries.filter((d) => d.heldBack && d.outcome === 'delivered').length,
    relayEventsRead: rt.metrics.received - m0.received,
    staleHintsDropped: rt.metrics.staleHints - m0.staleHints,
    refreshes: rt.metrics.refreshes - m0.refreshes,
  };
}

interface HoldResult {
  matters: number;
  made: number;
  reverted: number;
  triple: number;
  heldPeak: number;
  sentBeforeRelease: number;
  sent: number;
  expected: number;
}

/**
 * The hold's effect through the real path (webhook → relay → RealtimeSync → engine): with a 2-minute hold, changes
 * collect; once every event is applied the engine's clock is moved past the hold and the due changes are sent.
 */
async function holdPhase(
  world: World,
  stack: Awaited<ReturnType<typeof connectToWorld>>,
  matterIds: string[],
  random: () => number,
  advanceClock: (ms: number) => void,
): Promise<HoldResult> {
  const cs = world.caseStatus.control;
  const chosen = matterIds.slice(0, 60);
  stack.engine.config.stageHoldMinutes = 2;
  const before = cs.stageChanges().length;
  const initial = new Map(chosen.map((id) => [id, cs.cases().get(id)?.stage ?? null]));
  let made = 0;
  let reverted = 0;
  let triple = 0;
  chosen.forEach((id, i) => {
    const start = world.smokeball.control.matter(id).stage?.stageId;
    const options = candidateStages(world, id, initial.get(id) ?? null);
    const names = new Set<string>();
    const distinct = options.filter((s) => !names.has(s.name) && names.add(s.name));
    const plan =
      i % 3 === 0 && start
        ? [distinct[0]!.id, start]
        : i % 3 === 1
          ? distinct.slice(0, 3).map((s) => s.id)
          : [distinct[Math.floor(random() * distinct.length)]!.id];
    if (i % 3 === 0 && start) reverted += 1;
    if (i % 3 === 1) triple += 1;
    for (const stageId of plan) {
      world.smokeball.control.changeMatterStage(id, stageId);
      made += 1;
    }
  });
  await world.smokeball.control.whenIdle();
  // Every event applied: each matter's newest Smokeball stage is either held or already the applied one.
  const applied = (id: string) => {
    const ticks = String(world.smokeball.control.matter(id).stage?.lastUpdated ?? '');
    const held = stack.store.held.get(id);
    return held?.stageUpdated === ticks || (stack.store.links.matter(id)?.stageUpdated === ticks && held === undefined);
  };
  let heldPeak = 0;
  const deadline = Date.now() + 120_000;
  while (!chosen.every(applied) && Date.now() < deadline) {
    heldPeak = Math.max(heldPeak, stack.engine.heldChanges().length);
    await sleep(50);
  }
  heldPeak = Math.max(heldPeak, stack.engine.heldChanges().length);
  const sentBeforeRelease = cs.stageChanges().length - before;
  advanceClock(3 * 60_000);
  await stack.engine.releaseDueHeld();
  stack.engine.config.stageHoldMinutes = 0;
  // What Smokeball shows now (stage names are the same on both sides here): a text is due only where it moved.
  const finalName = (id: string) => {
    const stageId = world.smokeball.control.matter(id).stage?.stageId;
    return candidateStages(world, id, null).find((s) => s.id === stageId)?.name ?? null;
  };
  const expected = chosen.filter((id) => finalName(id) !== initial.get(id)).length;
  return { matters: chosen.length, made, reverted, triple, heldPeak, sentBeforeRelease, sent: cs.stageChanges().length - before, expected };
}

async function main(): Promise<void> {
  const random = createRng(SEED); // deterministic: a run repeats its choice of matters, stages and gaps
  const dataDir = mkdtempSync(join(tmpdir(), 'css-rt-bench-'));
  const world = await startWorld({ matters: MATTERS, seed: SEED });
  // The engine's clock: real time plus what the hold phase moves it on by.
  let clockOffsetMs = 0;
  const stack = await connectToWorld(world, {
    dataDir,
    clock: clockWithWallTime(() => Date.now() + clockOffsetMs),
    sync: { stageHoldMinutes: 0, massChangeLimit: 1_000_000 },
  });
  const relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: world.smokeball.options.clientId });
  let rt: RealtimeSync | undefined;
  try {
    const imported = await stack.engine.initialImport();
    if (imported.outcome !== 'succeeded') throw new Error(`import failed: ${imported.error}`);
    const firm = await relay.admin.createFirm({ name: 'Bench firm' });
    rt = new RealtimeSync({ relayUrl: relay.url, relayToken: firm.token, engine: stack.engine, smokeball: stack.smokeball, store: stack.store });
    await rt.start();
    while (rt.status.state !== 'live') await sleep(10);
    const matterIds = [...stack.store.links.allMatters()]
      .filter((l) => l.status !== 'Closed' && l.stageId && candidateStages(world, l.matterId, null).length >= 5)
      .map((l) => l.matterId);
    console.log(
      `Real-time benchmark: ${MATTERS} matters (${matterIds.length} linked with stages), ${CHANGES} stage changes per phase, Smokeball 5 req/s, latency 150±50 ms (Case Status 60±20 ms)`,
    );

    const clean = await phase('clean delivery', world, rt, matterIds, random);
    world.smokeball.control.setWebhookFaults({ duplicateRate: 0.3, reorderRate: 0.3 });
    const faulty = await phase('dup 0.3 + reorder 0.3', world, rt, matterIds, random);

    world.smokeball.control.setWebhookFaults({ duplicateRate: 0, reorderRate: 0 });
    const hold = await holdPhase(world, stack, matterIds, random, (ms) => (clockOffsetMs += ms));

    const rows = [clean, faulty];
    const fmt = (n: number) => (Number.isNaN(n) ? '—' : `${Math.round(n)}`);
    console.log('');
    console.log('| phase | shown (+superseded) | p50 ms | p95 ms | max ms | Smokeball req | req/event | 429s | regressions | duplicate stage changes |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${r.shown} (+${r.superseded}) / ${r.changes} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.max)} | ${r.sbRequests} | ${r.perEvent.toFixed(2)} | ${r.throttled} | ${r.regressions} | ${r.duplicates} |`,
      );
    }
    console.log('');
    for (const r of rows) {
      console.log(
        `${r.name}: webhooks delivered ${r.deliveries} (duplicates ${r.duplicateDeliveries}, held back ${r.heldBack}); relay events read ${r.relayEventsRead}; stale hints dropped without a request ${r.staleHintsDropped}; engine refreshes ${r.refreshes}`,
      );
    }
    console.log(
      `hold 2 min: ${hold.made} stage changes made on ${hold.matters} matters (${hold.reverted} set and put back, ${hold.triple} changed three times); ` +
        `held (most at once): ${hold.heldPeak}; sent to Case Status: ${hold.sent} (matters whose stage really moved: ${hold.expected}); clients spared ${hold.made - hold.sent} texts`,
    );
    const holdOk = hold.sent === hold.expected && hold.sentBeforeRelease === 0;
    const ok = rows.every((r) => r.shown + r.superseded === r.changes && r.regressions === 0 && r.duplicates === 0) && clean.p95 < 2000 && holdOk;
    console.log(
      `\n${ok ? 'PASS' : 'FAIL'}: p95 < 2 s with hold 0, every change shown, zero regressions, zero duplicate stage changes; with a hold, one text per matter that really moved`,
    );
    console.log(JSON.stringify({ matters: MATTERS, changes: CHANGES, phases: rows, hold }));
    process.exitCode = ok ? 0 : 1;
  } finally {
    await rt?.stop();
    await relay.close();
    stack.close();
    await world.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
