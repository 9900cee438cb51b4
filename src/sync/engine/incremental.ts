import type { StateStore } from '../../store/index.js';
import type { SyncConfig } from '../config.js';
import { clientIdsOf, isEligible, type ReferenceData } from '../mapping.js';
import type { SmokeballClient } from '../smokeball/client.js';
import { contactsByIds, getMatterStage, indexStages, listAll } from '../smokeball/reads.js';
import type { SbContact, SbMatter, SbMatterStage } from '../smokeball/types.js';
import type { CaseWriter } from './case-writer.js';
import { maxTicks, type RunContext } from './run-context.js';
import { checkContact, checkMatter, checkMatterStage, isUnreadable, partitionRecords, type Unreadable } from '../smokeball/record-check.js';

export interface Cursors {
  matters: string | null;
  stages: string | null;
  contacts: string | null;
}

export const CURSORS = 'cursors';

/**
 * Re-reading a few minutes before the cursor costs one small page and catches writes that Smokeball applied
 * (asynchronously) with a timestamp just before the newest one we saw. Fingerprints make the overlap free.
 */
const OVERLAP_TICKS = 10n * 60n * 10_000_000n;

export function sinceWithOverlap(cursor: string | null): string | undefined {
  if (!cursor) return undefined;
  const t = BigInt(cursor) - OVERLAP_TICKS;
  return String(t > 0n ? t : 0n);
}

export function advanceCursors(store: StateStore, ctx: RunContext): void {
  const c = store.checkpoints.get<Cursors>(CURSORS) ?? { matters: null, stages: null, contacts: null };
  store.checkpoints.set(CURSORS, {
    matters: maxTicks(c.matters, ctx.maxMatterVersion),
    stages: maxTicks(c.stages, ctx.maxStageUpdated),
    contacts: maxTicks(c.contacts, ctx.maxContactUpdated),
  } satisfies Cursors);
}

export interface IncrementalDeps {
  sb: SmokeballClient;
  store: StateStore;
  config: SyncConfig;
  writer: CaseWriter;
}

/**
 * Everything that changed in Smokeball since the cursors: matters, matter stages and contacts, each one
 * `UpdatedSince` list request in the common case. Applies them and moves the cursors forward.
 */
export async function runIncremental(deps: IncrementalDeps, ref: ReferenceData, ctx: RunContext): Promise<void> {
  const { sb, store } = deps;
  const cursors = store.checkpoints.get<Cursors>(CURSORS) ?? { matters: null, stages: null, contacts: null };
  const [matters, stages, contacts] = await Promise.all([
    listAll<SbMatter>(sb, '/matters', { UpdatedSince: sinceWithOverlap(cursors.matters) }),
    listAll<SbMatterStage>(sb, '/stages', { UpdatedSince: sinceWithOverlap(cursors.stages) }),
    listAll<SbContact>(sb, '/contacts', { UpdatedSince: sinceWithOverlap(cursors.contacts) }),
  ]);
  await applyChanges(deps, ref, ctx, { matters, stages, contacts });
  for (const m of matters) ctx.seeMatterVersion(m.versionId);
  for (const s of stages) ctx.seeStageUpdated(s.lastUpdated);
  for (const c of contacts) ctx.seeContactUpdated(c.lastUpdated);
  advanceCursors(store, ctx);
}

/**
 * Applies a set of changed Smokeball records: also the entry point for real-time events, which re-read the
 * records an event names and pass them here.
 */
