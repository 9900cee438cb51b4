import type { StateStore } from '../../store/index.js';
import type { SyncConfig } from '../config.js';
import { clientIdsOf, isEligible, type ReferenceData } from '../mapping.js';
import type { SmokeballClient } from '../smokeball/client.js';
import { contactsByIds, getContact, getMatter, getMatterStage, indexStages, PAGE_LIMIT } from '../smokeball/reads.js';
import type { SbContact, SbMatter, SbMatterStage, SbPage } from '../smokeball/types.js';
import type { StatusReporter } from '../status.js';
import type { CaseWriter, MatterWithStage } from './case-writer.js';
import { withoutFlag } from './incremental.js';
import { checkContact, checkMatter, checkMatterStage, isUnreadable, partitionRecords, type Unreadable } from '../smokeball/record-check.js';
import type { RunContext } from './run-context.js';

/** How contacts and stages are read: `auto` uses list/batch endpoints; `per-record` is the conventional one-GET-per-item way (benchmark baseline). */
export type ReadPlan = 'auto' | 'per-record';

export interface FullSyncDeps {
  sb: SmokeballClient;
  store: StateStore;
  config: SyncConfig;
  /** Where each page's matters go: the case writer, or the dry-run preview's counter. */
  writer: Pick<CaseWriter, 'applyMatters'>;
  status: StatusReporter;
  plan: ReadPlan;
  /** false: no page checkpoint is read or written (the preview leaves the local state as it found it). */
  resume?: boolean;
  /** Every readable matter of each page as listed, eligible or not (the preview counts them by status and type). */
  onListed?: (matters: readonly SbMatter[]) => void;
}

interface ScanCheckpoint {
  scope: string; // statuses + matter types; a different scope starts over
  total: number;
  donePages: number[];
}

const CHECKPOINT = 'fullsync.matters';

/**
 * The full scan behind the initial import and the nightly reconcile: every eligible matter, its clients and
 * its stage, read through the 500-record list endpoints, written to Case Status page by page. Each page's
 * links and its checkpoint commit together, so a killed run resumes with the pages it had not finished.
 * Returns the ids of every eligible matter seen, and whether the scan covered every page in this process.
 */
export async function runFullScan(deps: FullSyncDeps, ref: ReferenceData, ctx: RunContext): Promise<{ seen: Set<string>; complete: boolean }> {
  const { sb, store, config, writer, status } = deps;
  const scope = JSON.stringify({ statuses: config.statuses, types: config.matterTypeIds, plan: deps.plan });
  const persist = deps.resume ?? true;
  const saved = persist ? store.checkpoints.get<ScanCheckpoint>(CHECKPOINT) : undefined;
  const resumed = saved && saved.scope === scope ? saved : undefined;
  const donePages = new Set(resumed?.donePages ?? []);

  // Stages for the whole firm: a few list pages instead of one GET per matter.
  const stages = new Map<string, SbMatterStage>();
  /** Matters whose MatterStage Smokeball sent unreadable: not written this run (their stage would be a guess). */
  const stageUnreadable = new Set<string>();
  const setAside = (bad: Unreadable[]) => {
    for (const b of bad) {
      ctx.addProblem({ kind: 'unreadable_record', ...withoutFlag(b) });
      if (b.resource === 'matter stage' && b.matterId) stageUnreadable.add(b.matterId);
    }
  };
  const stagesReady =
    deps.plan === 'auto'
      ? sb
          .forEachPage<SbMatterStage>('/stages', {}, (page) => {
            const { good, bad } = partitionRecords(page.value, checkMatterStage);
            setAside(bad);
            indexStages(good, stages);
            status.update((s) => ({ progress: { ...s.progress, stages: { done: s.progress.stages.done + page.value.length, total: page.size ?? null } } }));
          })
          .then(() => undefined)
      : Promise.resolve();
  stagesReady.catch(() => {}); // awaited by every page; avoid an unhandled rejection before the first one

  const contacts = new ContactCache(sb, deps.plan, setAside);
  contacts.startProbe();
  const seen = new Set<string>();
  let totalMatters: number | null = null;

  const onPage = async (page: SbPage<SbMatter>, offset: number) => {
    totalMatters = page.size ?? totalMatters;
    const { good, bad } = partitionRecords(page.value, checkMatter);
    setAside(bad);
    deps.onListed?.(good);
    // Listed but unreadable: still there in Smokeball, so its case must not be closed as "missing".
    for (const b of bad) if (b.matterId) seen.add(b.matterId);
    for (const m of good) if (isEligible(m, config)) seen.add(m.id);
    const eligible = good.filter((m) => isEligible(m, config));
    let items: MatterWithStage[];
    if (deps.plan === 'per-record') {
      const read = await Promise.all(
        eligible.map(async (listed) => {
          const matter = checkMatter((await getMatter(sb, listed.id)) ?? listed);
          const stage = await getMatterStage(sb, listed.id);
          const checkedStage = stage === undefined ? undefined : checkMatterStage(stage);
          const problems = [matter, checkedStage].filter(isUnreadable);
          setAside(problems);
          return problems.length > 0 ? undefined : { matter: matter as SbMatter, stage: checkedStage as SbMatterStage | undefined };
        }),
      );
      items = read.filter((i): i is MatterWithStage => i !== undefined);
    } else {
      await stagesReady;
      items = eligible.filter((m) => !stageUnreadable.has(m.id)).map((matter) => ({ matter, stage: stages.get(matter.id) }));
    }
    const pageContacts = await contacts.forMatters(
      items.map((i) => i.matter),
      Math.max(1, Math.ceil((page.size ?? 0) / PAGE_LIMIT)),
    );
    status.update((s) => ({ progress: { ...s.progress, contacts: { done: contacts.fetched, total: null } } }));
    await writer.applyMatters(items, pageContacts, ref, ctx, () => {
      donePages.add(offset);
      if (persist) store.checkpoints.set(CHECKPOINT, { scope, total: page.size ?? 0, donePages: [...donePages] } satisfies ScanCheckpoint);
    });
    bumpMatters(status, page.value.length, totalMatters);
    status.update((s) => ({ counts: { ...ctx.counts }, firstCaseAt: s.firstCaseAt ?? (ctx.firstCaseAtMs !== null ? ctx.clock.now().toISOString() : null) }));
  };

  // A page committed by an earlier process is skipped only while the matter count is unchanged: otherwise
  // offsets have shifted and every page is read again (fingerprints keep that free of writes).
  let skipped = 0;
  const skip = (offset: number, total: number | undefined) => {
    if (!resumed || resumed.total !== total || !donePages.has(offset)) return false;
    skipped += 1;
    bumpMatters(status, Math.min(PAGE_LIMIT, resumed.total - offset), resumed.total);
    return true;
  };
  await deps.sb.forEachPage<SbMatter>('/matters', { Status: config.statuses }, onPage, { limit: PAGE_LIMIT, skip });
  await stagesReady;
  if (persist) store.checkpoints.delete(CHECKPOINT);
  // Skipped pages' matters were not re-read, so closures wait for the next complete scan.
  return { seen, complete: skipped === 0 };
}

