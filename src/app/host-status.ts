import type { AppView } from '../contract/view.js';

/** What the sync host publishes for the firm's standby installs (kept well under the relay's 16 KiB). */
export interface PublishedHostStatus {
  phase: string;
  message: string;
  lastSyncAt: string | null;
  lastOutcome: string | null;
  progress: AppView['status']['progress'];
  attentionCount: number;
  activity: Array<{ at: string; summary: string }>;
}

export function hostStatusOf(view: AppView): PublishedHostStatus {
  return {
    phase: view.status.phase,
    message: view.status.message.slice(0, 300),
    lastSyncAt: view.status.lastSyncAt,
    lastOutcome: view.status.lastOutcome,
    progress: view.status.progress,
    attentionCount: view.attention.length,
    activity: view.activity.slice(0, 10).map((a) => ({ at: a.at, summary: a.summary.slice(0, 300) })),
  };
}
