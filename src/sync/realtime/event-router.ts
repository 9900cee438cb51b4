import { readTicks, type Ticks } from './version-guard.js';

/**
 * What one relay event asks of the app. Events are hints: they name what to re-read, never what to write.
 *  - `matter`: re-read the matter and its stage (matter.created/updated/closed/converted).
 *  - `stage`: re-read the matter's stage (matterstage.updated).
 *  - `contact`: re-read the contact and update its Case Status client (contact.*).
 *  - `writeback`: a Case Status message/document, or a Smokeball `error` for an asynchronous write: wake the
 *     write-back job, which reads the feeds/outbox itself.
 *  - `own`: the echo of a write the app made (its RequestId is ours, or Case Status says `source: "api"`).
 *  - `ignore`: a well-formed event we have no use for; `note` says why when a person may want to know.
 *  - `malformed`: unreadable; logged and counted, never thrown.
 */
export type Route =
  | { kind: 'matter'; matterId: string; version: Ticks | undefined }
  | { kind: 'stage'; matterId: string; lastUpdated: Ticks | undefined }
  | { kind: 'contact'; contactId: string }
  | { kind: 'writeback'; reason: string }
  | { kind: 'own'; reason: string }
  | { kind: 'ignore'; reason: string; note?: string }
  | { kind: 'malformed'; reason: string };

export interface RoutedEvent {
  route: Route;
  /** The relay cursor of the event, when readable (for logs). */
  cursor: string | null;
  type: string | null;
}

const MATTER_EVENTS = new Set(['matter.created', 'matter.updated', 'matter.closed', 'matter.converted']);
const CONTACT_EVENTS = new Set(['contact.created', 'contact.updated', 'contact.deleted', 'contact.restored']);
/** Smokeball events we may receive but do not sync to Case Status (memos and files are written *by* us). */
const SMOKEBALL_UNUSED = new Set(['memo.created', 'memo.updated', 'memo.deleted', 'memo.restored', 'files.updated', 'noop']);

/** Smokeball webhook event types the app subscribes to. `error` reports asynchronous write failures. */
export const SMOKEBALL_EVENT_TYPES: readonly string[] = [
  ...MATTER_EVENTS,
  'matterstage.updated',
  'contact.updated',
  'contact.deleted',
  'contact.restored',
  'error',
];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An id as Smokeball and Case Status use them: a short printable token (GUIDs in practice). */
function readId(v: unknown): string | undefined {
  return typeof v === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(v) ? v : undefined;
}

/**
 * Classifies one event from GET /v1/events. `isOwnRequestId` answers whether a Smokeball RequestId belongs
 * to a write the app made (outbox or recent in-memory set).
 */
export function routeEvent(raw: unknown, isOwnRequestId: (requestId: string) => boolean): RoutedEvent {
  if (!isRecord(raw)) return { route: { kind: 'malformed', reason: 'event is not an object' }, cursor: null, type: null };
  const cursor = typeof raw.cursor === 'string' ? raw.cursor : null;
  const body = raw.body;
  const type = typeof raw.type === 'string' ? raw.type : isRecord(body) && typeof body.type === 'string' ? body.type : null;
  const out = (route: Route): RoutedEvent => ({ route, cursor, type });
  if (!type) return out({ kind: 'malformed', reason: 'event has no type' });
  if (!isRecord(body)) return out({ kind: 'malformed', reason: `${type}: body is not an object` });
  if (raw.source === 'smokeball') {
    const requestId = typeof raw.requestId === 'string' && raw.requestId.length > 0 ? raw.requestId : null;
    return out(routeSmokeball(type, body, requestId, isOwnRequestId));
  }
  if (raw.source === 'casestatus') return out(routeCaseStatus(type, body));
  return out({ kind: 'malformed', reason: `${type}: unknown source` });
}

function routeSmokeball(type: string, body: Record<string, unknown>, requestId: string | null, isOwn: (id: string) => boolean): Route {
  const payload = body.payload;
  // A failed asynchronous write: the write-back job must learn about it even though the RequestId is ours.
  if (type === 'error') return { kind: 'writeback', reason: 'Smokeball reported a failed write' };
  if (requestId && isOwn(requestId)) return { kind: 'own', reason: `${type} caused by our own write` };
  if (SMOKEBALL_UNUSED.has(type)) return { kind: 'ignore', reason: `${type} is not synced to Case Status` };
  if (!MATTER_EVENTS.has(type) && type !== 'matterstage.updated' && !CONTACT_EVENTS.has(type)) {
    return { kind: 'ignore', reason: `unknown Smokeball event type ${type}` };
  }
  if (!isRecord(payload)) return { kind: 'malformed', reason: `${type}: payload is not an object` };
  if (MATTER_EVENTS.has(type)) {
    const matterId = readId(payload.id);
    if (!matterId) return { kind: 'malformed', reason: `${type}: payload has no matter id` };
    return { kind: 'matter', matterId, version: readTicks(payload.versionId) };
  }
  if (type === 'matterstage.updated') {
    const matterId = isRecord(payload.matter) ? readId(payload.matter.id) : undefined;
    if (!matterId) return { kind: 'malformed', reason: `${type}: payload has no matter id` };
    return { kind: 'stage', matterId, lastUpdated: readTicks(payload.lastUpdated) };
  }
  const contactId = readId(payload.id);
  if (!contactId) return { kind: 'malformed', reason: `${type}: payload has no contact id` };
  return { kind: 'contact', contactId };
}

function routeCaseStatus(type: string, body: Record<string, unknown>): Route {
  if (type === 'message.created' || type === 'document.created') {
    if (!isRecord(body.data)) return { kind: 'malformed', reason: `${type}: no data` };
    return { kind: 'writeback', reason: type };
  }
  if (type === 'case.updated') {
    const data = body.data;
    if (!isRecord(data)) return { kind: 'malformed', reason: `${type}: no data` };
    if (data.source === 'api') return { kind: 'own', reason: 'case.updated caused by our own upsert' };
    if (data.source === 'portal') {
      const caseId = isRecord(data.case) ? readId(data.case.externalId) : undefined;
      // Smokeball is the source of truth for stages and status: a portal edit is not copied back. It will be
      // overwritten by the next change made in Smokeball; a person may want to know.
      return {
        kind: 'ignore',
        reason: 'case changed in the Case Status portal',
        note: `Case ${caseId ?? '(unknown)'} was changed in the Case Status portal; Smokeball stays the source of truth`,
      };
    }
    return { kind: 'malformed', reason: `${type}: unknown source` };
  }
  return { kind: 'ignore', reason: `unknown Case Status event type ${type}` };
}
