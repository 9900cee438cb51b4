import { DEFAULT_HISTORY_LIMITS, type HeldChange, type RunKind, type StateStore } from '../../store/index.js';
import type { CaseStatusClient } from '../casestatus/client.js';
import { DEFAULT_SYNC_CONFIG, type SyncConfig } from '../config.js';
import { isEligible, type MappingProblem, type ReferenceData } from '../mapping.js';
import { silentLogger, type Logger } from '../ports.js';
import { describeFailure, errorMessageOf, type FailureReason } from '../failure.js';
import type { SmokeballClient } from '../smokeball/client.js';
import { contactsByIds, getMatter, getMatterStage, listAll } from '../smokeball/reads.js';
import { checkMatter, isUnreadable, unreadableReason, unreadableSubject } from '../smokeball/record-check.js';
import type { SbContact, SbMatter, SbMatterStage } from '../smokeball/types.js';
import { estimateEta, StatusReporter, type SyncStatus } from '../status.js';
import { CaseWriter } from './case-writer.js';
import { planClosures } from './closures.js';
import { runFullScan, type ReadPlan } from './full-sync.js';
import { advanceCursors, applyChanges, CURSORS, runIncremental, sinceWithOverlap, withoutFlag, type Cursors } from './incremental.js';
import { loadReferenceData } from './reference.js';
import { RunContext } from './run-context.js';
import { MASS_CHANGE_SUBJECT, StageGate } from './stage-gate.js';
import { systemClock, type Clock } from '../../shared/clock.js';

export interface SyncEngineDeps {
  smokeball: SmokeballClient;
  caseStatus: CaseStatusClient;
  store: StateStore;
  config?: Partial<SyncConfig>;
  logger?: Logger;
  plan?: ReadPlan;
  /** Wall time (run times, the stage-change hold and the mass-change guard) and run durations; tests pass a fake one. */
  clock?: Clock;
}

/** What a person chose for held changes: send them (past the guard), or apply them without texting the client. */
type HeldAction = { matterIds: string[] | 'awaiting' | 'due'; force: boolean; notify: boolean };

/**
 * What a real-time refresh re-reads. `matterIds`: the matter record and its stage (matter events, Retry).
 * `stageMatterIds`: only the MatterStage (a `matterstage.updated` event; the case payload last sent is
 * reused, as the incremental sync does). `contactIds`: the contacts, whose linked clients are updated.
 */
export interface RefreshRequest {
  matterIds?: string[];
  stageMatterIds?: string[];
  contactIds?: string[];
  /**
   * The ids come from relay events, which anyone holding one valid signature could replay with made-up ids:
   * ids with no linked case are checked against one `UpdatedSince` list request instead of being read one by
   * one. Retry (not from events) reads its matter directly, however old it is.
   */
  fromEvents?: boolean;
}

export interface RunSummary {
  runId: number;
  kind: RunKind;
  outcome: 'succeeded' | 'failed' | 'partial';
  counts: RunContext['counts'];
  durationMs: number;
  firstCaseMs: number | null;
  problems: MappingProblem[];
  error?: string;
  /** Why a failed run failed, for the app to act on (ask for sign-in, show a full disk, retry later). */
  failure?: FailureReason;
  /** The failure's error code when it has one (e.g. 'SQLITE_READONLY'), to name in what staff are told. */
  errorCode?: string;
}

const INITIAL_DONE = 'initial.completedAt';
const noop = (): void => {};
const REFERENCE_TTL_MS = 60 * 60 * 1000;
const PROBLEM_KINDS = ['unmapped_stage', 'unmapped_practice_area', 'client_without_cell_phone'] as const;
/** Real-time reads go ahead of a running full scan's pages in the pacing gate: a person is waiting for them. */
const REALTIME_PRIORITY = 10;
/** How many of a refused mass closure's cases its attention item lists by name. */
const MASS_CLOSURE_LISTED = 500;

