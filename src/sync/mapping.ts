import { createHash } from 'node:crypto';
import type { SyncConfig } from './config.js';
import type { CsCaseInput, CsCaseStatus, CsClientInput, CsPracticeArea } from './casestatus/types.js';
import type { RecordKind } from './smokeball/record-check.js';
import type { SbContact, SbMatter, SbMatterStage, SbMatterType, SbPhone, SbStaff } from './smokeball/types.js';

/** Reference data needed to turn a matter into a case; loaded once per run from the 500-record list endpoints. */
export interface ReferenceData {
  staff: Map<string, SbStaff>;
  matterTypes: Map<string, SbMatterType>;
  /** Case Status practice areas by exact name. */
  practiceAreas: Map<string, CsPracticeArea>;
}

export type MappingProblem =
  | { kind: 'unmapped_stage'; stageId: string; stageName: string; practiceArea: string }
  | { kind: 'unmapped_practice_area'; matterTypeId: string; matterTypeName: string }
  | { kind: 'client_without_cell_phone'; contactId: string; name: string }
  | { kind: 'no_clients'; matterId: string }
  /** A record Smokeball sent that the sync cannot use (see smokeball/record-check.ts); it is skipped, not guessed at. */
  | { kind: 'unreadable_record'; resource: RecordKind; recordId: string | null; matterId: string | null; problem: string };

export interface MappedCase {
  input: CsCaseInput;
  stageId: string | null;
  stageUpdated: string | null;
  clientIds: string[];
  fingerprint: string;
}

const CS_STATUS: Record<string, CsCaseStatus> = { Open: 'open', Pending: 'pending' };

export function isEligible(matter: SbMatter, config: SyncConfig): boolean {
  if (matter.isLead) return false;
  if (!config.statuses.includes(matter.status)) return false;
  const typeId = matter.matterType?.id;
  return config.matterTypeIds.length === 0 || (typeId !== undefined && config.matterTypeIds.includes(typeId));
}

export function clientIdsOf(matter: SbMatter): string[] {
  const ids = matter.clients?.map((c) => c.id) ?? matter.clientIds ?? [];
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id.length > 0))];
}

/** Digits of a phone in E.164, or null when it cannot be a dialable number. */
export function toE164(phone: SbPhone | null | undefined, defaultCountryCode: string): string | null {
  if (!phone) return null;
  const raw = `${phone.areaCode ?? ''}${phone.number ?? ''}`.trim();
  if (raw === '') return null;
  const hasPlus = raw.startsWith('+');
  const digits = raw.replace(/\D/g, '');
  if (hasPlus) return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : null;
  if (defaultCountryCode === '1') {
    if (digits.length === 10) return `+1${digits}`;
    if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
    return null;
  }
  const national = digits.replace(/^0+/, '');
  const full = `${defaultCountryCode}${national}`;
  return full.length >= 8 && full.length <= 15 ? `+${full}` : null;
}

/** Case Status rejects control characters in names; Smokeball data sometimes carries them. */
function clean(text: string | null | undefined, max: number): string {
  return (
    (text ?? '')
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, max)
  );
}

/**
 * Long text (the matter description): line breaks and tabs are kept, other control characters (NUL, BEL, ESC,
 * DEL...) are removed, as Case Status shows it to clients as plain text.
 */
function cleanMultiline(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').slice(0, max);
}

export function mapContact(contact: SbContact, config: SyncConfig): { input: CsClientInput; problems: MappingProblem[] } {
  const person = contact.person ?? undefined;
  const company = contact.company ?? undefined;
  const cell = toE164(person?.cell, config.defaultCountryCode);
  const input: CsClientInput = {
    externalId: contact.id,
    firstName: clean(person?.firstName, 200),
    lastName: clean(person?.lastName, 200),
    email: validEmail(person?.email ?? company?.email),
    cellPhone: cell,
    companyName: company ? clean(company.name, 200) || null : null,
  };
  if (input.firstName === '' && !input.companyName) input.companyName = clean(person?.lastName, 200) || 'Unnamed client';
  const problems: MappingProblem[] = [];
  if (!cell) problems.push({ kind: 'client_without_cell_phone', contactId: contact.id, name: displayName(input) });
  return { input, problems };
}

