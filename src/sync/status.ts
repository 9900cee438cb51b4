import { EventEmitter } from 'node:events';
import type { ResourceProgressView, SyncPhase as SyncPhaseView, SyncStatusView } from '../contract/view.js';

/**
 * The one status value the tray, the window and the CLI all draw from. The engine updates it; consumers
 * subscribe to 'change'. ETA is null until enough has been measured to mean something. Its shape is the
 * window's contract (src/contract/view.ts); the engine fills it in.
 */
export type SyncPhase = SyncPhaseView;
export type ResourceProgress = ResourceProgressView;
export type SyncCounts = SyncStatusView['counts'];
export type SyncStatus = SyncStatusView;

export const emptyCounts = (): SyncCounts => ({ casesCreated: 0, casesUpdated: 0, casesClosed: 0, casesUnchanged: 0, clientsWritten: 0, failed: 0 });

export function initialStatus(): SyncStatus {
  return {
    phase: 'idle',
    runKind: null,
    startedAt: null,
    message: 'Idle',
    progress: { matters: { done: 0, total: null }, contacts: { done: 0, total: null }, stages: { done: 0, total: null }, cases: { done: 0, total: null } },
    counts: emptyCounts(),
    smokeballRequests: 0,
    throttled: 0,
    requestsPerSecond: 0,
    etaSeconds: null,
    firstCaseAt: null,
    lastSyncAt: null,
    lastOutcome: null,
    failure: null,
    attentionCount: 0,
  };
}

/** Minimum progress before an ETA is shown: at least this share done and this long elapsed. */
const ETA_MIN_SHARE = 0.05;
const ETA_MIN_ELAPSED_MS = 2_000;

export function estimateEta(startedAtMs: number, nowMs: number, progress: ResourceProgress): number | null {
  if (progress.total === null || progress.total === 0) return null;
  const share = progress.done / progress.total;
  const elapsed = nowMs - startedAtMs;
  if (share < ETA_MIN_SHARE || elapsed < ETA_MIN_ELAPSED_MS) return null;
  if (share >= 1) return 0;
  return Math.round(((elapsed / share) * (1 - share)) / 1000);
}

export class StatusReporter extends EventEmitter<{ change: [SyncStatus] }> {
  private value: SyncStatus = initialStatus();

  get current(): SyncStatus {
    return this.value;
  }

  update(patch: Partial<SyncStatus> | ((s: SyncStatus) => Partial<SyncStatus>)): void {
    const p = typeof patch === 'function' ? patch(this.value) : patch;
    this.value = { ...this.value, ...p };
    this.emit('change', this.value);
  }
}
