import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';

import type { ActivityKind, ActivityView } from '../contract/view.js';

/** One row of recent activity: the same shape the window shows (one definition, in the contract). */
export type ActivityEntry = ActivityView;

/** Recent activity shown in the window and by `activity` in the CLI; trimmed to keep the file small. */
export class ActivityRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
    private readonly keep = 5_000,
  ) {}

  add(entry: { kind: ActivityKind; matterId?: string | null; summary: string; link?: string | null }): void {
    this.db
      .prepare('INSERT INTO activity(at, kind, matter_id, summary, link) VALUES (?, ?, ?, ?, ?)')
      .run(this.now().toISOString(), entry.kind, entry.matterId ?? null, entry.summary, entry.link ?? null);
  }

  recent(limit = 50, kinds?: ActivityKind[]): ActivityEntry[] {
    const filter = kinds && kinds.length > 0 ? `WHERE kind IN (${kinds.map(() => '?').join(',')})` : '';
    return this.db
      .prepare<unknown[], { id: number; at: string; kind: ActivityKind; matter_id: string | null; summary: string; link: string | null }>(
        `SELECT * FROM activity ${filter} ORDER BY id DESC LIMIT ?`,
      )
      .all(...(kinds ?? []), limit)
      .map((r) => ({ id: r.id, at: r.at, kind: r.kind, matterId: r.matter_id, summary: r.summary, link: r.link }));
  }

  trim(): number {
    return this.db.prepare('DELETE FROM activity WHERE id <= (SELECT MAX(id) FROM activity) - ?').run(this.keep).changes;
  }
}