type RunBody = (ctx: RunContext, ref: ReferenceData) => Promise<void>;

/**
 * The sync engine: initial import, incremental sync and nightly reconcile, one run at a time. Pure Node:
 * the tray app, the CLI and the headless host all drive it through these methods and `status`.
 */
export class SyncEngine {
  readonly status = new StatusReporter();
  readonly config: SyncConfig;
  /** The run in progress. Runs never overlap: they share cursors, links and the pacing budget. */
  private current: { kind: RunKind; promise: Promise<RunSummary> } | undefined;
  /** Runs asked for while another was in progress, one per kind; later callers of that kind join it. */
  private readonly waiting = new Map<RunKind, Promise<RunSummary>>();
  /** Ids asked for by refresh() that no run has taken yet. */
  private readonly pendingRefresh = { matters: new Set<string>(), stages: new Set<string>(), contacts: new Set<string>(), asked: new Set<string>() };
  /** Held-change sends asked for that no run has taken yet (they run inside a real-time run). */
  private pendingHeld: HeldAction[] = [];
  private reference: { data: ReferenceData; loadedAt: number } | undefined;
  private readonly log: Logger;
  private readonly gate: StageGate;
  private readonly clock: Clock;

  constructor(private readonly deps: SyncEngineDeps) {
    this.config = { ...DEFAULT_SYNC_CONFIG, ...deps.config };
    this.log = deps.logger ?? silentLogger;
    this.clock = deps.clock ?? systemClock;
    this.gate = new StageGate(deps.store, this.config, () => this.clock.now().getTime());
    deps.store.runs.markInterrupted();
    const last = deps.store.runs.lastSucceeded();
    this.status.update({ lastSyncAt: last?.finishedAt ?? null, lastOutcome: last ? 'succeeded' : null, attentionCount: this.attentionCount() });
  }

  get initialImportDone(): boolean {
    return this.deps.store.checkpoints.get<string>(INITIAL_DONE) !== undefined;
  }

  /** "Sync now": the initial import until it has completed once (resuming it), then an incremental sync. */
  syncNow(): Promise<RunSummary> {
    return this.initialImportDone ? this.incremental() : this.initialImport();
  }

  initialImport(): Promise<RunSummary> {
    return this.exclusive('initial', () => (ctx, ref) => this.fullScan(ctx, ref, false));
  }

  /** Nightly: re-lists everything, repairs drift, closes cases of matters that left (guarded against mass closure). */
  reconcile(options: { confirmMassClosure?: boolean } = {}): Promise<RunSummary> {
    return this.exclusive('reconcile', () => (ctx, ref) => this.fullScan(ctx, ref, options.confirmMassClosure ?? false));
  }

  incremental(): Promise<RunSummary> {
    return this.exclusive('incremental', () => async (ctx, ref) => {
      await runIncremental(this.incrementalDeps(), ref, ctx);
      this.recordProblems(ctx, false);
    });
  }

  /** Re-reads specific matters (record and stage) now: "Retry" on an item, or a real-time matter event. */
  refreshMatters(matterIds: string[]): Promise<RunSummary> {
    return this.refresh({ matterIds });
  }

