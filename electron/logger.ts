import { basename, dirname } from 'node:path';
import { createFileLog, type FileLog } from '../src/app/file-log.js';

/**
 * The main process log: `main.log` in the app's log folder, size-capped and rotated (`src/app/file-log.ts`), echoed
 * to the console. Callers pass keys and ids, never secret values; every entry is redacted anyway.
 */
export function createFileLogger(file: string, echo: (line: string) => void = (line) => console.log(line), knownSecrets?: () => Iterable<string>): FileLog {
  return createFileLog({ dir: dirname(file), name: basename(file), echo: (line) => echo(line), knownSecrets });
}
