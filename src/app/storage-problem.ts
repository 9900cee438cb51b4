import type { FailureReason, StorageProblemKind } from '../contract/view.js';

/**
 * Failures of the app's own state folder (the SQLite file, the staging folder for documents), told apart from
 * sync failures: no retry against Smokeball fixes a full disk, and the usual place to report a problem (an
 * attention item in SQLite) cannot be written either, so the app core keeps this one in memory. Which failure is
 * which was decided where the error was caught (`failureReasonOf` in src/sync/failure.ts).
 */
export interface StorageProblem {
  kind: StorageProblemKind;
  reason: string;
}

/** What staff should be told when a failure is about the state folder itself; null for any other failure. */
export function storageProblemOf(failure: { reason: FailureReason | null | undefined; code?: string }, dataDir: string): StorageProblem | null {
  if (failure.reason === 'disk_full') {
    return {
      kind: 'disk_full',
      reason: `The disk holding Case Status Sync's data (${dataDir}) is full, so sync progress cannot be saved. Free some space; syncing resumes on its own from where it stopped.`,
    };
  }
  if (failure.reason === 'unwritable') {
    return {
      kind: 'storage_unwritable',
      reason: `Case Status Sync cannot write its data folder (${dataDir})${failure.code ? `: ${failure.code}` : ''}. Check the disk and the folder's permissions; syncing resumes on its own once it can write again.`,
    };
  }
  return null;
}
