import { pino } from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { type Logger } from '../sync/index.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../shared/private-files.js';
import { redactingLogger } from './log-redaction.js';

export interface FileLog extends Logger {
  /** Resolves once every line logged so far is on disk (or the file could not be written). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface FileLogOptions {
  dir: string;
  /** File name of the current log; rotated copies are `<name>.1` (newest) … `<name>.<maxFiles>`. */
  name: string;
  /** Rotate when the current file reaches this size. Default 5 MB. */
  maxSizeBytes?: number;
  /** Rotated files kept. Default 10 (so at most about 55 MB of logs with the default size). */
  maxFiles?: number;
  /** Each line also goes here (the console in the tray app, stderr for warnings under `serve`). */
  echo?: (line: string, level: string) => void;
  knownSecrets?: () => Iterable<string>;
}

/**
 * The app's log: JSON lines (`level`, `at`, `message`, fields) written by pino to a size-capped rotating file
 * (rotating-file-stream), asynchronously so a slow disk never stalls a sync. Writing can never throw: a full disk must
 * not take the app down. Every entry passes the redaction first (Authorization headers, tokens in URLs and bodies,
 * and the exact values of `knownSecrets`).
 */
export function createFileLog(options: FileLogOptions): FileLog {
  try {
    // Logs name matters and people (redacted of secrets, not of client details): owner-only, like the rest of the state.
    ensurePrivateDir(options.dir);
  } catch {
    // The stream reports the same problem as an 'error' event below; the app runs on without a file log.
  }
  // Classical rotation: the generator gets the rotated copy's number (1 = newest) as its first argument, or nothing
  // for the current file.
  const stream: RotatingFileStream = createStream((n) => (typeof n === 'number' && n > 0 ? `${options.name}.${n}` : options.name), {
    path: options.dir,
    size: `${Math.max(1, Math.floor((options.maxSizeBytes ?? 5 * 1024 * 1024) / 1024))}K`,
    rotate: options.maxFiles ?? 10,
    mode: PRIVATE_FILE_MODE,
  });
  let broken = false;
  stream.on('error', () => {
    broken = true; // ignore: logging must never break the app
  });
  stream.on('warning', () => {});
  const log = pino(
    {
      base: undefined,
      messageKey: 'message',
      timestamp: () => `,"at":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      level: 'info',
    },
    stream,
  );
  const write = (level: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
    if (!broken) log[level](fields ?? {}, message);
    if (options.echo) options.echo(JSON.stringify({ level, at: new Date().toISOString(), message, ...fields }), level);
  };
  const redacted = redactingLogger({ debug: () => {}, info: write('info'), warn: write('warn'), error: write('error') }, options.knownSecrets);
  return {
    ...redacted,
    flush: () =>
      new Promise<void>((resolve) => {
        if (broken || stream.writableEnded) return resolve();
        // An empty write is queued behind every earlier line; its callback means they have all been handed to the file.
        stream.write('', () => resolve());
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (stream.writableEnded) return resolve();
        stream.end(() => resolve());
      }),
  };
}
