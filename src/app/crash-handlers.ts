import { crashReport } from './log-redaction.js';

/**
 * Process-wide handlers for errors nobody caught. Without them Node prints the error with `util.inspect`: for an
 * axios error that is its whole request config, Authorization header and token-endpoint form included. With them
 * the report is name, message and stack, redacted (see `crashReport`).
 */
export interface CrashHandlerOptions {
  /** Writes the redacted report (stderr for the CLI, the log file for the tray app). */
  report(kind: 'uncaughtException' | 'unhandledRejection', text: string): void;
  knownSecrets?: () => Iterable<string>;
  /**
   * Ends the process after reporting (the CLI: exit code 1, as Node would). Absent: keep running, as Electron's main
   * process does after an uncaught error.
   */
  exit?: (code: number) => void;
}

type ProcessEvents = Pick<NodeJS.Process, 'on' | 'off'>;

/** Installs the handlers; returns a function that removes them. */
export function installCrashHandlers(options: CrashHandlerOptions, target: ProcessEvents = process): () => void {
  const known = (): string[] => {
    try {
      return [...(options.knownSecrets?.() ?? [])];
    } catch {
      return [];
    }
  };
  const handle = (kind: 'uncaughtException' | 'unhandledRejection') => (error: unknown) => {
    try {
      options.report(kind, crashReport(error, known()));
    } catch {
      // Reporting must not throw from inside the handler (that would be a second uncaught error, printed raw).
    }
    options.exit?.(1);
  };
  const onException = handle('uncaughtException');
  const onRejection = handle('unhandledRejection');
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}

/** The command line's handlers: one redacted report on stderr, then exit code 1, as Node itself would exit. */
export function installCliCrashHandlers(prefix = 'case-status-sync'): () => void {
  return installCrashHandlers({ report: (kind, text) => process.stderr.write(`${prefix}: ${kind}: ${text}\n`), exit: (code) => process.exit(code) });
}
