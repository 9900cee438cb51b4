import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';

/**
 * Named checkpoints and cursors (import progress, UpdatedSince cursors, relay cursor), stored as JSON.
 * Callers move a checkpoint inside the same transaction as the work it covers.
 */
export class CheckpointRepository {
  private readonly getStmt;
  private readonly setStmt;
  private readonly deleteStmt;
  private readonly prefixStmt;

  constructor(
    db: SqliteDatabase,
    private readonly now: Now,
  ) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM checkpoints WHERE name = ?');
    this.setStmt = db.prepare(
      `INSERT INTO checkpoints(name, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.deleteStmt = db.prepare('DELETE FROM checkpoints WHERE name = ?');
    this.prefixStmt = db.prepare<[string], { name: string }>("SELECT name FROM checkpoints WHERE name LIKE ? ESCAPE '\\'");
  }

  get<T>(name: string): T | undefined {
    const row = this.getStmt.get(name);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(name: string, value: unknown): void {
    this.setStmt.run(name, JSON.stringify(value), this.now().toISOString());
  }

  delete(name: string): void {
    this.deleteStmt.run(name);
  }

  /** Removes every checkpoint whose name starts with `prefix` (e.g. a finished import's page marks). */
  deletePrefix(prefix: string): void {
    const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    for (const { name } of this.prefixStmt.all(`${escaped}%`)) this.deleteStmt.run(name);
  }
}
