/**
 * Smokeball records as the engine may use them. Smokeball is outside our control: a list page can carry a
 * record with a missing id, a number where text belongs, or a `lastUpdated` that is not ticks. One such record
 * must never stop a whole import (it used to: `clean()` threw on a numeric title and `BigInt()` on bad ticks,
 * failing every page). Each record is checked once where it enters the engine:
 *  - harmless type slips are repaired (a number title becomes its digits; a missing client list is empty);
 *  - a record the sync cannot use safely (no id, no readable status, no matter type, unreadable stage time)
 *    is set aside as `Unreadable`, reported as an item needing attention, and left for a later run.
 */
import type { SbContact, SbLink, SbMatter, SbMatterStage, SbPhone } from './types.js';

export type RecordKind = 'matter' | 'matter stage' | 'contact';

export interface Unreadable {
  unreadable: true;
  resource: RecordKind;
  /** The record's own id when it has a readable one. */
  recordId: string | null;
  /** The matter it belongs to, when known (a matter's own id; a MatterStage's matter). */
  matterId: string | null;
  /** What is wrong, for people: "status is 42, not a matter status". */
  problem: string;
}

export const isUnreadable = (x: unknown): x is Unreadable => typeof x === 'object' && x !== null && (x as Unreadable).unreadable === true;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ids are printable tokens (GUIDs in practice); anything else cannot be a key in Case Status or our store. */
function readId(v: unknown): string | undefined {
  return typeof v === 'string' && /^[A-Za-z0-9._:-]{1,200}$/.test(v) ? v : undefined;
}

/** Text fields: strings as they are, numbers as their digits (an id-like number typed into a text field), else null. */
function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  return null;
}

/** .NET ticks as the exact decimal string (the JSON reader keeps 16+ digit numbers as strings). */
export function readTicksString(v: unknown): string | undefined {
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return v;
  if (typeof v === 'bigint' && v >= 0n) return v.toString();
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  return undefined;
}

function link(v: unknown): SbLink | null {
  if (!isRecord(v)) return null;
  const id = readId(v.id);
  if (!id) return null;
  const name = text(v.name);
  return { id, ...(name !== null ? { name } : {}) };
}

function links(v: unknown): SbLink[] {
  return Array.isArray(v) ? v.map(link).filter((l): l is SbLink => l !== null) : [];
}

function ids(v: unknown): string[] {
  return Array.isArray(v) ? v.map(readId).filter((id): id is string => id !== undefined) : [];
}

const STATUSES = ['Open', 'Pending', 'Closed', 'Deleted', 'Cancelled'] as const;

function unreadable(resource: RecordKind, recordId: string | null, matterId: string | null, problem: string): Unreadable {
  return { unreadable: true, resource, recordId, matterId, problem };
}

