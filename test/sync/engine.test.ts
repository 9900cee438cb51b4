import { afterEach, describe, expect, it } from 'vitest';
import { connectToWorld, startWorld, type World } from '../../src/testbed/world.js';
import type { SyncStack } from '../../src/sync/compose.js';
import { expectedCases } from '../helpers/firm-expectations.js';
import { tempDir } from '../helpers/tmp.js';

// Low latency keeps the suite quick; the benchmark runs with the realistic 150 ± 50 ms.
const FAST = { faults: { latencyMs: 5, latencyJitterMs: 3 } };

let world: World | undefined;
let stacks: SyncStack[] = [];
const dirs: Array<ReturnType<typeof tempDir>> = [];

afterEach(async () => {
  for (const s of stacks) s.close();
  stacks = [];
  await world?.close();
  world = undefined;
  for (const d of dirs.splice(0)) d.cleanup();
});

async function setup(
  matters: number,
  opts: Parameters<typeof startWorld>[0] extends infer O ? Partial<O> : never = {},
  connect: Parameters<typeof connectToWorld>[1] = {},
) {
  world = await startWorld({ matters, seed: 7, ...opts, smokeball: { ...FAST, ...opts.smokeball }, caseStatus: { ...FAST, ...opts.caseStatus } });
  const dir = tempDir();
  dirs.push(dir);
  const stack = await connectToWorld(world, { dataDir: dir.dir, ...connect });
  stacks.push(stack);
  return { world, stack, dataDir: dir.dir };
}

function assertCaseStatusMatchesFirm(w: World): void {
  const expected = expectedCases(w.firm);
  const cases = w.caseStatus.control.cases();
  expect(cases.size).toBe(expected.size);
  for (const [matterId, want] of expected) {
    const got = cases.get(matterId);
    expect(got, `case for matter ${matterId}`).toBeDefined();
    expect(got!.status).toBe(want.status);
    expect(got!.stage).toBe(want.stage);
    expect([...got!.clientExternalIds].sort()).toEqual([...want.clients].sort());
  }
  for (const id of new Set([...expected.values()].flatMap((c) => c.clients))) {
    expect(w.caseStatus.control.clients().has(id), `client ${id}`).toBe(true);
  }
}

function stageChangesPerCase(w: World): Map<string, number> {
  const n = new Map<string, number>();
  for (const c of w.caseStatus.control.stageChanges()) n.set(c.caseExternalId, (n.get(c.caseExternalId) ?? 0) + 1);
  return n;
}