  /**
   * Re-reads what real-time events named and applies it through the same guards as every other run: a
   * stage whose `lastUpdated` is not newer than the applied one is never sent, and an unchanged payload
   * costs no Case Status request, so a duplicated or late event changes nothing. Ids asked for while another
   * run (say the nightly reconcile) is in progress are queued and applied right after it, never dropped;
   * ids that arrive while a refresh is waiting join it.
   */
  refresh(request: RefreshRequest): Promise<RunSummary> {
    for (const id of request.matterIds ?? []) this.pendingRefresh.matters.add(id);
    for (const id of request.stageMatterIds ?? []) this.pendingRefresh.stages.add(id);
    for (const id of request.contactIds ?? []) this.pendingRefresh.contacts.add(id);
    if (!request.fromEvents) for (const id of [...(request.matterIds ?? []), ...(request.stageMatterIds ?? [])]) this.pendingRefresh.asked.add(id);
    return this.exclusive('realtime', () => {
      const held = this.pendingHeld;
      this.pendingHeld = [];
      const taken = {
        matterIds: [...this.pendingRefresh.matters],
        stageMatterIds: [...this.pendingRefresh.stages].filter((id) => !this.pendingRefresh.matters.has(id)),
        contactIds: [...this.pendingRefresh.contacts],
        asked: new Set(this.pendingRefresh.asked),
      };
      this.pendingRefresh.matters.clear();
      this.pendingRefresh.stages.clear();
      this.pendingRefresh.contacts.clear();
      this.pendingRefresh.asked.clear();
      return async (ctx, ref) => {
        await this.applyRefresh(taken, ctx, ref);
        for (const action of held) await this.sendHeld(action, ctx);
      };
    });
  }

  /** Stage changes and closures held back (the hold, or waiting for a person), soonest release first. */
  heldChanges(): HeldChange[] {
    return this.deps.store.held.all();
  }

  /** When the next held stage change is due (ms on the engine's clock), or null. */
  nextHeldRelease(): number | null {
    return this.deps.store.held.nextRelease();
  }

  /** True when a held stage change's hold has run out (on the engine's clock). */
  heldDue(): boolean {
    const next = this.nextHeldRelease();
    return next !== null && next <= this.clock.now().getTime();
  }

  /** Sends the held stage changes whose hold has run out (the app calls it at `nextHeldRelease`). */
  releaseDueHeld(): Promise<RunSummary> {
    return this.heldRun({ matterIds: 'due', force: false, notify: true });
  }

  /** "Send now" on held changes: sent at once, past the hold and the mass-change guard. */
  sendHeldNow(matterIds: string[]): Promise<RunSummary> {
    return this.heldRun({ matterIds, force: true, notify: true });
  }

  /** "Don't send" on held changes: applied to the case without texting the client, so nothing sends them later. */
  dontSendHeld(matterIds: string[]): Promise<RunSummary> {
    return this.heldRun({ matterIds, force: true, notify: false });
  }

  /** The mass-change guard's question answered: send every change waiting for a person, or apply them silently. */
  answerHeld(send: boolean): Promise<RunSummary> {
    return this.heldRun({ matterIds: 'awaiting', force: true, notify: send });
  }

  private heldRun(action: HeldAction): Promise<RunSummary> {
    this.pendingHeld.push(action);
    return this.refresh({});
  }

  private async sendHeld(action: HeldAction, ctx: RunContext): Promise<void> {
    const { held } = this.deps.store;
    const changes =
      action.matterIds === 'due'
        ? this.gate.due()
        : action.matterIds === 'awaiting'
          ? held.awaitingConfirmation()
          : action.matterIds.map((id) => held.get(id)).filter((c): c is HeldChange => c !== undefined);
    if (changes.length > 0) await this.writer().sendHeld(changes, ctx, { force: action.force, notify: action.notify });
  }

  /**
   * The nightly reconcile's mass-closure question is moot once every case it listed is closed (real time saw the
   * closures one by one meanwhile): it goes, rather than asking staff to confirm closing closed cases until the
   * next night. A list cut at its cap is never the whole question, so that one stays for the reconcile to decide.
   */
  private settleMassClosureQuestion(): void {
    const { store } = this.deps;
    const item = store.attention.open('mass_closure_blocked', 1)[0];
    if (!item) return;
    const details = item.details as { candidates?: number; cases?: Array<{ matterId: string }> };
    const listed = details.cases ?? [];
    if (listed.length === 0 || (details.candidates ?? Number.POSITIVE_INFINITY) > listed.length) return;
    const allClosed = listed.every((c) => store.links.matter(c.matterId)?.status === 'Closed');
    if (allClosed) store.attention.resolve('mass_closure_blocked', item.subjectId);
  }

