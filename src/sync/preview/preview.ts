import type { NotSyncedReason, NotTextableReason, PreviewClient, PreviewMatter, SyncPreview } from '../../contract/preview.js';
import { NOT_TEXTABLE_REASONS } from '../../contract/preview.js';
import type { StateStore } from '../../store/index.js';
import type { CaseStatusClient } from '../casestatus/client.js';
import type { SyncConfig } from '../config.js';
import type { MatterWithStage } from '../engine/case-writer.js';
import { planClosures } from '../engine/closures.js';
import { contactsOfMatters, decideCaseWrites, decideContactWrites } from '../engine/decisions.js';
import { runFullScan } from '../engine/full-sync.js';
import { RunContext } from '../engine/run-context.js';
import { isEligible, mapStage, practiceAreaFor, type ReferenceData } from '../mapping.js';
import type { SmokeballClient } from '../smokeball/client.js';
import { listMatterTypes, listStaff } from '../smokeball/reads.js';
import type { SbContact, SbMatter, SbMatterStatus, SbPage } from '../smokeball/types.js';
import { StatusReporter } from '../status.js';
import { suggestName } from './suggest.js';
import { notTextable } from './textable.js';

export interface PreviewDeps {
  smokeball: SmokeballClient;
  caseStatus: CaseStatusClient;
  /** Read only: links decide update versus create and unchanged, exactly as in a run. */
  store: StateStore;
  config: SyncConfig;
}

const ALL_STATUSES: SbMatterStatus[] = ['Open', 'Pending', 'Closed', 'Deleted', 'Cancelled'];

/**
 * The dry run: what the next full scan would do, without doing it. It reads what a full scan reads (reference
 * data, then the stages, matters and contacts list pages) and passes each page through the same decisions the case
 * writer sends (src/sync/engine/decisions.ts), but counts them instead of sending them. It writes nothing: no
 * Case Status or Smokeball write, no link, checkpoint, attention item or run record (the scan runs with
 * `resume: false` and a status reporter of its own).
 *
 * Two differences from a run, both reads: one `Limit=1` matters request per status not synced counts its matters
 * (set-up step 4 shows one count per status), and staff are not read while nothing is linked (a case's attorney only
 * matters when comparing with what was last sent). A first-import preview so costs the import's own list pages plus
 * one request per status not synced, less one.
 */
export async function previewSync(deps: PreviewDeps): Promise<SyncPreview> {
  const { smokeball: sb, caseStatus: cs, store, config } = deps;
  const sbBefore = sb.gate.metrics.sent;
  const csBefore = cs.gate.metrics.sent;
  const firstImport = store.links.matterCount() === 0;
  const unselected = ALL_STATUSES.filter((s) => !config.statuses.includes(s));
  const [staff, matterTypes, practiceAreas, otherStatuses] = await Promise.all([
    firstImport ? Promise.resolve([]) : listStaff(sb),
    listMatterTypes(sb),
    cs.practiceAreas(),
    // One count per status not synced (set-up step 4 shows each): a `Limit=1` read each, its `size` is the count.
    Promise.all(
      unselected.map((status) =>
        sb.get<SbPage<SbMatter>>('/matters', { params: { Status: [status], Offset: 0, Limit: 1 } }).then((p) => ({ status, count: p.size ?? p.value.length })),
      ),
    ),
  ]);
  const ref: ReferenceData = {
    staff: new Map(staff.map((s) => [s.id, s])),
    matterTypes: new Map(matterTypes.map((t) => [t.id, t])),
    practiceAreas: new Map(practiceAreas.map((a) => [a.name, a])),
  };
  const tally = new PreviewTally(config, store, ref);
  const ctx = new RunContext(0, 'initial');
  const { seen } = await runFullScan(
    { sb, store, config, writer: tally, status: new StatusReporter(), plan: 'auto', resume: false, onListed: (m) => tally.listed(m) },
    ref,
    ctx,
  );
  const closures = planClosures(store.links.allMatters(), seen, config);
  return tally.result({
    firstImport,
    otherStatuses,
    closures,
    requests: { smokeball: sb.gate.metrics.sent - sbBefore, caseStatus: cs.gate.metrics.sent - csBefore },
  });
}

interface StageTally {
  id: string;
  name: string;
  practiceArea: string;
  matters: number;
  mappedTo: string | null;
  unmapped: boolean;
  suggested: string | null;
}

