import { ApiError } from '../errors.js';
import type { PracticeAreaCatalogue } from '../practice-areas.js';
import type { CaseInput } from '../schemas.js';
import type { CaseStatusValue, CaseView, StaffRef, StageChange } from '../wire.js';

/**
 * Cases by external id (the Smokeball matter id), in creation order for paging, plus the log of stage
 * changes. Every stage change is recorded because in the real product each one texts the client a survey:
 * tests read the log to prove the app never sends a duplicate or a regression.
 */
export interface CaseRecord extends Omit<CaseView, 'url'> {
  seq: number;
}

export interface CaseUpsertOutcome {
  record: CaseRecord;
  created: boolean;
  changes: string[];
  stageChange: StageChange | null;
}

export interface CaseStoreDeps {
  newId: () => string;
  now: () => string;
  clientExists: (externalId: string) => boolean;
  practiceAreas: PracticeAreaCatalogue;
}

type Comparable = Pick<CaseRecord, 'readableId' | 'title' | 'description' | 'practiceArea' | 'status' | 'stage'>;
const SCALAR_FIELDS: (keyof Comparable)[] = ['readableId', 'title', 'description', 'practiceArea', 'status', 'stage'];

export class CaseStore {
  private readonly byExternalId = new Map<string, CaseRecord>();
  private readonly byReadableId = new Map<string, CaseRecord>();
  private readonly byId = new Map<string, CaseRecord>();
  readonly ordered: CaseRecord[] = [];
  readonly stageChanges: StageChange[] = [];

  constructor(private readonly deps: CaseStoreDeps) {}

  get(externalId: string): CaseRecord | undefined {
    return this.byExternalId.get(externalId);
  }

  getById(id: string): CaseRecord | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.ordered.length;
  }

  /** Validates everything first, then applies: a refused upsert changes nothing. */
  upsert(externalId: string, input: CaseInput): CaseUpsertOutcome {
    const clientExternalIds = [...new Set(input.clientExternalIds)];
    const missing = clientExternalIds.filter((id) => !this.deps.clientExists(id));
    if (missing.length > 0) {
      throw new ApiError(422, 'unknown_client', `Unknown client external id(s): ${missing.join(', ')}`, { missing });
    }
    this.deps.practiceAreas.check(input.practiceArea, input.stage);
    const holder = this.byReadableId.get(input.readableId);
    if (holder && holder.externalId !== externalId) {
      throw new ApiError(409, 'readable_id_conflict', `Readable ID "${input.readableId}" belongs to another case`, {
        readableId: input.readableId,
        caseExternalId: holder.externalId,
      });
    }

    const next: Comparable & { primaryAttorney: StaffRef | null; clientExternalIds: string[] } = {
      readableId: input.readableId,
      title: input.title,
      description: input.description,
      practiceArea: input.practiceArea,
      status: input.status,
      stage: input.stage,
      primaryAttorney: input.primaryAttorney,
      clientExternalIds,
    };
    const existing = this.byExternalId.get(externalId);
    const at = this.deps.now();
    if (!existing) {
      const record: CaseRecord = {
        seq: this.ordered.length + 1,
        id: this.deps.newId(),
        externalId,
        ...next,
        createdAt: at,
        updatedAt: at,
        closedAt: next.status === 'closed' ? at : null,
      };
      this.byExternalId.set(externalId, record);
      this.byReadableId.set(record.readableId, record);
      this.byId.set(record.id, record);
      this.ordered.push(record);
      const stageChange = record.stage === null ? null : this.recordStageChange(record, null, record.stage, at, 'api', input.notifyClient);
      return { record, created: true, changes: [...SCALAR_FIELDS, 'primaryAttorney', 'clientExternalIds'], stageChange };
    }

    const changes: string[] = SCALAR_FIELDS.filter((f) => existing[f] !== next[f]);
    if (!sameStaff(existing.primaryAttorney, next.primaryAttorney)) changes.push('primaryAttorney');
    if (!sameList(existing.clientExternalIds, next.clientExternalIds)) changes.push('clientExternalIds');
    if (changes.length === 0) return { record: existing, created: false, changes, stageChange: null };
    return this.apply(existing, next, changes, at, 'api', input.notifyClient);
  }

  /** A change made by firm staff in the Case Status portal (close, hold, move stage). */
  portalUpdate(externalId: string, patch: { status?: CaseStatusValue; stage?: string | null }): CaseUpsertOutcome {
    const existing = this.byExternalId.get(externalId);
    if (!existing) throw new ApiError(404, 'not_found', `No case with external id ${externalId}`);
    if (patch.stage !== undefined) this.deps.practiceAreas.check(existing.practiceArea, patch.stage);
    const next = { ...existing, ...patch };
    const changes = (['status', 'stage'] as const).filter((f) => existing[f] !== next[f]);
    if (changes.length === 0) return { record: existing, created: false, changes: [], stageChange: null };
    return this.apply(existing, next, [...changes], this.deps.now(), 'portal');
  }

  private apply(
    existing: CaseRecord,
    next: Comparable & Pick<CaseRecord, 'primaryAttorney' | 'clientExternalIds'>,
    changes: string[],
    at: string,
    source: StageChange['source'],
    notified = true,
  ): CaseUpsertOutcome {
    const previousStage = existing.stage;
    if (existing.readableId !== next.readableId) {
      this.byReadableId.delete(existing.readableId);
      this.byReadableId.set(next.readableId, existing);
    }
    if (existing.status !== next.status) existing.closedAt = next.status === 'closed' ? at : null;
    existing.readableId = next.readableId;
    existing.title = next.title;
    existing.description = next.description;
    existing.practiceArea = next.practiceArea;
    existing.status = next.status;
    existing.stage = next.stage;
    existing.primaryAttorney = next.primaryAttorney;
    existing.clientExternalIds = next.clientExternalIds;
    existing.updatedAt = at;
    const stageChange = previousStage === next.stage ? null : this.recordStageChange(existing, previousStage, next.stage, at, source, notified);
    return { record: existing, created: false, changes, stageChange };
  }

  private recordStageChange(
    record: CaseRecord,
    from: string | null,
    to: string | null,
    at: string,
    source: StageChange['source'],
    notified = true,
  ): StageChange {
    const change: StageChange = {
      seq: this.stageChanges.length + 1,
      caseId: record.id,
      caseExternalId: record.externalId,
      from,
      to,
      at,
      source,
      notified,
    };
    this.stageChanges.push(change);
    return change;
  }
}

function sameStaff(a: StaffRef | null, b: StaffRef | null): boolean {
  if (a === null || b === null) return a === b;
  return a.externalId === b.externalId && a.name === b.name && a.email === b.email;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function caseView(record: CaseRecord, caseUrl: (id: string) => string): CaseView {
  const { seq: _seq, ...rest } = record;
  return {
    ...rest,
    primaryAttorney: rest.primaryAttorney && { ...rest.primaryAttorney },
    clientExternalIds: [...rest.clientExternalIds],
    url: caseUrl(record.id),
  };
}