  /**
   * The mass-change guard's question, as one item needing attention (so one notification, and Confirm in the
   * window like a blocked mass closure): kept in step with the changes that wait for a person.
   */
  private syncHeldAttention(): void {
    const { store } = this.deps;
    this.gate.trim();
    const awaiting = store.held.awaitingConfirmation();
    if (awaiting.length === 0) {
      store.attention.resolve('mass_change_held', MASS_CHANGE_SUBJECT);
      return;
    }
    const stages = awaiting.filter((c) => c.kind === 'stage').length;
    const closures = awaiting.length - stages;
    const what = [
      stages > 0 ? `${stages} stage update${stages === 1 ? '' : 's'}` : '',
      closures > 0 ? `${closures} case closure${closures === 1 ? '' : 's'}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    const matters = awaiting.slice(0, 200).map((c) => {
      const link = store.links.matter(c.matterId);
      return { matterId: c.matterId, matterNumber: link?.matterNumber ?? null, kind: c.kind, from: c.fromStage, to: c.stageName };
    });
    store.attention.raise(
      'mass_change_held',
      MASS_CHANGE_SUBJECT,
      `Send ${what} to clients? More than ${this.config.massChangeLimit} changed within 10 minutes, so they are waiting. Confirm sends them; Don't send applies them without texting.`,
      { count: awaiting.length, stages, closures, matters },
    );
  }

  private async applyRefresh(
    request: { matterIds: string[]; stageMatterIds: string[]; contactIds: string[]; asked: ReadonlySet<string> },
    ctx: RunContext,
    ref: ReferenceData,
  ): Promise<void> {
    const { store, smokeball: sb } = this.deps;
    const matterIds = new Set(request.matterIds);
    const stageOnly: string[] = [];
    for (const id of request.stageMatterIds) {
      const link = store.links.matter(id);
      // A matter we have no case for needs its record to create one; a closed case ignores stage changes.
      if (!link) matterIds.add(id);
      else if (link.status !== 'Closed') stageOnly.push(id);
    }
    const unknown = [...matterIds].filter((id) => !request.asked.has(id) && !store.links.matter(id));
    const listed = await this.listUnknownMatters(unknown);
    if (listed) for (const id of unknown) matterIds.delete(id);
    const [matterReads, stageReads, contacts] = await Promise.all([
      // The matter and its stage are read together: one round trip of latency instead of two.
      Promise.all([
        ...[...matterIds].map((id) => Promise.all([getMatter(sb, id, REALTIME_PRIORITY), getMatterStage(sb, id, REALTIME_PRIORITY)])),
        // Unknown ids the list found are real matters: only their stage is left to read.
        ...(listed ?? []).map((m) => Promise.all([Promise.resolve(m), getMatterStage(sb, m.id, REALTIME_PRIORITY)])),
      ]),
      Promise.all(stageOnly.map((id) => getMatterStage(sb, id, REALTIME_PRIORITY))),
      request.contactIds.length > 0 ? contactsByIds(sb, request.contactIds, REALTIME_PRIORITY) : Promise.resolve([] as SbContact[]),
    ]);
    const matters: SbMatter[] = [];
    const stages: SbMatterStage[] = [];
    for (const [matter, stage] of matterReads) {
      if (!matter) continue;
      // An unreadable record goes on to applyChanges, which sets it aside and reports it.
      const checked = checkMatter(matter);
      const link = isUnreadable(checked) ? undefined : store.links.matter(checked.id);
      // Older than the version already applied (a lagging read): the newer one stays.
      if (
        !isUnreadable(checked) &&
        link?.matterVersion &&
        /^\d+$/.test(link.matterVersion) &&
        /^\d+$/.test(checked.versionId) &&
        BigInt(checked.versionId) < BigInt(link.matterVersion)
      )
        continue;
      matters.push(matter);
      if (stage) stages.push(stage);
    }
    for (const stage of stageReads) if (stage) stages.push(stage);
    await applyChanges(this.incrementalDeps(), ref, ctx, { matters, stages, contacts });
    this.recordProblems(ctx, false);
  }