/** Counts what each page's decisions would send; the full scan hands it the pages the case writer would get. */
class PreviewTally {
  private readonly matters = new Map<string, PreviewMatter>();
  private readonly statusCounts = new Map<string, number>();
  private readonly typeCounts = new Map<string, { name: string; matters: number }>();
  private readonly stages = new Map<string, StageTally>();
  private readonly clientsCreate = new Set<string>();
  private readonly clientsUpdate = new Set<string>();
  private readonly texted = new Set<string>();
  private readonly notTextable = new Map<string, PreviewClient>();
  private readonly typesNotMapped = new Set<string>();
  private cases = { create: 0, update: 0, unchanged: 0 };
  private stageChanges = 0;

  constructor(
    private readonly config: SyncConfig,
    private readonly store: StateStore,
    private readonly ref: ReferenceData,
  ) {}

  listed(matters: readonly SbMatter[]): void {
    for (const m of matters) {
      this.statusCounts.set(m.status, (this.statusCounts.get(m.status) ?? 0) + 1);
      const typeId = m.matterType?.id ?? '';
      const name = this.ref.matterTypes.get(typeId)?.name ?? m.matterType?.name ?? 'Unknown';
      const t = this.typeCounts.get(typeId) ?? { name, matters: 0 };
      t.matters += 1;
      this.typeCounts.set(typeId, t);
      if (!isEligible(m, this.config)) {
        this.setMatter(m, 'not_synced', m.isLead ? 'lead' : !this.config.statuses.includes(m.status) ? 'status_filtered_out' : 'type_not_selected');
      }
    }
  }

  private setMatter(m: SbMatter, action: PreviewMatter['action'], reason: PreviewMatter['reason']): void {
    this.matters.set(m.id, {
      matterId: m.id,
      number: m.number ?? '',
      title: m.title ?? '',
      matterType: this.ref.matterTypes.get(m.matterType?.id ?? '')?.name ?? m.matterType?.name ?? 'Unknown',
      status: m.status,
      action,
      reason,
    });
  }

  /** The case writer's applyMatters, counted instead of sent. */
  async applyMatters(items: MatterWithStage[], contacts: Map<string, SbContact>, ref: ReferenceData, ctx: RunContext): Promise<void> {
    const eligible = items.filter((i) => isEligible(i.matter, this.config));
    const clients = contactsOfMatters(eligible, contacts);
    for (const w of decideContactWrites(clients, this.config, this.store.links, ctx)) {
      const id = w.input.externalId;
      // A contact on two pages is written once: the second page finds the link the first one saved.
      if (this.clientsCreate.has(id) || this.clientsUpdate.has(id)) continue;
      (w.link ? this.clientsUpdate : this.clientsCreate).add(id);
    }
    const textable = new Set<string>();
    for (const c of clients) {
      const problem = notTextable(c, this.config.defaultCountryCode);
      if (!problem) textable.add(c.id);
      else this.notTextable.set(c.id, { contactId: c.id, name: nameOf(c), ...problem });
    }
    const { writes, notMapped } = decideCaseWrites(eligible, contacts, ref, this.config, this.store.links, ctx, new Set());
    for (const n of notMapped) {
      this.typesNotMapped.add(n.matterTypeName);
      this.setMatter(n.matter, 'not_synced', 'type_not_mapped');
    }
    const written = new Set(writes.map((w) => w.matter.id));
    for (const { matter } of eligible) {
      if (!written.has(matter.id) && !notMapped.some((n) => n.matter.id === matter.id)) {
        this.cases.unchanged += 1;
        this.setMatter(matter, 'unchanged', null);
      }
    }
    for (const w of writes) {
      const isNew = w.link === undefined;
      if (isNew) this.cases.create += 1;
      else this.cases.update += 1;
      this.setMatter(w.matter, isNew ? 'create' : 'update', w.stageUnmapped ? 'stage_not_mapped' : null);
      const stageChanges = isNew ? w.input.stage !== null : w.link!.stageName !== w.input.stage;
      if (stageChanges) this.stageChanges += 1;
      // Case Status texts the clients of every new case and of every stage change.
      if (isNew || stageChanges) for (const id of w.input.clientExternalIds) if (textable.has(id)) this.texted.add(id);
    }
    this.countStages(eligible, ref);
  }