function validEmail(email: string | null | undefined): string | null {
  const e = (email ?? '').trim();
  return /^[^\s@]+@[^\s@]+$/.test(e) && e.length <= 320 ? e : null;
}

export function displayName(c: Pick<CsClientInput, 'firstName' | 'lastName' | 'companyName'>): string {
  return c.companyName ?? `${c.firstName} ${c.lastName}`.trim();
}

function staffRef(staff: SbStaff | undefined) {
  if (!staff) return null;
  const name = clean(`${staff.firstName ?? ''} ${staff.lastName ?? ''}`, 200);
  return name ? { externalId: staff.id, name, email: validEmail(staff.email) } : null;
}

function findByName<T extends { name: string }>(items: Iterable<T>, name: string): T | undefined {
  const wanted = name.trim().toLocaleLowerCase();
  for (const item of items) if (item.name.trim().toLocaleLowerCase() === wanted) return item;
  return undefined;
}

/**
 * Matter → case. `stage` is the matter's current MatterStage (or undefined when it has none). The case status
 * is open/pending for eligible matters; callers close cases of matters that stopped being eligible.
 */
export function mapMatter(
  matter: SbMatter,
  stage: SbMatterStage | undefined,
  ref: ReferenceData,
  config: SyncConfig,
): { mapped?: MappedCase; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const type = matter.matterType?.id ? ref.matterTypes.get(matter.matterType.id) : undefined;
  const typeName = type?.name ?? matter.matterType?.name ?? 'Unknown';
  const area = practiceAreaFor(typeName, ref, config);
  if (!area) {
    problems.push({ kind: 'unmapped_practice_area', matterTypeId: matter.matterType?.id ?? '', matterTypeName: typeName });
    return { problems };
  }
  const sbStage = stage?.stage ?? undefined;
  const { csStage, problem } = mapStage(sbStage, area, config);
  if (problem) problems.push(problem);
  const clientIds = clientIdsOf(matter);
  if (clientIds.length === 0) problems.push({ kind: 'no_clients', matterId: matter.id });
  const input: CsCaseInput = {
    externalId: matter.id,
    readableId: clean(matter.number, 100) || matter.id.slice(0, 8),
    title: clean(matter.title, 500) || clean(matter.number, 500) || 'Untitled matter',
    description: matter.description ? cleanMultiline(matter.description, 20_000) || null : null,
    practiceArea: area.name,
    status: CS_STATUS[matter.status] ?? 'closed',
    stage: csStage,
    primaryAttorney: staffRef(matter.personResponsible?.id ? ref.staff.get(matter.personResponsible.id) : undefined),
    clientExternalIds: clientIds,
  };
  return {
    mapped: {
      input,
      stageId: sbStage?.id ?? null,
      stageUpdated: stage ? String(stage.lastUpdated) : null,
      clientIds,
      fingerprint: fingerprint(input),
    },
    problems,
  };
}

/** Matter type → Case Status practice area: the firm's explicit mapping first, then the same name. */
export function practiceAreaFor(
  typeName: string,
  ref: Pick<ReferenceData, 'practiceAreas'>,
  config: Pick<SyncConfig, 'practiceAreaMapping'>,
): CsPracticeArea | undefined {
  const areaName = config.practiceAreaMapping[typeName] ?? findByName(ref.practiceAreas.values(), typeName)?.name;
  return areaName ? ref.practiceAreas.get(areaName) : undefined;
}

/** Smokeball stage → Case Status stage name in the case's practice area: explicit mapping first, then same name. */
export function mapStage(
  sbStage: { id: string; name: string } | undefined,
  area: CsPracticeArea,
  config: SyncConfig,
): { csStage: string | null; problem?: MappingProblem } {
  if (!sbStage) return { csStage: null };
  if (Object.hasOwn(config.stageMapping, sbStage.id)) return { csStage: config.stageMapping[sbStage.id] ?? null };
  const found = findByName(area.stages, sbStage.name)?.name;
  if (found) return { csStage: found };
  return { csStage: null, problem: { kind: 'unmapped_stage', stageId: sbStage.id, stageName: sbStage.name, practiceArea: area.name } };
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);
}