  /**
   * Which of `ids` (matters with no case, named by relay events) Smokeball changed since the matter cursor: one
   * `UpdatedSince` list request (a page per 500 changes) instead of a read per id, so made-up ids in replayed
   * events cost one request per batch. An id not in the list is either not a matter or was not changed since
   * the last sync (which already applied it): nothing to do. Undefined before the first sync has set a cursor
   * (the list would be every matter): the ids are then read one by one.
   */
  private async listUnknownMatters(ids: string[]): Promise<SbMatter[] | undefined> {
    if (ids.length === 0) return [];
    const cursors = this.deps.store.checkpoints.get<Cursors>(CURSORS);
    if (!cursors?.matters) return undefined;
    const wanted = new Set(ids);
    const changed = await listAll<SbMatter>(this.deps.smokeball, '/matters', { UpdatedSince: sinceWithOverlap(cursors.matters) }, REALTIME_PRIORITY);
    const found = new Map<string, SbMatter>();
    for (const m of changed) if (typeof m?.id === 'string' && wanted.has(m.id)) found.set(m.id, m);
    if (found.size < ids.length)
      this.log.info('Relay events named matters Smokeball has not changed since the last sync; ignored', { count: ids.length - found.size });
    return [...found.values()];
  }

  private incrementalDeps() {
    return { sb: this.deps.smokeball, store: this.deps.store, config: this.config, writer: this.writer() };
  }

  /** `gated`: through the hold and the mass-change guard (every run but the initial import, which creates cases). */
  private writer(gated = true): CaseWriter {
    return new CaseWriter(this.deps.caseStatus, this.deps.store, this.config, 0, gated ? this.gate : undefined);
  }

  private async fullScan(ctx: RunContext, ref: ReferenceData, confirmMassClosure: boolean): Promise<void> {
    const { store } = this.deps;
    const writer = this.writer(ctx.kind !== 'initial');
    const { seen, complete } = await runFullScan(
      { sb: this.deps.smokeball, store, config: this.config, writer, status: this.status, plan: this.deps.plan ?? 'auto' },
      ref,
      ctx,
    );
    if (complete) await this.closeMissing(seen, ctx, writer, ref, confirmMassClosure);
    else this.log.info('Full scan resumed from a checkpoint: closures wait for the next complete scan');
    store.transaction(() => {
      advanceCursors(store, ctx);
      if (!store.checkpoints.get(INITIAL_DONE)) store.checkpoints.set(INITIAL_DONE, this.clock.now().toISOString());
    });
    this.recordProblems(ctx, complete);
  }

