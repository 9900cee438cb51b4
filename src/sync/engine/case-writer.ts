import type { CaseSend, HeldChange, StateStore, MatterLink } from '../../store/index.js';
import type { CaseStatusClient } from '../casestatus/client.js';
import { CASE_STATUS_BATCH_LIMIT } from '../casestatus/client.js';
import type { CsBatchItem, CsCaseInput, CsCaseResult, CsClientResult } from '../casestatus/types.js';
import type { SyncConfig } from '../config.js';
import { displayName, fingerprint, isEligible, mapContact, mapStage, type ReferenceData } from '../mapping.js';
import { contactsOfMatters, decideCaseWrites, decideContactWrites, type CaseWrite } from './decisions.js';
import type { SbContact, SbMatter, SbMatterStage } from '../smokeball/types.js';
import type { RunContext } from './run-context.js';
import type { StageGate, StageMove } from './stage-gate.js';
import type { HistoryCause } from '../../contract/history.js';

export interface MatterWithStage {
  matter: SbMatter;
  stage: SbMatterStage | undefined;
}

interface PendingStage {
  link: MatterLink;
  input: CsCaseInput;
  stageId: string | null;
  stageUpdated: string;
  fingerprint: string;
}

/** Case fields whose change the history names (the stage and status have entries of their own). */
const CASE_FIELDS = ['readableId', 'title', 'description', 'practiceArea', 'primaryAttorney', 'clientExternalIds'] as const;