describe('sync engine against the simulators', () => {
  it('imports every eligible matter exactly once with clients and mapped stages, using list endpoints', async () => {
    const { world, stack } = await setup(600);
    const run = await stack.engine.initialImport();
    expect(run.outcome).toBe('succeeded');
    assertCaseStatusMatchesFirm(world);
    expect(Math.max(...stageChangesPerCase(world).values())).toBe(1); // set once, at creation
    const requests = world.smokeball.stats.total;
    expect(requests).toBeLessThan(600 * 0.05);
    expect(world.smokeball.stats.throttled).toBe(0);
    expect(world.smokeball.stats.peakInWindow(1000)).toBeLessThanOrEqual(5);
    const progress = stack.engine.status.current.progress;
    expect(progress.cases).toEqual({
      done: run.counts.casesCreated + run.counts.casesUnchanged + run.counts.casesUpdated + run.counts.failed,
      total: progress.matters.total,
    });
    expect(progress.cases.done).toBe(world.caseStatus.control.cases().size);

    // A reconcile of an unchanged firm writes nothing and sends no stage change.
    const changesBefore = world.caseStatus.control.stageChanges().length;
    const csWritesBefore = [...world.caseStatus.stats.byEndpoint.entries()].filter(([k]) => k.startsWith('POST')).reduce((a, [, v]) => a + v.requests, 0);
    const again = await stack.engine.reconcile();
    expect(again.outcome).toBe('succeeded');
    expect(again.counts.casesCreated + again.counts.casesUpdated + again.counts.casesClosed + again.counts.clientsWritten).toBe(0);
    expect(world.caseStatus.control.stageChanges().length).toBe(changesBefore);
    const csWritesAfter = [...world.caseStatus.stats.byEndpoint.entries()].filter(([k]) => k.startsWith('POST')).reduce((a, [, v]) => a + v.requests, 0);
    expect(csWritesAfter).toBe(csWritesBefore);
  });

  it('lists unmapped stages and clients without a cell phone as items needing attention, and mapping clears them', async () => {
    const { world, stack } = await setup(300);
    await stack.engine.initialImport();
    const unmapped = stack.store.attention.open('unmapped_stage');
    expect(unmapped.length).toBeGreaterThan(0);
    expect(unmapped[0]!.reason).toContain('Awaiting Lien Resolution');
    const noPhone = stack.store.attention.open('client_without_cell_phone');
    const expectedNoPhone = new Set(
      [...expectedCases(world.firm).values()]
        .flatMap((c) => c.clients)
        .filter((id) => {
          const p = world.firm.contacts.find((c) => c.id === id)?.person;
          const digits = `${p?.cell?.areaCode ?? ''}${p?.cell?.number ?? ''}`.replace(/\D/g, '');
          // companies have no cell phone field at all: Case Status cannot text them either
          return !(digits.length === 10 || (digits.length === 11 && digits.startsWith('1')));
        }),
    );
    expect(new Set(noPhone.map((i) => i.subjectId))).toEqual(expectedNoPhone);

    // The firm maps the stage; the next reconcile applies it and resolves the item.
    stack.engine.config.stageMapping[unmapped[0]!.subjectId] = 'Negotiation';
    await stack.engine.reconcile();
    expect(stack.store.attention.open('unmapped_stage')).toHaveLength(0);
    const lienMatters = world.firm.matterStages.filter((s) => s.stageId === unmapped[0]!.subjectId).map((s) => s.matterId);
    const cases = world.caseStatus.control.cases();
    const affected = lienMatters.filter((id) => cases.has(id));
    expect(affected.length).toBeGreaterThan(0);
    for (const id of affected) expect(cases.get(id)!.stage).toBe('Negotiation');
  });

  it('follows stage changes and closures incrementally, and never sends an older stage', async () => {
    const { world, stack } = await setup(300);
    await stack.engine.initialImport();
    const links = [...stack.store.links.allMatters()].filter((l) => l.stageId);
    const [a, b] = links;
    const setOf = (matterId: string) => {
      const m = world.firm.matters.find((x) => x.id === matterId)!;
      return world.firm.stageSets.find((s) => s.id === world.firm.stageSetByMatterType[m.matterTypeId])!;
    };
    const target = setOf(a!.matterId).stages.find((s) => !s.isDeleted && s.id !== a!.stageId && s.name !== 'Awaiting Lien Resolution')!;
    world.smokeball.control.changeMatterStage(a!.matterId, target.id);
    world.smokeball.control.closeMatter(b!.matterId);
    await world.smokeball.control.whenIdle();
    const before = world.smokeball.stats.total;
    const run = await stack.engine.syncNow();
    expect(run.kind).toBe('incremental');
    expect(world.smokeball.stats.total - before).toBeLessThanOrEqual(4); // 3 UpdatedSince lists (+ one page at most)
    const cases = world.caseStatus.control.cases();
    expect(cases.get(a!.matterId)!.stage).toBe(target.name);
    expect(cases.get(b!.matterId)!.status).toBe('closed');

    // A late copy of the old stage (e.g. a delayed webhook) is dropped: no stage change is sent.
    const changes = world.caseStatus.control.stageChanges().length;
    const link = stack.store.links.matter(a!.matterId)!;
    const { applyChanges } = await import('../../src/sync/engine/incremental.js');
    const { RunContext } = await import('../../src/sync/engine/run-context.js');
    const { CaseWriter } = await import('../../src/sync/engine/case-writer.js');
    const { loadReferenceData } = await import('../../src/sync/engine/reference.js');
    const ref = await loadReferenceData(stack.smokeball, stack.caseStatus);
    const stale = {
      id: 'x',
      matter: { id: a!.matterId },
      stage: { id: a!.stageId!, name: 'stale' },
      lastUpdated: String(BigInt(link.stageUpdated!) - 10_000_000n),
    };
    await applyChanges(
      { sb: stack.smokeball, store: stack.store, config: stack.engine.config, writer: new CaseWriter(stack.caseStatus, stack.store, stack.engine.config) },
      ref,
      new RunContext(0, 'realtime'),
      { matters: [], stages: [stale], contacts: [] },
    );
    expect(world.caseStatus.control.stageChanges().length).toBe(changes);
    expect(world.caseStatus.control.cases().get(a!.matterId)!.stage).toBe(target.name);
  });

  it('refuses a reconcile that would close more than 10% of cases until confirmed', async () => {
    const { world, stack } = await setup(300);
    await stack.engine.initialImport();
    const open = [...stack.store.links.allMatters()];
    const toClose = open.slice(0, Math.ceil(open.length * 0.3));
    for (const l of toClose) world.smokeball.control.closeMatter(l.matterId);
    await world.smokeball.control.whenIdle();
    const blocked = await stack.engine.reconcile();
    expect(blocked.counts.casesClosed).toBe(0);
    expect(stack.store.attention.open('mass_closure_blocked')).toHaveLength(1);
    expect([...world.caseStatus.control.cases().values()].filter((c) => c.status === 'closed')).toHaveLength(0);
    const confirmed = await stack.engine.reconcile({ confirmMassClosure: true });
    expect(confirmed.counts.casesClosed).toBe(toClose.length);
    expect(stack.store.attention.open('mass_closure_blocked')).toHaveLength(0);
    for (const l of toClose) expect(world.caseStatus.control.cases().get(l.matterId)!.status).toBe('closed');
  });

  it('drops the mass-closure question once real time has closed every case it listed', async () => {
    const { world, stack } = await setup(120, {}, { sync: { massChangeLimit: 1_000 } });
    await stack.engine.initialImport();
    const toClose = [...stack.store.links.allMatters()].slice(0, 20);
    for (const l of toClose) world.smokeball.control.closeMatter(l.matterId);
    await world.smokeball.control.whenIdle();
    expect((await stack.engine.reconcile()).counts.casesClosed).toBe(0);
    expect(stack.store.attention.open('mass_closure_blocked')).toHaveLength(1);
    // Real time closes all but one: the question still stands for that one.
    await stack.engine.refreshMatters(toClose.slice(1).map((l) => l.matterId));
    expect(stack.store.attention.open('mass_closure_blocked')).toHaveLength(1);
    await stack.engine.refreshMatters([toClose[0]!.matterId]);
    expect(stack.store.attention.open('mass_closure_blocked')).toHaveLength(0);
    for (const l of toClose) expect(world.caseStatus.control.cases().get(l.matterId)!.status).toBe('closed');
  });

  it('refreshes an expired token once for all in-flight calls and carries on', async () => {
    const { world, stack } = await setup(1200, { smokeball: { faults: { latencyMs: 40, latencyJitterMs: 10 } } });
    const run = stack.engine.initialImport();
    await new Promise<void>((resolve) => {
      const check = () => (world.smokeball.stats.total >= 4 ? resolve() : setTimeout(check, 20));
      check();
    });
    world.smokeball.control.expireAccessTokens();
    const result = await run;
    expect(result.outcome).toBe('succeeded');
    expect(stack.tokens.refreshCount).toBe(1);
    expect([...world.smokeball.stats.byEndpoint.values()].reduce((a, c) => a + c.requests, 0)).toBe(world.smokeball.stats.total);
    assertCaseStatusMatchesFirm(world);
  });

  it('converges through a 429 storm, 5xx and connection resets on both sides', async () => {
    const { world, stack } = await setup(
      1200,
      {
        smokeball: { rateLimit: { ratePerSecond: 2, burst: 2 }, faults: { latencyMs: 5, latencyJitterMs: 3, serverErrorRate: 0.1, resetRate: 0.1 } },
        caseStatus: { faults: { latencyMs: 5, latencyJitterMs: 3, serverErrorRate: 0.1, resetRate: 0.1 } },
      },
      { ratePerSecond: 10, burst: 5 }, // the client believes it may do 10/s: the server says otherwise
    );
    const run = await stack.engine.initialImport();
    expect(run.error).toBeUndefined();
    expect(run.outcome).toBe('succeeded');
    expect(world.smokeball.stats.throttled).toBeGreaterThan(0);
    expect(stack.smokeballGate.metrics.throttled).toBe(world.smokeball.stats.throttled);
    // List endpoints make this import only ~14 Smokeball requests; with Case Status's ~30, faults certainly hit.
    const injected = (f: { serverError: number; reset: number }) => f.serverError + f.reset;
    expect(injected(world.smokeball.faults.injected) + injected(world.caseStatus.faults.injected)).toBeGreaterThan(2);
    assertCaseStatusMatchesFirm(world);
    expect(Math.max(...stageChangesPerCase(world).values())).toBe(1);
  });
});