  /**
   * Linked cases whose matter was not among the eligible ones in a complete scan. Each is re-read before it is
   * closed (offset paging can miss a record that moved while we paged), and a run that would close more than
   * the threshold share of cases stops and asks a person instead.
   */
  private async closeMissing(seen: Set<string>, ctx: RunContext, writer: CaseWriter, ref: ReferenceData, confirmed: boolean): Promise<void> {
    const { store } = this.deps;
    const { open, candidates, needsConfirmation } = planClosures(store.links.allMatters(), seen, this.config);
    if (candidates.length === 0) {
      store.attention.resolve('mass_closure_blocked', 'reconcile');
      return;
    }
    if (!confirmed && needsConfirmation) {
      store.attention.raise(
        'mass_closure_blocked',
        'reconcile',
        `The nightly sync would close ${candidates.length} of ${open.length} cases. Nothing was closed: check the matter filters and Smokeball access, then confirm.`,
        // The cases it would close, for the confirmation (capped: the item is stored as JSON).
        {
          candidates: candidates.length,
          open: open.length,
          cases: candidates.slice(0, MASS_CLOSURE_LISTED).map((l) => ({ matterId: l.matterId, matterNumber: l.matterNumber, title: l.matterTitle })),
        },
      );
      return;
    }
    store.attention.resolve('mass_closure_blocked', 'reconcile');
    const current = await this.rereadMatters(candidates.map((l) => l.matterId));
    // A re-read Smokeball answers unreadable proves nothing about the matter: report it, close nothing.
    const unreadable = candidates
      .map((l) => current.get(l.matterId))
      .filter((m) => m !== undefined)
      .map((m) => checkMatter(m))
      .filter(isUnreadable);
    for (const u of unreadable) ctx.addProblem({ kind: 'unreadable_record', ...withoutFlag(u) });
    const skip = new Set(unreadable.map((u) => u.matterId));
    const reread = candidates.filter((l) => !skip.has(l.matterId)).map((link) => ({ link, matter: current.get(link.matterId) }));
    const stillEligible = reread.filter((r) => r.matter && isEligible(r.matter, this.config)).map((r) => r.matter!);
    const leaving = reread.filter((r) => !r.matter || !isEligible(r.matter, this.config)).map((r) => r.link);
    if (stillEligible.length > 0) await applyChanges(this.incrementalDeps(), ref, ctx, { matters: stillEligible, stages: [], contacts: [] });
    await writer.closeCases(leaving, ctx, 'matter closed, deleted or no longer selected in Smokeball', { force: confirmed });
  }

  /**
   * Current records of matters that dropped out of the scan. Most were closed since the last sync, so one
   * `UpdatedSince` list (all statuses) finds them; only the rest (deleted, or changed long ago) cost a GET each.
   */
  private async rereadMatters(ids: string[]): Promise<Map<string, SbMatter | undefined>> {
    const found = new Map<string, SbMatter | undefined>();
    const wanted = new Set(ids);
    const cursor = this.deps.store.checkpoints.get<Cursors>(CURSORS)?.matters;
    if (cursor && ids.length > 2) {
      const recent = await listAll<SbMatter>(this.deps.smokeball, '/matters', { UpdatedSince: sinceWithOverlap(cursor) });
      for (const m of recent) if (typeof m?.id === 'string' && wanted.has(m.id)) found.set(m.id, m);
    }
    await Promise.all(ids.filter((id) => !found.has(id)).map(async (id) => found.set(id, await getMatter(this.deps.smokeball, id))));
    return found;
  }

  /** Raises attention items for this run's problems; a complete scan also resolves the ones no longer seen. */
  private recordProblems(ctx: RunContext, resolveMissing: boolean): void {
    const { store } = this.deps;
    store.transaction(() => {
      for (const p of ctx.problems.values()) {
        if (p.kind === 'unmapped_stage') {
          store.attention.raise('unmapped_stage', p.stageId, `Smokeball stage "${p.stageName}" has no Case Status stage in "${p.practiceArea}"`, { ...p });
        } else if (p.kind === 'unmapped_practice_area') {
          store.attention.raise(
            'unmapped_practice_area',
            p.matterTypeId,
            `Matter type "${p.matterTypeName}" has no Case Status practice area; its matters are not synced`,
            { ...p },
          );
        } else if (p.kind === 'client_without_cell_phone') {
          store.attention.raise('client_without_cell_phone', p.contactId, `${p.name} has no valid cell phone: Case Status cannot text them`, { ...p });
        } else if (p.kind === 'unreadable_record') {
          store.attention.raise('matter_failed', unreadableSubject(p), unreadableReason(p), { ...p, unreadable: true });
        }
      }
      if (resolveMissing) {
        for (const kind of PROBLEM_KINDS) {
          for (const item of store.attention.open(kind, 100_000)) {
            const key = `${kind}:${item.subjectId}`;
            if (!ctx.problems.has(key)) store.attention.resolve(kind, item.subjectId);
          }
        }
        // A record Smokeball sent unreadable and that a complete scan read fine (or no longer lists) is fixed.
        for (const item of store.attention.open('matter_failed', 100_000)) {
          if (item.details.unreadable === true && !ctx.problems.has(`unreadable_record:${item.subjectId}`))
            store.attention.resolve('matter_failed', item.subjectId);
        }
      }
    });
  }

