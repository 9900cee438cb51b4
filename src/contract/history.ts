/**
 * Matter history: everything the app did for one matter, as the window and `cli history` show it. The store writes
 * these rows (src/store/history.ts); this file is the one definition of their shape and of how each reads in words.
 */

/** What happened to the matter's case or in Smokeball. */
export const HISTORY_KINDS = [
  'case_created',
  'case_updated',
  'stage_sent',
  'case_closed',
  'case_reopened',
  'memo_written',
  'document_uploaded',
  'attention_raised',
  'attention_resolved',
] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

/**
 * Why it happened: the run kind that saw the Smokeball change, a held change leaving the hold (`held_release`),
 * a person's Send now / Confirm (`held_sent`) or Don't send (`held_silent`: applied without texting the client), or
 * the write-back of Case Status messages and documents to Smokeball.
 */
export const HISTORY_CAUSES = ['initial', 'incremental', 'reconcile', 'realtime', 'held_release', 'held_sent', 'held_silent', 'writeback'] as const;
export type HistoryCause = (typeof HISTORY_CAUSES)[number];

/** The facts of one entry; which fields are set depends on the kind. */
export interface HistoryDetails {
  /** case_updated: the case fields that changed (title, stage, primaryAttorney, ...). */
  fields?: string[];
  /** stage_sent: the stage the client saw before, and the one sent. */
  from?: string | null;
  to?: string | null;
  /** case_closed: why (matter closed in Smokeball, no longer selected, held closure sent). */
  reason?: string;
  /** memo_written: how many messages, into which memo. */
  messages?: number;
  memoId?: string;
  /** document_uploaded: the file name in the CaseStatus folder and its size. */
  fileName?: string;
  sizeBytes?: number;
  /** attention_raised / attention_resolved: the item's kind and (raised) what it said. */
  attentionKind?: string;
}

export interface HistoryEntryView {
  id: number;
  at: string;
  matterId: string;
  caseId: string | null;
  kind: HistoryKind;
  cause: HistoryCause | null;
  /** The sync run that did it (null for write-back and store-level events). */
  runId: number | null;
  /** The Smokeball change that caused it: the stage's lastUpdated or the matter's versionId (ticks). */
  source: string | null;
  details: HistoryDetails;
}

/** A linked matter a history search found, and which of its names matched. */
export interface HistoryMatterView {
  matterId: string;
  matterNumber: string | null;
  title: string | null;
  clientNames: string[];
  caseId: string;
  caseUrl: string | null;
  status: string;
  matchedOn: 'number' | 'title' | 'client' | 'id';
}

/** One matter's timeline, newest first. */
export interface HistoryTimelineView {
  matter: HistoryMatterView;
  entries: HistoryEntryView[];
  /** How long entries are kept (the retention setting), for the view's footnote. */
  retentionDays: number;
}

const CAUSE_LABELS: Record<HistoryCause, string> = {
  initial: 'initial import',
  incremental: 'incremental sync',
  reconcile: 'nightly reconcile',
  realtime: 'real time',
  held_release: 'hold released',
  held_sent: 'held change sent by a person',
  held_silent: "held change applied without texting (Don't send)",
  writeback: 'write-back',
};

export function historyCauseLabel(cause: HistoryCause | null): string {
  return cause ? CAUSE_LABELS[cause] : '';
}

function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const stageLabel = (s: string | null | undefined): string => s ?? '(none)';

/** One line saying what the entry means, the same in the window and in the terminal. */
export function describeHistoryEntry(e: HistoryEntryView): string {
  const d = e.details;
  switch (e.kind) {
    case 'case_created':
      return `Case created${d.to !== undefined ? ` at stage ${stageLabel(d.to)}` : ''}`;
    case 'case_updated':
      return `Case updated: ${d.fields && d.fields.length > 0 ? d.fields.join(', ') : 'details'}`;
    case 'stage_sent':
      return `Stage sent: ${stageLabel(d.from)} → ${stageLabel(d.to)}${e.cause === 'held_silent' ? ' (client not texted)' : ''}`;
    case 'case_closed':
      return `Case closed${d.reason ? ` (${d.reason})` : ''}`;
    case 'case_reopened':
      return 'Case reopened';
    case 'memo_written': {
      const n = d.messages ?? 0;
      return `Memo written: ${n} message${n === 1 ? '' : 's'}${d.memoId ? ` to memo ${d.memoId}` : ''}`;
    }
    case 'document_uploaded':
      return `Document uploaded: ${d.fileName ?? '(unnamed)'}${d.sizeBytes !== undefined ? ` (${sizeLabel(d.sizeBytes)})` : ''}`;
    case 'attention_raised':
      return `Needs attention (${d.attentionKind ?? 'item'})${d.reason ? `: ${d.reason}` : ''}`;
    case 'attention_resolved':
      return `Attention item resolved (${d.attentionKind ?? 'item'})`;
  }
}
