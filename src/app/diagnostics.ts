import Database from 'better-sqlite3';
import { zipSync, strToU8 } from 'fflate';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../contract/settings.js';
import { redactText } from './log-redaction.js';

/**
 * The support bundle ("Send diagnostics", `cli diagnostics --data DIR`): one zip with the last 7 days of logs,
 * versions, the settings (which never hold a secret) and a summary of the state folder. By default it carries no
 * client details: attention items and recent activity (which name clients, matters and documents) appear as counts
 * by kind, and their text only when the person ticks "include client details". Every text is passed through the
 * redaction once more with the exact values held in the keychain, so a secret that reached a log line by some
 * path we did not foresee still does not leave the machine.
 */
export interface DiagnosticsInput {
  dataDir: string;
  /** Folders whose log files (any name) modified in the last 7 days are included. */
  logDirs: string[];
  settings: Settings;
  versions: Record<string, string | undefined>;
  includeClientDetails: boolean;
  knownSecrets: Iterable<string>;
  now?: Date;
}

export interface DiagnosticsResult {
  file: string;
  bytes: number;
  entries: string[];
}

const LOG_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** Logs are capped at about 55 MB on disk; a bundle stays small enough to attach to an email. */
const MAX_LOG_BYTES = 20 * 1024 * 1024;

export function writeDiagnostics(input: DiagnosticsInput, outFile: string): DiagnosticsResult {
  const now = input.now ?? new Date();
  const secrets = [...input.knownSecrets].filter((s) => s.length >= 4);
  const text = (value: string) => redactText(value, secrets);
  const json = (value: unknown) => strToU8(text(JSON.stringify(value, null, 2)));

  const files: Record<string, Uint8Array> = {};
  files['versions.json'] = json({
    ...input.versions,
    node: process.versions.node,
    electron: process.versions.electron,
    os: `${os.type()} ${os.release()} (${process.platform}/${process.arch})`,
    createdAt: now.toISOString(),
    includesClientDetails: input.includeClientDetails,
  });
  files['settings.json'] = json(input.settings);
  files['state.json'] = json(stateSummary(join(input.dataDir, 'sync.sqlite'), input.includeClientDetails));

  let logBytes = 0;
  for (const dir of input.logDirs) {
    if (!existsSync(dir)) continue;
    const recent = readdirSync(dir)
      .map((name) => ({ name, path: join(dir, name), stat: statSync(join(dir, name)) }))
      .filter((f) => f.stat.isFile() && now.getTime() - f.stat.mtimeMs <= LOG_WINDOW_MS)
      .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs);
    for (const f of recent) {
      if (logBytes + f.stat.size > MAX_LOG_BYTES) break;
      logBytes += f.stat.size;
      files[`logs/${f.name}`] = strToU8(text(readFileSync(f.path, 'utf8')));
    }
  }

  const zip = zipSync(files, { level: 6 });
  writeFileSync(outFile, zip, { mode: 0o600 });
  return { file: outFile, bytes: zip.length, entries: Object.keys(files) };
}

type Row = Record<string, unknown>;

function stateSummary(dbFile: string, includeClientDetails: boolean): Record<string, unknown> {
  if (!existsSync(dbFile)) return { stateFile: 'missing' };
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
    const counts: Record<string, number> = {};
    for (const t of ['matter_links', 'contact_links', 'message_links', 'document_links', 'memo_threads', 'activity']) if (tables.has(t)) counts[t] = count(t);
    const grouped = (sql: string) => Object.fromEntries((db.prepare(sql).all() as Array<{ k: string; n: number }>).map((r) => [r.k, r.n]));
    const summary: Record<string, unknown> = {
      schemaVersion: db.pragma('user_version', { simple: true }),
      counts,
      outboxByState: tables.has('outbox') ? grouped('SELECT state AS k, COUNT(*) AS n FROM outbox GROUP BY state') : {},
      attentionOpenByKind: tables.has('attention_items')
        ? grouped('SELECT kind AS k, COUNT(*) AS n FROM attention_items WHERE resolved_at IS NULL GROUP BY kind')
        : {},
      // Run errors are engine and HTTP failures (API, method, path, status): they name no client.
      lastRuns: tables.has('sync_runs')
        ? (db.prepare('SELECT kind, started_at, finished_at, outcome, stats, error FROM sync_runs ORDER BY id DESC LIMIT 20').all() as Row[])
        : [],
      // Checkpoint names and times (relay cursor, nightly run, leases): where each loop stands.
      checkpoints: tables.has('checkpoints') ? (db.prepare('SELECT name, updated_at FROM checkpoints ORDER BY name').all() as Row[]) : [],
    };
    if (includeClientDetails) {
      summary.attentionOpen = tables.has('attention_items')
        ? db
            .prepare('SELECT kind, subject_id, reason, first_seen, last_seen, occurrences FROM attention_items WHERE resolved_at IS NULL ORDER BY id LIMIT 500')
            .all()
        : [];
      summary.recentActivity = tables.has('activity') ? db.prepare('SELECT at, kind, matter_id, summary FROM activity ORDER BY id DESC LIMIT 200').all() : [];
      summary.outboxProblems = tables.has('outbox')
        ? db
            .prepare("SELECT kind, subject_id, state, attempts, last_error, updated_at FROM outbox WHERE state IN ('failed','dead') ORDER BY id DESC LIMIT 200")
            .all()
        : [];
    }
    return summary;
  } finally {
    db.close();
  }
}
