/** Case Status → Smokeball write-back: messages to memos, documents to the matter's CaseStatus folder. */
import type { StateStore } from '../../store/index.js';

export { WritebackJob, DEFAULT_WRITEBACK_SETTINGS, MESSAGES_CURSOR, DOCUMENTS_CURSOR, type WritebackJobDeps, type WritebackStatus } from './writeback-job.js';
export type { WritebackSummary, WritebackSettings } from './context.js';
export { safeFileName, uniqueName, nameKey } from './file-names.js';
export { neutraliseBody, renderEntry, memoRtf, memoPlainText, memoTitle, SMOKEBALL_MEMO_TEXT_LIMIT, MEMO_TEXT_BUDGET } from './memo-text.js';
export { CASE_STATUS_FOLDER } from './folder-finder.js';

export interface WritebackActivityEntry {
  at: string;
  kind: 'memo' | 'document';
  matterId: string | null;
  matterNumber: string | null;
  summary: string;
  link: string | null;
}

export interface WritebackAttentionEntry {
  id: number;
  kind: 'message_failed' | 'document_failed';
  /** Pass to WritebackJob.retry. */
  subjectId: string;
  reason: string;
  lastSeen: string;
  occurrences: number;
}

/**
 * What the window and the CLI show: recent memos and documents synced (time, matter, what, link) and the
 * write-back items needing attention (reason; Retry with WritebackJob.retry(subjectId)).
 */
export function writebackActivity(store: StateStore, limit = 50): { recent: WritebackActivityEntry[]; attention: WritebackAttentionEntry[] } {
  const recent = store.activity.recent(limit, ['memo', 'document']).map((a) => ({
    at: a.at,
    kind: a.kind as 'memo' | 'document',
    matterId: a.matterId,
    matterNumber: a.matterId ? (store.links.matter(a.matterId)?.matterNumber ?? null) : null,
    summary: a.summary,
    link: a.link,
  }));
  const attention = (['message_failed', 'document_failed'] as const).flatMap((kind) =>
    store.attention
      .open(kind, limit)
      .map((i) => ({ id: i.id, kind, subjectId: i.subjectId, reason: i.reason, lastSeen: i.lastSeen, occurrences: i.occurrences })),
  );
  return { recent, attention };
}