  private attentionCount(): number {
    return Object.values(this.deps.store.attention.countOpen()).reduce((a, b) => a + b, 0);
  }

  /**
   * Runs one job at a time. Asking for the kind that is already running joins it (a second "Sync now"), except
   * for real-time refreshes, whose ids were taken when the running one started. Any other request waits and
   * runs after the current one: a reconcile asked for during a refresh, or a refresh during a reconcile, is
   * never silently replaced by the other run's result. `makeBody` is called when the run really starts, so a
   * refresh takes the ids queued up to that moment.
   */
  private exclusive(kind: RunKind, makeBody: () => RunBody): Promise<RunSummary> {
    if (this.current && this.current.kind === kind && kind !== 'realtime') return this.current.promise;
    const queued = this.waiting.get(kind);
    if (queued) return queued;
    if (!this.current) return this.start(kind, makeBody());
    const later = this.startWhenIdle(kind, makeBody);
    this.waiting.set(kind, later);
    return later;
  }

  private async startWhenIdle(kind: RunKind, makeBody: () => RunBody): Promise<RunSummary> {
    while (this.current) await this.current.promise.then(noop, noop);
    // No await between the check above and start(): nothing can slip in between.
    this.waiting.delete(kind);
    return this.start(kind, makeBody());
  }

  private start(kind: RunKind, body: RunBody): Promise<RunSummary> {
    const promise: Promise<RunSummary> = this.execute(kind, body).finally(() => {
      if (this.current?.promise === promise) this.current = undefined;
    });
    this.current = { kind, promise };
    return promise;
  }

  private async execute(kind: RunKind, body: RunBody): Promise<RunSummary> {
    const { store, smokeball } = this.deps;
    let runId: number;
    try {
      runId = store.runs.start(kind);
    } catch (error) {
      // The state file cannot be written (disk full, file locked): nothing can be synced safely, say so.
      return this.failed(new RunContext(0, kind, this.clock), kind, error);
    }
    const ctx = new RunContext(runId, kind, this.clock);
    const startedAt = this.clock.now();
    const phase: SyncStatus['phase'] = kind === 'initial' ? 'importing' : kind === 'reconcile' ? 'reconciling' : 'incremental';
    this.status.update({
      phase: 'preparing',
      runKind: kind,
      startedAt: startedAt.toISOString(),
      message: 'Reading firm settings…',
      counts: ctx.counts,
      etaSeconds: null,
      firstCaseAt: null,
      progress: { matters: { done: 0, total: null }, contacts: { done: 0, total: null }, stages: { done: 0, total: null }, cases: { done: 0, total: null } },
    });
    const ticker = setInterval(() => this.tick(ctx), 500);
    const sentBefore = smokeball.gate.metrics.sent;
    try {
      // Case writes an earlier process or run sent without recording the answer: taken as possibly applied.
      const interrupted = store.caseSends.resolveInterrupted();
      if (interrupted > 0) this.log.warn('Case writes of an interrupted run taken as possibly applied', { cases: interrupted });
      const ref = await this.referenceData(kind === 'initial' || kind === 'reconcile');
      this.status.update({ phase, message: kind === 'initial' ? 'Importing matters…' : 'Syncing…' });
      await body(ctx, ref);
      this.syncHeldAttention();
      this.settleMassClosureQuestion();
      // Retention and the table cap of the matter history, once per run (the per-matter cap applies on write).
      store.history.prune({ retentionDays: this.config.historyRetentionDays, maxRows: DEFAULT_HISTORY_LIMITS.maxRows });
      const outcome = ctx.counts.failed > 0 ? 'partial' : 'succeeded';
      const stats = { ...ctx.counts, smokeballRequests: smokeball.gate.metrics.sent - sentBefore };
      store.runs.finish(runId, outcome, stats);
      this.status.update({
        phase: 'idle',
        message: outcome === 'succeeded' ? 'Up to date' : 'Synced with problems',
        lastSyncAt: this.clock.now().toISOString(),
        lastOutcome: outcome,
        failure: null,
        etaSeconds: null,
        counts: { ...ctx.counts },
        attentionCount: this.attentionCount(),
      });
      return this.summary(ctx, outcome);
    } catch (error) {
      try {
        store.runs.finish(runId, 'failed', { ...ctx.counts }, errorMessageOf(error));
      } catch (recordError) {
        // Recording can fail for the same reason the run did (a full disk): the run still ends as failed.
        this.log.error('Could not record the failed run', { error: errorMessageOf(recordError) });
      }
      return this.failed(ctx, kind, error);
    } finally {
      clearInterval(ticker);
      this.tick(ctx);
    }
  }

