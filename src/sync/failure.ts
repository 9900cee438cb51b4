import type { FailureReason } from '../contract/view.js';
import { LeaseLostError } from './coordination/write-fence.js';
import { ApiError } from './http/api-error.js';
import { AuthRequiredError } from './smokeball/oauth.js';

export type { FailureReason } from '../contract/view.js';

/** Codes of a full disk: SQLite's and Node's (no space, quota). */
const DISK_FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
/** Codes of a data folder that cannot be written (SQLite extended codes start with these). */
const UNWRITABLE_CODE_PREFIXES = ['SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'EROFS', 'EACCES'];

/** The `code` an error carries (SQLite and Node errors have one), if it is a string. */
export function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Why something failed, from the error's type and code, never from its message text (messages change with
 * versions and locales). The engine puts it in the run summary and the status; the app acts on it.
 */
export function failureReasonOf(error: unknown): FailureReason {
  if (error instanceof AuthRequiredError) return 'auth';
  if (error instanceof LeaseLostError) return 'not_host';
  const code = errorCodeOf(error) ?? '';
  if (DISK_FULL_CODES.has(code)) return 'disk_full';
  if (UNWRITABLE_CODE_PREFIXES.some((p) => code.startsWith(p))) return 'unwritable';
  if (error instanceof ApiError) return 'remote';
  return 'internal';
}

/** A failure as the engine reports it: the reason to act on, the message to show, the code to name. */
export interface Failure {
  reason: FailureReason;
  message: string;
  code?: string;
}

export function describeFailure(error: unknown): Failure {
  return { reason: failureReasonOf(error), message: errorMessageOf(error), code: errorCodeOf(error) };
}
