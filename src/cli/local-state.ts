import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openStateStore, type StateStore } from '../store/index.js';

/**
 * Runs `read` on a data folder's sync state and closes it after; `missing` answers when the folder has none yet
 * (nothing has synced there), so a report never creates an empty state file where staff pointed it.
 */
export function withLocalState<T>(dataDir: string, missing: () => T, read: (store: StateStore, path: string) => T): T {
  const path = join(dataDir, 'sync.sqlite');
  if (!existsSync(path)) return missing();
  const store = openStateStore(path);
  try {
    return read(store, path);
  } finally {
    store.close();
  }
}

/** What the reports print for a data folder that has no sync state yet. */
export function noStateYet(dataDir: string): number {
  process.stdout.write(`No sync state in ${dataDir} yet: nothing has synced.\n`);
  return 0;
}
