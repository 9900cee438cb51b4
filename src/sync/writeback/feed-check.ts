/**
 * Case Status feed items as the write-back may use them. The feeds are outside our control, and one item the
 * writers cannot handle must not stop the feed: a `null` item used to throw while its page was queued, so the
 * cursor never moved and every later message waited forever; an item without a case id made the whole run
 * fail. Each item is checked when it is read from the feed:
 *  - harmless slips are repaired (a missing sender becomes "Unknown sender", a numeric body its digits);
 *  - an item that cannot be placed or checked (no id, no case, no thread; a document without a usable size or
 *    SHA-256) is not queued: it is listed under "needs attention" with the reason, and the feed goes on.
 */
import type { CsDocument, CsMessage } from '../casestatus/types.js';

export interface BadFeedItem {
  /** The item's id when it has a usable one. */
  id: string | null;
  problem: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ids and case ids: printable, bounded (they become outbox keys, SQL parameters and markers in memos). */
function readId(v: unknown): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what an id must not hold
  return typeof v === 'string' && /^[^\s\u0000-\u001f\u007f[\]]{1,200}$/.test(v) ? v : undefined;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

function describe(v: unknown): string {
  const s = v === undefined ? 'missing' : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function party(v: unknown): { name: string; role: 'client' | 'staff' } {
  const p = isRecord(v) ? v : {};
  // An unknown role is shown as such (memo-text labels it), never guessed to be the client or the firm.
  return { name: text(p.name) ?? '', role: (text(p.role) ?? 'unknown') as 'client' | 'staff' };
}

function placement(raw: Record<string, unknown>): { id: string; caseExternalId: string } | BadFeedItem {
  const id = readId(raw.id);
  if (!id) return { id: null, problem: `it has no usable id (${describe(raw.id)})` };
  const caseExternalId = readId(raw.caseExternalId);
  if (!caseExternalId) return { id, problem: `it names no case (caseExternalId ${describe(raw.caseExternalId)})` };
  return { id, caseExternalId };
}

const isBad = (x: object): x is BadFeedItem => 'problem' in x;

export function checkMessage(raw: unknown): CsMessage | BadFeedItem {
  if (!isRecord(raw)) return { id: null, problem: `the item is ${describe(raw)}, not an object` };
  const place = placement(raw);
  if (isBad(place)) return place;
  const threadId = readId(raw.threadId);
  if (!threadId) return { id: place.id, problem: `it names no conversation (threadId ${describe(raw.threadId)})` };
  return {
    ...place,
    caseId: text(raw.caseId) ?? '',
    threadId,
    sender: party(raw.sender),
    body: text(raw.body) ?? '',
    createdAt: text(raw.createdAt) ?? '',
  };
}

export function checkDocument(raw: unknown): CsDocument | BadFeedItem {
  if (!isRecord(raw)) return { id: null, problem: `the item is ${describe(raw)}, not an object` };
  const place = placement(raw);
  if (isBad(place)) return place;
  const sizeBytes = raw.sizeBytes;
  if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
    return { id: place.id, problem: `its size is ${describe(sizeBytes)}, not a number of bytes` };
  }
  if (typeof raw.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(raw.sha256)) {
    return { id: place.id, problem: `its SHA-256 is ${describe(raw.sha256)}, so the bytes could not be checked` };
  }
  return {
    ...place,
    caseId: text(raw.caseId) ?? '',
    // An empty or missing name is still a file: file-names.ts turns it into "document".
    fileName: text(raw.fileName) ?? '',
    sizeBytes,
    sha256: raw.sha256.toLowerCase(),
    contentType: text(raw.contentType) ?? 'application/octet-stream',
    sharedBy: party(raw.sharedBy),
    createdAt: text(raw.createdAt) ?? '',
  };
}

export function isBadFeedItem(x: unknown): x is BadFeedItem {
  return isRecord(x) && typeof x.problem === 'string';
}