  private countStages(items: MatterWithStage[], ref: ReferenceData): void {
    for (const { matter, stage } of items) {
      const sbStage = stage?.stage ?? undefined;
      if (!sbStage) continue;
      const typeName = ref.matterTypes.get(matter.matterType?.id ?? '')?.name ?? matter.matterType?.name ?? 'Unknown';
      const area = practiceAreaFor(typeName, ref, this.config);
      if (!area) continue; // its matter type must be mapped first; the stage is shown once it is
      const key = `${sbStage.id}\u0000${area.name}`;
      let t = this.stages.get(key);
      if (!t) {
        const { csStage, problem } = mapStage(sbStage, area, this.config);
        const names = area.stages.map((s) => s.name);
        t = {
          id: sbStage.id,
          name: sbStage.name,
          practiceArea: area.name,
          matters: 0,
          mappedTo: csStage,
          unmapped: problem !== undefined,
          suggested: csStage ?? suggestName(sbStage.name, names),
        };
        this.stages.set(key, t);
      }
      t.matters += 1;
    }
  }

  result(extra: {
    firstImport: boolean;
    otherStatuses: { status: SbMatterStatus; count: number }[];
    closures: ReturnType<typeof planClosures>;
    requests: SyncPreview['requests'];
  }): SyncPreview {
    const all = [...this.matters.values()];
    const count = (reason: NotSyncedReason) => all.filter((m) => m.action === 'not_synced' && m.reason === reason).length;
    const notSynced: SyncPreview['notSynced'] = [
      { reason: 'type_not_mapped', count: count('type_not_mapped'), detail: [...this.typesNotMapped].sort().join(', ') },
      {
        reason: 'status_filtered_out',
        count: extra.otherStatuses.reduce((n, s) => n + s.count, 0),
        detail: extra.otherStatuses
          .filter((s) => s.count > 0)
          .map((s) => `${s.status} ${s.count}`)
          .join(', '),
      },
      { reason: 'type_not_selected', count: count('type_not_selected'), detail: '' },
      { reason: 'lead', count: count('lead'), detail: '' },
    ];
    const clients = [...this.notTextable.values()].sort((a, b) => a.name.localeCompare(b.name));
    const areaNames = [...this.ref.practiceAreas.keys()];
    return {
      generatedAt: new Date().toISOString(),
      firstImport: extra.firstImport,
      cases: { ...this.cases, close: extra.closures.candidates.length, closeNeedsConfirmation: extra.closures.needsConfirmation },
      clients: { create: this.clientsCreate.size, update: this.clientsUpdate.size },
      clientsTexted: this.texted.size,
      stageChanges: this.stageChanges,
      notTextable: NOT_TEXTABLE_REASONS.map((reason: NotTextableReason) => ({ reason, count: clients.filter((c) => c.reason === reason).length })),
      notTextableClients: clients,
      notSynced,
      stageNotMapped: all.filter((m) => m.reason === 'stage_not_mapped').length,
      // Every status in Smokeball's order, each with its own count: synced ones from the list pages, the others from their `Limit=1` read.
      statuses: ALL_STATUSES.map((status) => {
        const selected = this.config.statuses.includes(status);
        const matters = selected ? (this.statusCounts.get(status) ?? 0) : (extra.otherStatuses.find((s) => s.status === status)?.count ?? 0);
        return { status, matters, selected };
      }),
      matterTypes: [...this.typeCounts.entries()]
        .map(([id, t]) => {
          const area = practiceAreaFor(t.name, this.ref, this.config);
          return {
            id,
            name: t.name,
            matters: t.matters,
            selected: this.config.matterTypeIds.length === 0 || this.config.matterTypeIds.includes(id),
            practiceArea: area?.name ?? null,
            suggested: area?.name ?? suggestName(t.name, areaNames),
          };
        })
        .sort((a, b) => Number(a.practiceArea !== null) - Number(b.practiceArea !== null) || b.matters - a.matters),
      stages: [...this.stages.values()].sort((a, b) => Number(b.unmapped) - Number(a.unmapped) || b.matters - a.matters || a.name.localeCompare(b.name)),
      practiceAreas: [...this.ref.practiceAreas.values()].map((a) => ({
        name: a.name,
        stages: [...a.stages].sort((x, y) => x.position - y.position).map((st) => st.name),
      })),
      closures: extra.closures.candidates.map((l) => ({ matterId: l.matterId, number: l.matterNumber ?? '', title: l.matterTitle ?? '' })),
      matters: all.sort((a, b) => a.number.localeCompare(b.number)),
      requests: extra.requests,
    };
  }
}

function nameOf(c: SbContact): string {
  const person = `${c.person?.firstName ?? ''} ${c.person?.lastName ?? ''}`.trim();
  return c.company?.name?.trim() || person || 'Unnamed client';
}
