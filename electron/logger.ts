import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../src/sync/ports.js';

/**
 * The main process log: one JSON line per entry in the app's log folder, echoed to the console. Writing can never
 * throw (a full disk must not take the tray app down). Callers pass keys and ids, never secret values.
 */
export function createFileLogger(file: string, echo: (line: string) => void = (line) => console.log(line)): Logger {
  let ready = false;
  const write = (level: string, message: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ at: new Date().toISOString(), level, message, ...fields });
    try {
      if (!ready) {
        mkdirSync(dirname(file), { recursive: true });
        ready = true;
      }
      appendFileSync(file, `${line}\n`);
    } catch {
      // ignore: logging must never break the app
    }
    echo(line);
  };
  return {
    debug: () => {},
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
