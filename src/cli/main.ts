#!/usr/bin/env node
/**
 * Command line for Case Status Sync.
 *   demo    start both simulators with a seeded firm and run the whole sync with a live progress bar
 *   sim     start both simulators with a seeded firm and print their URLs (Ctrl-C to stop)
 *   sync    run a sync against configured servers (initial import until it has completed once, then incremental)
 *   preview what the next sync would do (a dry run: reads only, writes nothing)
 *   status  print the local state: last runs, links, items needing attention
 *   activity  print recent memos and documents written to Smokeball, and write-back items needing attention
 *   history print one matter's history (found by number, title or client name)
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { readFileSync } from 'node:fs';
import { runDemo } from './demo.js';
import { printStatus } from './status.js';
import { runDiagnostics } from './diagnostics.js';
import { printActivity } from './activity.js';
import { printHistory } from './history.js';
import { runSync } from './sync.js';
import { runPreview } from './preview.js';
import { runSims } from './sim.js';
import { runServe, SERVE_USAGE } from './serve.js';
import { installCliCrashHandlers } from '../app/crash-handlers.js';
import { redactText } from '../app/log-redaction.js';

const USAGE = `Usage: case-status-sync <command> [options]

Commands:
  demo     Run the whole sync against simulators with a seeded demo firm
             --matters N (default 2000)  --seed N (default 42)  --rate N (default 5)  --burst N (default 5)
             --data DIR (state folder; default: a new temp folder)  --keep (leave simulators running)
  sim      Start the simulators with a seeded firm and print their URLs
             --matters N  --seed N  --port-smokeball N  --port-casestatus N
  sync     Sync once against the servers in --config FILE (JSON; see README "Configuration")
             Secrets come from the environment: CSS_SMOKEBALL_API_KEY, CSS_SMOKEBALL_REFRESH_TOKEN,
             CSS_CASESTATUS_API_KEY (the desktop app keeps them in the OS keychain instead)
             --reconcile (full nightly reconcile)  --data DIR
  preview  What the next sync would do, writing nothing: cases to create/update/close, clients to create and
             to be texted, clients Case Status cannot text, matters that will not sync and why
             --data DIR (read only; without --config: as the app in DIR is set up, its settings and keychain)
             --config FILE (as for sync, instead of the install's settings)  --json (the whole preview, with its lists)
  status   Show the local sync state  --data DIR
  activity Show recent memos and documents synced to Smokeball, and items needing attention  --data DIR
  history MATTER  Show what the app did for one matter (cases, stages, memos, documents, items), newest first;
             MATTER is a matter number, or part of a title or client name  --data DIR
  diagnostics  Write a support zip (last 7 days of logs, versions, settings, state summary; no secrets)
             --data DIR  --out FILE  --include-client-details (attention items and activity, which name clients)
${SERVE_USAGE}`;

export const DEFAULT_DATA_DIR = join(homedir(), '.case-status-sync');

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'serve') return runServe(rest, { dataDir: DEFAULT_DATA_DIR });
  const { values, positionals } = parseArgs({
    args: rest,
    // Only `history` takes a positional (the matter); elsewhere a stray word is still an error.
    allowPositionals: command === 'history',
    options: {
      matters: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
      data: { type: 'string' },
      config: { type: 'string' },
      keep: { type: 'boolean' },
      reconcile: { type: 'boolean' },
      json: { type: 'boolean' },
      'port-smokeball': { type: 'string' },
      'port-casestatus': { type: 'string' },
      out: { type: 'string' },
      'include-client-details': { type: 'boolean' },
    },
    strict: true,
  });
  const num = (v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`Expected a number, got "${v}"`);
    return n;
  };
  switch (command) {
    case 'demo':
      return runDemo({
        matters: num(values.matters, 2000),
        seed: num(values.seed, 42),
        rate: num(values.rate, 5),
        burst: num(values.burst, 5),
        dataDir: values.data,
        keep: values.keep ?? false,
      });
    case 'sim':
      return runSims({
        matters: num(values.matters, 200),
        seed: num(values.seed, 42),
        smokeballPort: num(values['port-smokeball'], 0),
        caseStatusPort: num(values['port-casestatus'], 0),
      });
    case 'sync':
      if (!values.config) throw new Error('sync needs --config FILE');
      return runSync({
        config: JSON.parse(readFileSync(values.config, 'utf8')) as unknown,
        dataDir: values.data ?? DEFAULT_DATA_DIR,
        reconcile: values.reconcile ?? false,
      });
    case 'preview':
      return runPreview({
        config: values.config ? (JSON.parse(readFileSync(values.config, 'utf8')) as unknown) : undefined,
        dataDir: values.data ?? DEFAULT_DATA_DIR,
        json: values.json ?? false,
      });
    case 'status':
      return printStatus(values.data ?? DEFAULT_DATA_DIR);
    case 'activity':
      return printActivity(values.data ?? DEFAULT_DATA_DIR);
    case 'history':
      if (positionals.length !== 1 || positionals[0]!.trim() === '')
        throw new Error('history needs one MATTER: a matter number, title or client name (quote it if it has spaces)');
      return printHistory(values.data ?? DEFAULT_DATA_DIR, positionals[0]!);
    case 'diagnostics':
      return runDiagnostics({ dataDir: values.data ?? DEFAULT_DATA_DIR, out: values.out, includeClientDetails: values['include-client-details'] ?? false });
    default:
      process.stdout.write(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

// A crash prints a redacted report, never Node's inspect of the error (which would show an axios error's headers).
installCliCrashHandlers();

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`case-status-sync: ${redactText(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  },
);