  /** Ends a run as failed: the status says why (never left showing progress), the summary carries the failure reason and code. */
  private failed(ctx: RunContext, kind: RunKind, error: unknown): RunSummary {
    const f = describeFailure(error);
    this.log.error('Sync run failed', { kind, error: f.message });
    this.status.update({
      phase: 'error',
      message: f.message,
      lastOutcome: 'failed',
      failure: f.reason,
      etaSeconds: null,
      attentionCount: this.safeAttentionCount(),
    });
    return { ...this.summary(ctx, 'failed'), error: f.message, failure: f.reason, errorCode: f.code };
  }

  private safeAttentionCount(): number {
    try {
      return this.attentionCount();
    } catch {
      return this.status.current.attentionCount;
    }
  }

  /**
   * Staff, matter types and practice areas change rarely: full scans reload them, other runs reuse them for an
   * hour, so a stage change costs its own requests and not two more for reference data.
   */
  private async referenceData(fresh: boolean): Promise<ReferenceData> {
    if (!fresh && this.reference && this.clock.monotonicMs() - this.reference.loadedAt < REFERENCE_TTL_MS) return this.reference.data;
    const data = await loadReferenceData(this.deps.smokeball, this.deps.caseStatus);
    this.reference = { data, loadedAt: this.clock.monotonicMs() };
    return data;
  }

  private tick(ctx: RunContext): void {
    const gate = this.deps.smokeball.gate.snapshot();
    this.status.update((s) => ({
      requestsPerSecond: gate.recentRatePerSecond,
      smokeballRequests: gate.sent,
      throttled: gate.throttled,
      counts: { ...ctx.counts },
      etaSeconds: s.phase === 'importing' || s.phase === 'reconciling' ? estimateEta(ctx.startedAtMs, this.clock.monotonicMs(), s.progress.matters) : null,
      // Cases handled so far (written, or found unchanged) out of the matters listed: what staff wait for.
      progress:
        ctx.kind === 'initial' || ctx.kind === 'reconcile'
          ? {
              ...s.progress,
              cases: {
                done: ctx.counts.casesCreated + ctx.counts.casesUpdated + ctx.counts.casesUnchanged + ctx.counts.failed,
                total: s.progress.matters.total,
              },
            }
          : s.progress,
    }));
  }

  private summary(ctx: RunContext, outcome: RunSummary['outcome']): RunSummary {
    return {
      runId: ctx.runId,
      kind: ctx.kind,
      outcome,
      counts: { ...ctx.counts },
      durationMs: this.clock.monotonicMs() - ctx.startedAtMs,
      firstCaseMs: ctx.firstCaseAtMs === null ? null : ctx.firstCaseAtMs - ctx.startedAtMs,
      problems: [...ctx.problems.values()],
    };
  }
}
