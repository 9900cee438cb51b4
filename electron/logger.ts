import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactingLogger } from '../src/app/log-redaction.js';
import type { Logger } from '../src/sync/index.js';

/**
 * The main process log: one JSON line per entry in the app's log folder, echoed to the console. Writing can never
 * throw (a full disk must not take the tray app down). Callers pass keys and ids, never secret values; every entry is
 * redacted anyway (Authorization headers, tokens in URLs and bodies, and the exact values of `knownSecrets`).
 */
export function createFileLogger(file: string, echo: (line: string) => void = (line) => console.log(line), knownSecrets?: () => Iterable<string>): Logger {
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
  return redactingLogger(
    {
      debug: () => {},
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
    },
    knownSecrets,
  );
}
