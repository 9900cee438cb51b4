/**
 * Failures of the app's own state folder (the SQLite file, the staging folder for documents), told apart from
 * sync failures: no retry against Smokeball fixes a full disk, and the usual place to report a problem (an
 * attention item in SQLite) cannot be written either, so the app core keeps this one in memory.
 */

const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const DISK_FULL_TEXT = /database or disk is full|no space left on device|disk quota exceeded/i;
const UNWRITABLE_CODE = /^(SQLITE_IOERR|SQLITE_READONLY|SQLITE_CANTOPEN|EROFS|EACCES)/;

export type StorageProblemKind = 'disk_full' | 'storage_unwritable';

export interface StorageProblem {
  kind: StorageProblemKind;
  reason: string;
}

/** What staff should be told when `failure` is about the state folder itself; null for any other failure. */
export function storageProblemOf(failure: { code?: string; message?: string }, dataDir: string): StorageProblem | null {
  const code = failure.code ?? '';
  if (DISK_FULL_CODES.has(code) || DISK_FULL_TEXT.test(failure.message ?? '')) {
    return {
      kind: 'disk_full',
      reason: `The disk holding Case Status Sync's data (${dataDir}) is full, so sync progress cannot be saved. Free some space; syncing resumes on its own from where it stopped.`,
    };
  }
  if (UNWRITABLE_CODE.test(code)) {
    return {
      kind: 'storage_unwritable',
      reason: `Case Status Sync cannot write its data folder (${dataDir}): ${code}. Check the disk and the folder's permissions; syncing resumes on its own once it can write again.`,
    };
  }
  return null;
}

/** The code and message of an unknown thrown value, for `storageProblemOf`. */
export function failureOf(error: unknown): { code?: string; message?: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : undefined, message: error instanceof Error ? error.message : String(error) };
}