function describe(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'missing' : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** A matter from a list, a GET or a batch: repaired, or set aside with the reason. */
export function checkMatter(raw: unknown): SbMatter | Unreadable {
  if (!isRecord(raw)) return unreadable('matter', null, null, `the record is ${describe(raw)}, not an object`);
  const id = readId(raw.id);
  if (!id) return unreadable('matter', null, null, `it has no usable id (${describe(raw.id)})`);
  const status = STATUSES.find((s) => s === raw.status);
  if (!status) return unreadable('matter', id, id, `its status is ${describe(raw.status)}, not a Smokeball matter status`);
  const matterType = link(raw.matterType);
  if (!matterType) return unreadable('matter', id, id, `its matter type is ${describe(raw.matterType)}, not a link to a matter type`);
  const versionId = readTicksString(raw.versionId) ?? text(raw.versionId) ?? '';
  return {
    ...(raw as unknown as SbMatter),
    id,
    versionId,
    status,
    matterType,
    number: text(raw.number),
    title: text(raw.title),
    description: text(raw.description),
    clients: Array.isArray(raw.clients) ? links(raw.clients) : null,
    clientIds: Array.isArray(raw.clientIds) ? ids(raw.clientIds) : null,
    personResponsible: link(raw.personResponsible),
    personAssisting: link(raw.personAssisting),
    isLead: raw.isLead === true,
  };
}

/** A MatterStage: the stage time must be exact ticks, or the never-backwards guard cannot be applied. */
export function checkMatterStage(raw: unknown): SbMatterStage | Unreadable {
  if (!isRecord(raw)) return unreadable('matter stage', null, null, `the record is ${describe(raw)}, not an object`);
  const matter = link(raw.matter);
  const recordId = readId(raw.id) ?? null;
  if (!matter) return unreadable('matter stage', recordId, null, `it names no matter (${describe(raw.matter)})`);
  const lastUpdated = readTicksString(raw.lastUpdated);
  if (!lastUpdated) return unreadable('matter stage', recordId, matter.id, `its lastUpdated is ${describe(raw.lastUpdated)}, not a Smokeball time`);
  let stage: SbMatterStage['stage'] = null;
  if (raw.stage !== null && raw.stage !== undefined) {
    const s = raw.stage;
    const stageId = isRecord(s) ? readId(s.id) : undefined;
    const name = isRecord(s) ? text(s.name) : null;
    if (!isRecord(s) || !stageId || name === null)
      return unreadable('matter stage', recordId, matter.id, `its stage is ${describe(s)}, not a stage with an id and a name`);
    stage = { id: stageId, name, isDeleted: s.isDeleted === true };
  }
  return { ...(raw as unknown as SbMatterStage), id: recordId ?? '', matter, stageSet: link(raw.stageSet), stage, lastUpdated };
}

function phone(v: unknown): SbPhone | null {
  if (!isRecord(v)) return null;
  return { areaCode: text(v.areaCode), number: text(v.number) };
}

/** A contact: names and phones repaired; only a missing id sets it aside. */
export function checkContact(raw: unknown): SbContact | Unreadable {
  if (!isRecord(raw)) return unreadable('contact', null, null, `the record is ${describe(raw)}, not an object`);
  const id = readId(raw.id);
  if (!id) return unreadable('contact', null, null, `it has no usable id (${describe(raw.id)})`);
  const p = isRecord(raw.person) ? raw.person : null;
  const c = isRecord(raw.company) ? raw.company : null;
  return {
    ...(raw as unknown as SbContact),
    id,
    versionId: text(raw.versionId) ?? undefined,
    person: p
      ? {
          title: text(p.title),
          firstName: text(p.firstName),
          middleName: text(p.middleName),
          lastName: text(p.lastName),
          email: text(p.email),
          phone: phone(p.phone),
          cell: phone(p.cell),
        }
      : null,
    company: c ? { name: text(c.name), email: text(c.email), phone: phone(c.phone) } : null,
    isDeleted: raw.isDeleted === true,
    lastUpdated: readTicksString(raw.lastUpdated),
  };
}

/** Splits records into the usable (repaired) ones and those set aside. */
export function partitionRecords<T>(raws: readonly unknown[], check: (raw: unknown) => T | Unreadable): { good: T[]; bad: Unreadable[] } {
  const good: T[] = [];
  const bad: Unreadable[] = [];
  for (const raw of raws) {
    const r = check(raw);
    if (isUnreadable(r)) bad.push(r);
    else good.push(r);
  }
  return { good, bad };
}

/**
 * The attention subject of a set-aside record: the matter's id (so writing its case later resolves the item,
 * as for any refused matter), `client:<id>` for a contact (as for a client Case Status refused), or, for a
 * record without any id, its kind and problem (one item however often it is served).
 */
export function unreadableSubject(u: Pick<Unreadable, 'resource' | 'recordId' | 'matterId' | 'problem'>): string {
  if (u.matterId) return u.matterId;
  if (u.resource === 'contact' && u.recordId) return `client:${u.recordId}`;
  return `unreadable ${u.resource}: ${u.problem}`.slice(0, 200);
}

/** The sentence shown under "needs attention". */
export function unreadableReason(u: Pick<Unreadable, 'resource' | 'recordId' | 'problem'>): string {
  const which = u.recordId ? `${u.resource} ${u.recordId}` : `a ${u.resource} without an id`;
  return `Smokeball sent ${which} that cannot be synced: ${u.problem}. It is skipped until Smokeball sends it complete; the rest of the sync went on.`;
}
