import type { OutboxItem, StateStore } from '../../store/index.js';
import type { AttentionKind } from '../../store/attention.js';
import type { CaseStatusClient } from '../casestatus/client.js';
import { ApiError } from '../http/api-error.js';
import type { Logger } from '../ports.js';
import type { SmokeballClient } from '../smokeball/client.js';
import type { ReadBackOptions } from './read-back.js';
import type { Clock } from '../../shared/clock.js';

export const KIND_MEMO_ENTRY = 'memo_entry';
export const KIND_DOCUMENT = 'document_upload';
export const KIND_FOLDER = 'folder_create';
export const WRITEBACK_KINDS = [KIND_MEMO_ENTRY, KIND_DOCUMENT] as const;

export const messageKey = (messageId: string) => `msg:${messageId}`;
export const documentKey = (documentId: string) => `doc:${documentId}`;
export const folderKey = (matterId: string) => `folder:${matterId}`;

export interface WritebackSummary {
  memosCreated: number;
  memosUpdated: number;
  documentsUploaded: number;
  /** Items whose matter is not linked yet: kept, sent once the link exists. */
  waiting: number;
  /** Items that could not be written in this run (retried later, or listed under "needs attention"). */
  failed: number;
  /**
   * The write fence refused a request (this install is not, or may no longer be, the firm's sync host): the run
   * stopped there. The feeds may not have been read to the end; nothing refused counts as an attempt.
   */
  leaseRefused: boolean;
  durationMs: number;
}

export const emptySummary = (): WritebackSummary => ({
  memosCreated: 0,
  memosUpdated: 0,
  documentsUploaded: 0,
  waiting: 0,
  failed: 0,
  leaseRefused: false,
  durationMs: 0,
});

export interface WritebackSettings {
  /** How long read-back waits for an accepted write to show before concluding it did not land. */
  readBack: ReadBackOptions;
  /** Attempts (sends) per item before it is listed under "needs attention" instead of retried. */
  maxAttempts: number;
  /** Base delay before a failed item is tried again (doubling per attempt, at most an hour). */
  retryDelayMs: number;
  /** Larger documents are not uploaded (listed under "needs attention"). */
  maxDocumentBytes: number;
  /** Where document bytes are staged between download and upload. */
  tempDir: string;
  /** Threads and matters worked on at once (the Smokeball gate still paces every request). */
  concurrency: number;
  /** Messages or documents waiting this long for their matter to be linked are listed under "needs attention". */
  waitingAlertMs: number;
}

/** What the memo and document writers share. */
export interface WritebackContext {
  smokeball: SmokeballClient;
  caseStatus: CaseStatusClient;
  store: StateStore;
  log: Logger;
  settings: WritebackSettings;
  caseUrl(matterId: string): Promise<string | null>;
  /** Wall time of retries and waiting alerts, and run durations. Read-back's polling waits on real timers. */
  clock: Clock;
}

/** An error whose outcome is unknown: the request may or may not have been applied (5xx, reset, timeout). */
export function isUnknownOutcome(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === undefined || error.status >= 500 || error.status === 408;
  return false;
}

/** A refusal that sending again will not fix (validation, permissions, not found). */
export function isPermanent(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429 &&
    error.status !== 401
  );
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A failed attempt: tried again later with backoff, or — when it is permanent or kept failing — "dead" and
 * listed under needs attention with the reason (the user's Retry revives it).
 */
export function recordFailure(
  ctx: WritebackContext,
  item: OutboxItem,
  attention: AttentionKind,
  reason: string,
  permanent: boolean,
  details: Record<string, unknown> = {},
): void {
  const { store, settings } = ctx;
  const current = store.outbox.byId(item.id) ?? item;
  const dead = permanent || current.attempts >= settings.maxAttempts;
  const delay = Math.min(3_600_000, settings.retryDelayMs * 2 ** Math.max(0, current.attempts - 1));
  store.transaction(() => {
    store.outbox.markFailed(item.id, reason, dead ? null : new Date(ctx.clock.now().getTime() + delay), dead);
    if (dead) store.attention.raise(attention, item.subjectId, reason, { ...details, attempts: current.attempts });
  });
  ctx.log.warn(dead ? 'Write-back item needs attention' : 'Write-back item failed; will retry', { kind: item.kind, subjectId: item.subjectId, reason });
}

/** The id of an accepted resource: `id` when given, else the last segment of `href`. */
export function acceptedId(data: { id?: string; href?: string } | undefined): string | undefined {
  if (data?.id) return data.id;
  const href = data?.href;
  if (!href) return undefined;
  return (
    decodeURIComponent(
      href
        .replace(/[?#].*$/, '')
        .replace(/\/+$/, '')
        .split('/')
        .pop() ?? '',
    ) || undefined
  );
}
