import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/**
 * The app's state is private to the user who runs it: sync.sqlite holds client messages in full (memo
 * entries), settings name the firm's services, staged uploads are client documents. Folders are 0700 and
 * files 0600. On Windows these calls change little: there the data folder sits in the user's profile,
 * whose ACL already admits only that user, SYSTEM and administrators (see README, "State").
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) owner-only, and tightens it if it already exists. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes `path` owner-only before anyone writes to it: creates it empty with 0600 if missing, tightens it if
 * present, and tightens the SQLite companions (-wal, -shm) that exist. SQLite gives the companions it
 * creates later the main file's mode.
 */
export function ensurePrivateFile(path: string, companions: readonly string[] = ['-wal', '-shm']): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  for (const file of [path, ...companions.map((suffix) => `${path}${suffix}`)]) {
    if (existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
  }
}
