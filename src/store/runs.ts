import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';

export type { RunKind } from '../contract/view.js';
import type { RunKind } from '../contract/view.js';
export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'partial';

export interface SyncRun {
  id: number;
  kind: RunKind;
  startedAt: string;
  finishedAt: string | null;
  outcome: RunOutcome;
  stats: Record<string, number>;
  error: string | null;
}

interface Row {
  id: number;
  kind: RunKind;
  started_at: string;
  finished_at: string | null;
  outcome: RunOutcome;
  stats: string;
  error: string | null;
}

const toRun = (r: Row): SyncRun => ({
  id: r.id,
  kind: r.kind,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  outcome: r.outcome,
  stats: JSON.parse(r.stats) as Record<string, number>,
  error: r.error,
});

/** Sync-run history: what ran, when, how it ended, with counts (shown as "last sync" in the UI). */
export class RunRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
  ) {}

  start(kind: RunKind): number {
    const info = this.db.prepare(`INSERT INTO sync_runs(kind, started_at, outcome) VALUES (?, ?, 'running')`).run(kind, this.now().toISOString());
    return Number(info.lastInsertRowid);
  }

  finish(id: number, outcome: Exclude<RunOutcome, 'running'>, stats: Record<string, number>, error?: string): void {
    this.db
      .prepare('UPDATE sync_runs SET finished_at = ?, outcome = ?, stats = ?, error = ? WHERE id = ?')
      .run(this.now().toISOString(), outcome, JSON.stringify(stats), error ?? null, id);
  }

  /** Runs left 'running' by a process that died are marked interrupted at start-up. */
  markInterrupted(): number {
    return this.db.prepare(`UPDATE sync_runs SET outcome = 'interrupted', finished_at = ? WHERE outcome = 'running'`).run(this.now().toISOString()).changes;
  }

  recent(limit = 20): SyncRun[] {
    return this.db.prepare<[number], Row>('SELECT * FROM sync_runs ORDER BY id DESC LIMIT ?').all(limit).map(toRun);
  }

  lastSucceeded(kind?: RunKind): SyncRun | undefined {
    const row = kind
      ? this.db.prepare<[string], Row>(`SELECT * FROM sync_runs WHERE outcome = 'succeeded' AND kind = ? ORDER BY id DESC LIMIT 1`).get(kind)
      : this.db.prepare<[], Row>(`SELECT * FROM sync_runs WHERE outcome = 'succeeded' ORDER BY id DESC LIMIT 1`).get();
    return row ? toRun(row) : undefined;
  }
}
