import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';

export type { StoredAttentionKind as AttentionKind } from '../contract/view.js';
import type { StoredAttentionKind as AttentionKind } from '../contract/view.js';

export interface AttentionItem {
  id: number;
  kind: AttentionKind;
  subjectId: string;
  reason: string;
  details: Record<string, unknown>;
  firstSeen: string;
  lastSeen: string;
  occurrences: number;
}

interface Row {
  id: number;
  kind: AttentionKind;
  subject_id: string;
  reason: string;
  details: string;
  first_seen: string;
  last_seen: string;
  occurrences: number;
}

const toItem = (r: Row): AttentionItem => ({
  id: r.id,
  kind: r.kind,
  subjectId: r.subject_id,
  reason: r.reason,
  details: JSON.parse(r.details) as Record<string, unknown>,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  occurrences: r.occurrences,
});

/**
 * Items needing a person. One open item per (kind, subject): raising it again bumps its count instead of
 * adding a row, so a nightly run does not flood the list. Resolving closes it; it can open again later.
 */
export class AttentionRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
  ) {}

  raise(kind: AttentionKind, subjectId: string, reason: string, details: Record<string, unknown> = {}): void {
    const ts = this.now().toISOString();
    this.db
      .prepare(
        `INSERT INTO attention_items(kind, subject_id, reason, details, first_seen, last_seen)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(kind, subject_id) WHERE resolved_at IS NULL
         DO UPDATE SET reason = excluded.reason, details = excluded.details, last_seen = excluded.last_seen,
           occurrences = occurrences + 1`,
      )
      .run(kind, subjectId, reason, JSON.stringify(details), ts, ts);
  }

  resolve(kind: AttentionKind, subjectId: string): boolean {
    return (
      this.db
        .prepare('UPDATE attention_items SET resolved_at = ? WHERE kind = ? AND subject_id = ? AND resolved_at IS NULL')
        .run(this.now().toISOString(), kind, subjectId).changes > 0
    );
  }

  /** The user chose to hide this item; it stays resolved until the problem is seen again after a fix. */
  dismiss(id: number): boolean {
    return (
      this.db.prepare('UPDATE attention_items SET resolved_at = ?, dismissed = 1 WHERE id = ? AND resolved_at IS NULL').run(this.now().toISOString(), id)
        .changes > 0
    );
  }

  byId(id: number): AttentionItem | undefined {
    const r = this.db.prepare<[number], Row>('SELECT * FROM attention_items WHERE id = ? AND resolved_at IS NULL').get(id);
    return r ? toItem(r) : undefined;
  }

  open(kind?: AttentionKind, limit = 500): AttentionItem[] {
    const rows = kind
      ? this.db.prepare<[string, number], Row>('SELECT * FROM attention_items WHERE resolved_at IS NULL AND kind = ? ORDER BY id LIMIT ?').all(kind, limit)
      : this.db.prepare<[number], Row>('SELECT * FROM attention_items WHERE resolved_at IS NULL ORDER BY id LIMIT ?').all(limit);
    return rows.map(toItem);
  }

  countOpen(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.db
      .prepare<[], { kind: string; n: number }>('SELECT kind, COUNT(*) n FROM attention_items WHERE resolved_at IS NULL GROUP BY kind')
      .all()) {
      out[r.kind] = r.n;
    }
    return out;
  }
}
