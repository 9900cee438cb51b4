import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToWorld, startWorld, type World } from '../../src/testbed/world.js';
import type { SyncStack } from '../../src/sync/compose.js';
import { previewSync } from '../../src/sync/preview/index.js';
import type { SyncPreview } from '../../src/contract/preview.js';
import type { RequestStats } from '../../src/sim/common/request-stats.js';
import { formatPreview } from '../../src/cli/preview.js';
import { tempDir } from '../helpers/tmp.js';

// Low latency keeps the suite quick; the numbers do not depend on it.
const FAST = { faults: { latencyMs: 5, latencyJitterMs: 3 } };

/** Requests that change something. POST /contacts/batch is Smokeball's read of contacts by id. */
function writes(stats: RequestStats): string[] {
  return stats.log.filter((e) => e.method !== 'GET' && !(e.method === 'POST' && e.route === '/contacts/batch')).map((e) => `${e.method} ${e.route}`);
}

function rowsChanged(stack: SyncStack): number {
  return (stack.store.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
}

let world: World;
let stack: SyncStack & { dataDir: string };
const dir = tempDir();
let unmappedType: string;

beforeAll(async () => {
  world = await startWorld({ matters: 300, seed: 11, smokeball: FAST, caseStatus: FAST });
  // One matter type the firm has not given a practice area: its matters cannot be synced.
  // (not the type whose stage set has the stage Case Status lacks: that one must stay synced, without a stage).
  const lacking = new Set(world.firm.stageSets.filter((s) => s.stages.some((st) => st.name === 'Awaiting Lien Resolution')).map((s) => s.id));
  unmappedType = world.firm.matterTypes.find((t) => t.type === 0 && !lacking.has(world.firm.stageSetByMatterType[t.id] ?? ''))!.name;
  stack = await connectToWorld(world, { dataDir: dir.dir, sync: { practiceAreaMapping: { [unmappedType]: 'No such practice area' } } });
});

afterAll(async () => {
  stack?.close();
  await world?.close();
  dir.cleanup();
});

async function previewWithoutWrites(): Promise<SyncPreview> {
  const sbLogged = world.smokeball.stats.log.length;
  const csLogged = world.caseStatus.stats.log.length;
  const changedBefore = rowsChanged(stack);
  const preview = await previewSync({ smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store, config: stack.engine.config });
  const sbNew = { log: world.smokeball.stats.log.slice(sbLogged) } as RequestStats;
  const csNew = { log: world.caseStatus.stats.log.slice(csLogged) } as RequestStats;
  expect(writes(sbNew), 'Smokeball writes during the preview').toEqual([]);
  expect(writes(csNew), 'Case Status writes during the preview').toEqual([]);
  expect(rowsChanged(stack), 'rows the preview changed in the local state').toBe(changedBefore);
  expect(preview.requests.smokeball).toBe(sbNew.log.length);
  return preview;
}

describe('the dry-run preview against the simulators', () => {
  it('writes nothing, costs no more than the import, and its numbers are what the import then does', async () => {
    const preview = await previewWithoutWrites();
    expect(preview.firstImport).toBe(true);
    expect(preview.cases.create).toBeGreaterThan(100);
    expect(preview.notSynced.find((n) => n.reason === 'type_not_mapped')).toMatchObject({ detail: unmappedType });

    const sbBefore = world.smokeball.stats.log.length;
    const run = await stack.engine.initialImport();
    const importRequests = world.smokeball.stats.log.length - sbBefore;
    // The import's list pages, plus one `Limit=1` count per status not synced (3), minus the staff list it skips.
    const statusCounts = preview.statuses.filter((s) => !s.selected).length;
    console.log(`preview: ${preview.requests.smokeball} Smokeball requests, import: ${importRequests}, status counts: ${statusCounts}`);
    expect(preview.requests.smokeball).toBeLessThanOrEqual(importRequests + statusCounts - 1);

    const cases = world.caseStatus.control.cases();
    const clients = world.caseStatus.control.clients();
    expect(preview.cases.create).toBe(cases.size);
    expect(preview.cases.create).toBe(run.counts.casesCreated);
    expect(preview.clients.create).toBe(clients.size);
    const notMapped = preview.notSynced.find((n) => n.reason === 'type_not_mapped')!.count;
    expect(notMapped).toBeGreaterThan(0);
    expect(notMapped).toBe(run.counts.failed);
    // Every listed eligible matter is either a case now or one of the ones said not to sync.
    const eligibleListed = world.firm.matters.filter((m) => !m.isLead && (m.status === 'Open' || m.status === 'Pending')).length;
    expect(cases.size + notMapped).toBe(eligibleListed);
    expect(preview.notSynced.find((n) => n.reason === 'status_filtered_out')!.count).toBe(
      world.firm.matters.filter((m) => m.status !== 'Open' && m.status !== 'Pending').length,
    );
    // Step 4: one count per status, synced or not, each what Smokeball holds.
    expect(preview.statuses.map((s) => s.status)).toEqual(['Open', 'Pending', 'Closed', 'Deleted', 'Cancelled']);
    for (const s of preview.statuses) {
      expect(s.matters, s.status).toBe(world.firm.matters.filter((m) => !m.isLead && m.status === s.status).length);
      expect(s.selected, s.status).toBe(s.status === 'Open' || s.status === 'Pending');
    }
    expect(preview.statuses.filter((s) => !s.selected && s.matters > 0).length).toBeGreaterThan(1);
    // Texted: the textable clients of every new case (each new case is a stage change from nothing, or a welcome).
    const texted = new Set([...cases.values()].flatMap((c) => c.clientExternalIds).filter((id) => clients.get(id)?.textable));
    expect(preview.clientsTexted).toBe(texted.size);
    const untextable = [...clients.values()].filter((c) => !c.textable).length;
    expect(preview.notTextableClients.length).toBe(untextable);
    expect(preview.notTextable.reduce((a, g) => a + g.count, 0)).toBe(untextable);
    expect(preview.stageNotMapped).toBe(
      [...cases.values()].filter((c) => c.stage === null && preview.matters.find((m) => m.matterId === c.externalId)?.reason === 'stage_not_mapped').length,
    );
    expect(preview.stageNotMapped).toBeGreaterThan(0);
    // Step 5: the stage Case Status lacks comes first, unmapped.
    expect(preview.stages[0]).toMatchObject({ name: 'Awaiting Lien Resolution', unmapped: true });
    // `cli preview` prints these same numbers.
    const printed = formatPreview(preview);
    expect(printed).toContain(`Cases: ${preview.cases.create} to create, 0 to update, 0 to close`);
    expect(printed).toContain(`Clients: ${preview.clients.create} to create`);
    expect(printed).toContain(`Clients Case Status will text: ${preview.clientsTexted} `);
    expect(printed).toContain(`Matter type has no Case Status practice area: ${notMapped} (${unmappedType})`);
    expect(preview.stages.filter((s) => !s.unmapped).every((s) => s.suggested === s.mappedTo && s.mappedTo !== null)).toBe(true);
  });

  it('after the import, previews the stage change and the closure the reconcile then makes', async () => {
    const linked = [...world.caseStatus.control.cases().values()];
    const moved = linked.find((c) => c.stage !== null)!;
    const closed = linked.find((c) => c.externalId !== moved.externalId)!;
    const stageSet = world.firm.stageSets.find((s) => s.stages.some((st) => st.name === moved.stage))!;
    const other = stageSet.stages.find((st) => st.name !== moved.stage && st.name !== 'Awaiting Lien Resolution')!;
    world.smokeball.control.changeMatterStage(moved.externalId, other.id);
    world.smokeball.control.closeMatter(closed.externalId);

    const preview = await previewWithoutWrites();
    expect(preview.firstImport).toBe(false);
    expect(preview.cases).toMatchObject({ create: 0, update: 1, close: 1, closeNeedsConfirmation: false });
    expect(preview.closures.map((c) => c.matterId)).toEqual([closed.externalId]);
    expect(preview.stageChanges).toBe(1);

    const changesBefore = world.caseStatus.control.stageChanges().length;
    const run = await stack.engine.reconcile();
    expect(run.counts).toMatchObject({ casesCreated: 0, casesUpdated: preview.cases.update, casesClosed: preview.cases.close });
    expect(world.caseStatus.control.stageChanges().length - changesBefore).toBe(preview.stageChanges);
  });
});