export async function applyChanges(
  deps: IncrementalDeps,
  ref: ReferenceData,
  ctx: RunContext,
  changes: { matters: SbMatter[]; stages: SbMatterStage[]; contacts: SbContact[] },
): Promise<void> {
  const { sb, store, config, writer } = deps;
  // Records Smokeball sent that cannot be used are set aside and reported, never allowed to stop the run.
  const matterCheck = partitionRecords(changes.matters, checkMatter);
  const stageCheck = partitionRecords(changes.stages, checkMatterStage);
  const contactCheck = partitionRecords(changes.contacts, checkContact);
  for (const bad of [...matterCheck.bad, ...stageCheck.bad, ...contactCheck.bad]) ctx.addProblem({ kind: 'unreadable_record', ...withoutFlag(bad) });
  // A matter whose stage cannot be read is not written: its case keeps the stage it has (never a guess).
  const stageUnreadable = new Set(stageCheck.bad.map((b) => b.matterId).filter((id): id is string => id !== null));
  changes = {
    matters: matterCheck.good.filter((m) => !stageUnreadable.has(m.id)),
    stages: stageCheck.good,
    contacts: contactCheck.good,
  };
  const stageByMatter = indexStages(changes.stages);
  const changedMatterIds = new Set(changes.matters.map((m) => m.id));

  // 1. Contacts already linked to a Case Status client: update the client.
  const linkedContacts = changes.contacts.filter((c) => store.links.contact(c.id) !== undefined && !c.isDeleted);
  if (linkedContacts.length > 0) await writer.writeContacts(linkedContacts, ctx);

  // 2. Matters: eligible ones are upserted (with their stage and clients); linked ones that left close.
  const eligible = changes.matters.filter((m) => isEligible(m, config));
  const closing = changes.matters
    .filter((m) => !isEligible(m, config))
    .map((m) => store.links.matter(m.id))
    .filter((l): l is NonNullable<typeof l> => l !== undefined && l.status !== 'Closed');
  if (eligible.length > 0) {
    const read = await Promise.all(
      eligible.map(async (matter) => ({ matter, stage: stageByMatter.get(matter.id) ?? checkedStage(await getMatterStage(sb, matter.id), ctx) })),
    );
    const withStage = read.filter((r): r is { matter: SbMatter; stage: SbMatterStage | undefined } => r.stage !== null);
    const known = new Map(changes.contacts.map((c) => [c.id, c]));
    const missing = [...new Set(eligible.flatMap(clientIdsOf))].filter((id) => !known.has(id) && store.links.contact(id) === undefined);
    if (missing.length > 0) {
      const fetched = partitionRecords(await contactsByIds(sb, missing), checkContact);
      for (const bad of fetched.bad) ctx.addProblem({ kind: 'unreadable_record', ...withoutFlag(bad) });
      for (const c of fetched.good) known.set(c.id, c);
    }
    await writer.applyMatters(withStage, known, ref, ctx);
  }
  if (closing.length > 0) await writer.closeCases(closing, ctx, 'matter closed or no longer selected in Smokeball');

  // 3. Stage changes of linked matters whose matter record did not change.
  const stageOnly = [...stageByMatter.values()]
    .filter((s) => !changedMatterIds.has(s.matter.id))
    .map((stage) => ({ link: store.links.matter(stage.matter.id), stage }))
    .filter((x): x is { link: NonNullable<typeof x.link>; stage: SbMatterStage } => x.link !== undefined && x.link.status !== 'Closed');
  if (stageOnly.length > 0) await writer.applyStageChanges(stageOnly, ref, ctx);
}

/** The problem fields of a set-aside record (the `unreadable` marker is the record-check's own). */
export function withoutFlag(u: Unreadable): Omit<Unreadable, 'unreadable'> {
  const { unreadable: _flag, ...rest } = u;
  return rest;
}

/** A MatterStage read on its own: the checked record, undefined when the matter has none, null when unreadable (reported). */
function checkedStage(raw: SbMatterStage | undefined, ctx: RunContext): SbMatterStage | undefined | null {
  if (raw === undefined) return undefined;
  const checked = checkMatterStage(raw);
  if (!isUnreadable(checked)) return checked;
  ctx.addProblem({ kind: 'unreadable_record', ...withoutFlag(checked) });
  return null;
}