function changedFields(before: Partial<CsCaseInput> | undefined, after: CsCaseInput): string[] {
  return CASE_FIELDS.filter((f) => JSON.stringify(before?.[f] ?? null) !== JSON.stringify(after[f] ?? null));
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes matters (with their clients and stage) to Case Status in batches of 100 and records the links.
 * Unchanged matters (same payload as last sent) cost nothing. A stage older than the one already applied
 * is never sent (Case Status texts the client a survey on every stage change).
 */
export class CaseWriter {
  constructor(
    private readonly cs: CaseStatusClient,
    private readonly store: StateStore,
    private readonly config: SyncConfig,
    private readonly priority = 0,
    /** The hold and the mass-change guard; none for the initial import (new cases are not changes). */
    private readonly gate?: StageGate,
  ) {}

  /**
   * Applies eligible matters. `commit` runs inside the same SQLite transaction as the links, so a page
   * checkpoint moves only together with the cases it covers.
   */
  async applyMatters(
    items: MatterWithStage[],
    contacts: Map<string, SbContact>,
    ref: ReferenceData,
    ctx: RunContext,
    commit: () => void = () => {},
  ): Promise<void> {
    const eligible = items.filter((i) => isEligible(i.matter, this.config));
    const refusedClients = await this.writeContacts(contactsOfMatters(eligible, contacts), ctx);
    // The hold and the mass-change guard decide whether a linked case's new stage goes out now.
    const stageGate = this.gate;
    const gate = stageGate && ((link: MatterLink, move: StageMove) => stageGate.stage(link, move, ctx.kind));
    const { writes } = decideCaseWrites(eligible, contacts, ref, this.config, this.store.links, ctx, refusedClients, gate);
    const batches = chunk(writes, CASE_STATUS_BATCH_LIMIT);
    // A new case has no earlier payload a lost answer could leave stale: only updates of linked cases are in flight.
    const updates = writes.filter((w) => w.link !== undefined);
    this.store.caseSends.record(updates.map((w) => ({ matterId: w.matter.id, caseInput: w.input, stageId: w.stageId, stageUpdated: w.stageUpdated })));
    const results = await Promise.all(
      batches.map((batch) =>
        this.cs.upsertCases(
          batch.map((p) => p.input),
          this.priority,
        ),
      ),
    );
    this.store.transaction(() => {
      results.forEach((batchResults, b) => this.recordCases(batches[b] as CaseWrite[], batchResults, contacts, ctx));
      this.store.caseSends.settle(updates.map((w) => w.matter.id));
      commit();
    });
  }

  private recordCases(batch: CaseWrite[], results: CsBatchItem<CsCaseResult>[], contacts: Map<string, SbContact>, ctx: RunContext): void {
    results.forEach((r, i) => {
      const p = batch[r.index ?? i];
      if (!p) return;
      if (!r.ok) {
        ctx.counts.failed += 1;
        this.store.attention.raise('matter_failed', p.matter.id, `Case Status refused matter ${p.input.readableId}: ${r.error.message}`, {
          matterNumber: p.input.readableId,
          code: r.error.code,
        });
        return;
      }
      this.store.attention.resolve('matter_failed', p.matter.id);
      if (ctx.firstCaseAtMs === null) ctx.firstCaseAtMs = ctx.clock.monotonicMs();
      if (r.created) ctx.counts.casesCreated += 1;
      else if (r.changed) ctx.counts.casesUpdated += 1;
      else ctx.counts.casesUnchanged += 1;
      const previous = this.store.links.matter(p.matter.id);
      this.store.links.saveMatter({
        matterId: p.matter.id,
        caseId: r.id,
        caseUrl: r.url,
        matterNumber: p.input.readableId,
        matterTitle: p.input.title,
        matterVersion: p.matter.versionId,
        status: p.matter.status,
        stageId: p.stageId,
        stageName: p.input.stage,
        stageUpdated: p.stageUpdated,
        clientIds: p.clientIds,
        fingerprint: p.fingerprint,
        caseInput: p.input,
      });
      this.recordCaseHistory(p, r, previous, contacts, ctx);
      if (r.stageChanged && previous && previous.stageName !== p.input.stage) {
        this.store.activity.add({
          kind: 'stage',
          matterId: p.matter.id,
          summary: `${p.input.readableId}: stage ${previous.stageName ?? '(none)'} → ${p.input.stage ?? '(none)'}`,
          link: r.url,
        });
      }
    });
  }

  /**
   * The matter history of one case write: created, or reopened / updated (which fields) / stage sent, each with the
   * run that did it and the Smokeball change (the matter's version; the stage's lastUpdated for a stage).
   */
  private recordCaseHistory(p: CaseWrite, r: CsCaseResult, previous: MatterLink | undefined, contacts: Map<string, SbContact>, ctx: RunContext): void {
    const { history } = this.store;
    const base = { matterId: p.matter.id, caseId: r.id, cause: ctx.kind, runId: ctx.runId, source: p.matter.versionId };
    const names = p.clientIds.map((id) => contacts.get(id)).filter((c): c is SbContact => c !== undefined);
    if (names.length > 0)
      history.setClientNames(
        p.matter.id,
        names.map((c) => displayName(mapContact(c, this.config).input)),
      );
    if (r.created || !previous) {
      history.record({ ...base, kind: 'case_created', details: { to: p.input.stage } });
      return;
    }
    if (previous.status === 'Closed' && p.input.status !== 'closed') history.record({ ...base, kind: 'case_reopened' });
    const fields = changedFields(previous.caseInput as Partial<CsCaseInput>, p.input);
    if (r.changed && fields.length > 0) history.record({ ...base, kind: 'case_updated', details: { fields } });
    if (r.stageChanged && previous.stageName !== p.input.stage) {
      history.record({ ...base, kind: 'stage_sent', source: p.stageUpdated, details: { from: previous.stageName, to: p.input.stage } });
    }
  }

  /** Upserts these contacts as Case Status clients where their details changed since last written. */
  async writeContacts(contacts: SbContact[], ctx: RunContext): Promise<Set<string>> {
    const toWrite = decideContactWrites(contacts, this.config, this.store.links, ctx);
    const failed = new Set<string>();
    const batches = chunk(toWrite, CASE_STATUS_BATCH_LIMIT);
    const results = await Promise.all(
      batches.map((b) =>
        this.cs.upsertClients(
          b.map((c) => c.input),
          this.priority,
        ),
      ),
    );
    this.store.transaction(() => {
      results.forEach((batchResults, b) => {
        const batch = batches[b] as typeof toWrite;
        batchResults.forEach((r: CsBatchItem<CsClientResult>, i) => {
          const item = batch[r.index ?? i];
          if (!item) return;
          if (!r.ok) {
            failed.add(item.input.externalId);
            this.store.attention.raise(
              'matter_failed',
              `client:${item.input.externalId}`,
              `Case Status refused client ${item.input.firstName} ${item.input.lastName}: ${r.error.message}`,
            );
            return;
          }
          ctx.counts.clientsWritten += 1;
          this.store.links.saveContact({ contactId: item.input.externalId, clientId: r.id, version: item.version, fingerprint: item.fp });
        });
      });
    });
    return failed;
  }

  /**
   * Stage-only changes of linked matters: the case payload last sent with the new stage, so no re-read of the
   * matter is needed. A stage whose lastUpdated is not newer than the applied one is dropped (late event).
   */
  async applyStageChanges(changes: { link: MatterLink; stage: SbMatterStage }[], ref: ReferenceData, ctx: RunContext): Promise<void> {
    const pending: PendingStage[] = [];
    for (const { link, stage } of changes) {
      ctx.seeStageUpdated(stage.lastUpdated);
      if (link.stageUpdated && BigInt(stage.lastUpdated) <= BigInt(link.stageUpdated)) continue;
      const previous = link.caseInput as CsCaseInput;
      const area = ref.practiceAreas.get(previous.practiceArea);
      if (!area) continue;
      const { csStage, problem } = mapStage(stage.stage ?? undefined, area, this.config);
      if (problem) ctx.addProblem(problem);
      const input = { ...previous, stage: csStage };
      const move = { stageId: stage.stage?.id ?? null, stageName: csStage, stageUpdated: String(stage.lastUpdated) };
      if (this.gate?.stage(link, move, ctx.kind) === 'wait') continue;
      pending.push({ link, input, stageId: stage.stage?.id ?? null, stageUpdated: String(stage.lastUpdated), fingerprint: fingerprint(input) });
    }
    for (const batch of chunk(pending, CASE_STATUS_BATCH_LIMIT)) {
      const changed = batch.filter((p) => p.fingerprint !== p.link.fingerprint);
      const results =
        changed.length > 0
          ? await this.send(changed.map((p) => ({ matterId: p.link.matterId, caseInput: p.input, stageId: p.stageId, stageUpdated: p.stageUpdated })))
          : [];
      this.store.transaction(() => {
        // Unchanged payloads (e.g. two Smokeball stages mapped to one Case Status stage) still move the guard.
        for (const p of batch.filter((x) => x.fingerprint === x.link.fingerprint)) {
          this.store.links.saveMatter({ ...p.link, stageId: p.stageId, stageUpdated: p.stageUpdated });
        }
        results.forEach((r, i) => {
          const p = changed[r.index ?? i];
          if (p) this.recordStageResult(r, p, ctx, ctx.kind);
        });
        this.store.caseSends.settle(changed.map((p) => p.link.matterId));
      });
    }
  }

  /** Closes the cases of these linked matters (closed, deleted, or no longer selected for sync). */
  async closeCases(
    links: MatterLink[],
    ctx: RunContext,
    reason: string,
    options: { force?: boolean; notify?: boolean; cause?: HistoryCause } = {},
  ): Promise<void> {
    const pending = links
      .filter((l) => l.status !== 'Closed')
      // A person's confirmation sends past the mass-change guard; it still counts towards the window.
      .filter((l) => !this.gate || (options.force ? this.gate.admit(l.matterId, 'close', true) : this.gate.close(l, ctx.kind) === 'send'))
      .map((l) => ({ link: l, input: { ...(l.caseInput as CsCaseInput), status: 'closed' as const } }));
    for (const batch of chunk(pending, CASE_STATUS_BATCH_LIMIT)) {
      const results = await this.send(
        batch.map((p) => ({
          matterId: p.link.matterId,
          caseInput: options.notify === false ? { ...p.input, notifyClient: false } : p.input,
          stageId: p.link.stageId,
          stageUpdated: p.link.stageUpdated,
        })),
      );
      this.store.transaction(() => {
        this.store.caseSends.settle(batch.map((p) => p.link.matterId));
        results.forEach((r, i) => {
          const p = batch[r.index ?? i];
          if (!p) return;
          if (!r.ok) {
            ctx.counts.failed += 1;
            this.store.attention.raise('matter_failed', p.link.matterId, `Could not close case ${p.input.readableId}: ${r.error.message}`);
            return;
          }
          ctx.counts.casesClosed += 1;
          this.store.links.saveMatter({ ...p.link, status: 'Closed', fingerprint: fingerprint(p.input), caseInput: p.input });
          this.store.history.record({
            matterId: p.link.matterId,
            caseId: r.id,
            kind: 'case_closed',
            cause: options.cause ?? ctx.kind,
            runId: ctx.runId,
            source: p.link.matterVersion,
            details: { reason },
          });
          this.store.activity.add({
            kind: 'closed',
            matterId: p.link.matterId,
            summary: `${p.input.readableId}: case closed (${reason})`,
            link: p.link.caseUrl,
          });
        });
      });
    }
  }

  /**
   * Sends held changes: a stage on the case payload last sent, or a closure. `force`: a person chose to send them
   * (past the mass-change guard); otherwise a change the guard does not let through waits for a person instead.
   * `notify: false` applies them without texting the client (`notifyClient: false`, docs/casestatus-api.md).
   */
  async sendHeld(changes: HeldChange[], ctx: RunContext, options: { force: boolean; notify: boolean }): Promise<void> {
    // A hold that ran out by itself, a person's Send now / Confirm, or Don't send (applied without texting).
    const cause: HistoryCause = !options.notify ? 'held_silent' : options.force ? 'held_sent' : 'held_release';
    const stages: { held: HeldChange; link: MatterLink; input: CsCaseInput }[] = [];
    const closures: MatterLink[] = [];
    for (const held of changes) {
      const link = this.store.links.matter(held.matterId);
      // The case was closed meanwhile (or never linked): nothing is left to send.
      if (!link || link.status === 'Closed') {
        this.store.held.remove(held.matterId);
        continue;
      }
      if (held.kind === 'close') {
        closures.push(link);
        continue;
      }
      // Already applied, or overtaken by a newer stage (a hold recorded by a host that lost the lease meanwhile).
      const overtaken = held.stageUpdated !== null && link.stageUpdated !== null && BigInt(held.stageUpdated) <= BigInt(link.stageUpdated);
      if (held.stageName === link.stageName || overtaken) {
        this.store.held.remove(held.matterId);
        continue;
      }
      if (this.gate && !this.gate.admit(held.matterId, 'stage', options.force)) {
        this.gate.awaitConfirmation(held);
        continue;
      }
      stages.push({ held, link, input: { ...(link.caseInput as CsCaseInput), stage: held.stageName } });
    }
    for (const batch of chunk(stages, CASE_STATUS_BATCH_LIMIT)) {
      const results = await this.send(
        batch.map((p) => ({
          matterId: p.link.matterId,
          caseInput: options.notify ? p.input : { ...p.input, notifyClient: false },
          stageId: p.held.stageId,
          stageUpdated: p.held.stageUpdated,
        })),
      );
      this.store.transaction(() => {
        this.store.caseSends.settle(batch.map((p) => p.link.matterId));
        results.forEach((r, i) => {
          const p = batch[r.index ?? i];
          if (!p) return;
          const sent = { link: p.link, input: p.input, stageId: p.held.stageId, stageUpdated: p.held.stageUpdated, fingerprint: fingerprint(p.input) };
          if (this.recordStageResult(r, sent, ctx, cause, options.notify ? '' : ' (client not texted)')) this.store.held.remove(p.held.matterId);
        });
      });
    }
    if (closures.length > 0) {
      await this.closeCases(closures, ctx, 'held closure sent', { force: true, notify: options.notify, cause });
      for (const l of closures) if (this.store.links.matter(l.matterId)?.status === 'Closed') this.store.held.remove(l.matterId);
    }
  }

  /**
   * Sends one batch of updates of linked cases, each recorded as in flight first (src/store/case-sends.ts); the
   * caller settles them in the transaction that records the answers.
   */
  private async send(updates: CaseSend[]): Promise<CsBatchItem<CsCaseResult>[]> {
    this.store.caseSends.record(updates);
    return this.cs.upsertCases(
      updates.map((u) => u.caseInput as CsCaseInput),
      this.priority,
    );
  }

  /**
   * Case Status's answer to one stage update, from a run or from a held change's release: a refusal becomes an
   * item; a success moves the link (and its stage guard) and, when the client saw a new stage, the activity log.
   * True when the update was applied.
   */
  private recordStageResult(
    r: CsBatchItem<CsCaseResult>,
    p: { link: MatterLink; input: CsCaseInput; stageId: string | null; stageUpdated: string | null; fingerprint: string },
    ctx: RunContext,
    cause: HistoryCause,
    note = '',
  ): boolean {
    if (!r.ok) {
      ctx.counts.failed += 1;
      this.store.attention.raise('matter_failed', p.link.matterId, `Case Status refused stage for ${p.input.readableId}: ${r.error.message}`);
      return false;
    }
    ctx.counts.casesUpdated += 1;
    this.store.links.saveMatter({
      ...p.link,
      stageId: p.stageId,
      stageName: p.input.stage,
      stageUpdated: p.stageUpdated,
      fingerprint: p.fingerprint,
      caseInput: p.input,
    });
    if (r.stageChanged) {
      this.store.history.record({
        matterId: p.link.matterId,
        caseId: r.id,
        kind: 'stage_sent',
        cause,
        runId: ctx.runId,
        source: p.stageUpdated,
        details: { from: p.link.stageName, to: p.input.stage },
      });
      this.store.activity.add({
        kind: 'stage',
        matterId: p.link.matterId,
        summary: `${p.input.readableId}: stage ${p.link.stageName ?? '(none)'} → ${p.input.stage ?? '(none)'}${note}`,
        link: r.url,
      });
    }
    return true;
  }
}