function bumpMatters(status: StatusReporter, n: number, total: number | null): void {
  status.update((s) => ({ progress: { ...s.progress, matters: { done: s.progress.matters.done + n, total } } }));
}

/**
 * Fetches the clients a page of matters needs, each contact once per run. The planner compares the two ways
 * to read them with list endpoints and takes the cheaper: every contact page (500 per request) or just the
 * needed ones by id (500 per POST /contacts/batch). `per-record` does one GET per client of each matter, as a
 * conventional integration would (the benchmark baseline).
 */
export class ContactCache {
  private readonly cache = new Map<string, SbContact>();
  private pagingAll: Promise<void> | undefined;
  private probe: Promise<number | null> | undefined;
  fetched = 0;
  decision: 'batch' | 'page-all' | 'per-record' | undefined;

  constructor(
    private readonly sb: SmokeballClient,
    private readonly plan: ReadPlan,
    /** Contacts Smokeball sent unreadable (no id): reported by the caller, left out of the cache. */
    private readonly onUnreadable: (bad: Unreadable[]) => void = () => {},
  ) {}

  private keep(raws: readonly unknown[]): SbContact[] {
    const { good, bad } = partitionRecords(raws, checkContact);
    if (bad.length > 0) this.onUnreadable(bad);
    return good;
  }

  /** Reads the first contacts page early: it tells how many contacts the firm has (and fills the cache). */
  startProbe(): void {
    if (this.plan === 'per-record' || this.probe) return;
    this.probe = this.sb.get<SbPage<SbContact>>('/contacts', { params: { Offset: 0, Limit: PAGE_LIMIT } }).then((page) => {
      for (const c of this.keep(page.value)) this.cache.set(c.id, c);
      this.fetched += page.value.length;
      return page.size ?? null;
    });
    this.probe.catch(() => {});
  }

  /** Chooses how to read contacts once the first matters page shows how many clients a page needs. */
  private async decide(firstPage: SbMatter[], matterPages: number): Promise<void> {
    if (this.decision) return;
    const total = (await this.probe) ?? null;
    const clientsPerPage = new Set(firstPage.flatMap(clientIdsOf)).size;
    const batchCost = matterPages * Math.ceil(clientsPerPage / PAGE_LIMIT);
    const pageAllCost = total === null ? Infinity : Math.ceil(total / PAGE_LIMIT) - 1;
    if (this.decision) return; // another page decided while we waited
    this.decision = pageAllCost <= batchCost ? 'page-all' : 'batch';
    if (this.decision === 'page-all' && total !== null) {
      // The probe was page one; the rest have known offsets and go out together.
      const offsets: number[] = [];
      for (let offset = PAGE_LIMIT; offset < total; offset += PAGE_LIMIT) offsets.push(offset);
      this.pagingAll = Promise.all(
        offsets.map(async (offset) => {
          const page = await this.sb.get<SbPage<SbContact>>('/contacts', { params: { Offset: offset, Limit: PAGE_LIMIT } });
          for (const c of this.keep(page.value)) this.cache.set(c.id, c);
          this.fetched += page.value.length;
        }),
      ).then(() => undefined);
    }
  }

  async forMatters(matters: SbMatter[], matterPages: number): Promise<Map<string, SbContact>> {
    const wanted = [...new Set(matters.flatMap(clientIdsOf))];
    if (this.plan === 'per-record') {
      this.decision = 'per-record';
      const result = new Map<string, SbContact>();
      for (const m of matters) {
        const found = await Promise.all(clientIdsOf(m).map((id) => getContact(this.sb, id)));
        for (const c of this.keep(found.filter((f) => f !== undefined))) result.set(c.id, c);
      }
      this.fetched += result.size;
      return result;
    }
    await this.decide(matters, matterPages);
    if (this.pagingAll) await this.pagingAll;
    const missing = wanted.filter((id) => !this.cache.has(id));
    if (missing.length > 0) {
      // With page-all this only catches contacts created after their page was read.
      for (const c of this.keep(await contactsByIds(this.sb, missing))) this.cache.set(c.id, c);
      this.fetched += missing.length;
    }
    const result = new Map<string, SbContact>();
    for (const id of wanted) {
      const c = this.cache.get(id);
      if (c && !c.isDeleted) result.set(id, c);
    }
    return result;
  }
}
