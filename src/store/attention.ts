import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';
import type { HistoryRepository } from './history.js';

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

interface ClosedRow {
  kind: AttentionKind;
  subject_id: string;
  details: string;
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
    /** Records an item opened or closed for a matter in the matter's history. */
    private readonly history?: HistoryRepository,
  ) {}

  raise(kind: AttentionKind, subjectId: string, reason: string, details: Record<string, unknown> = {}): void {
    const ts = this.now().toISOString();
    const row = this.db
      .prepare(
        `INSERT INTO attention_items(kind, subject_id, reason, details, first_seen, last_seen)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(kind, subject_id) WHERE resolved_at IS NULL
         DO UPDATE SET reason = excluded.reason, details = excluded.details, last_seen = excluded.last_seen,
           occurrences = occurrences + 1
         RETURNING occurrences`,
      )
      .get(kind, subjectId, reason, JSON.stringify(details), ts, ts) as { occurrences: number };
    // Raised again while open only bumps the count: the history shows when it opened, not every sighting.
    if (row.occurrences === 1) this.recordHistory('attention_raised', kind, subjectId, details, reason);
  }

  resolve(kind: AttentionKind, subjectId: string): boolean {
    const closed = this.db
      .prepare<[string, string, string], ClosedRow>(
        'UPDATE attention_items SET resolved_at = ? WHERE kind = ? AND subject_id = ? AND resolved_at IS NULL RETURNING kind, subject_id, details',
      )
      .all(this.now().toISOString(), kind, subjectId);
    for (const r of closed) this.recordHistory('attention_resolved', r.kind, r.subject_id, JSON.parse(r.details) as Record<string, unknown>);
    return closed.length > 0;
  }

  /** The user chose to hide this item; it stays resolved until the problem is seen again after a fix. */
  dismiss(id: number): boolean {
    const closed = this.db
      .prepare<[string, number], ClosedRow>(
        'UPDATE attention_items SET resolved_at = ?, dismissed = 1 WHERE id = ? AND resolved_at IS NULL RETURNING kind, subject_id, details',
      )
      .all(this.now().toISOString(), id);
    for (const r of closed) this.recordHistory('attention_resolved', r.kind, r.subject_id, JSON.parse(r.details) as Record<string, unknown>);
    return closed.length > 0;
  }

  /**
   * Items about one matter go into its history: the matter named in the details (a message or document of that
   * matter), else the subject when it is a linked matter. Items about a stage or a matter type have no matter.
   */
  private recordHistory(
    kind: 'attention_raised' | 'attention_resolved',
    attentionKind: AttentionKind,
    subjectId: string,
    details: Record<string, unknown>,
    reason?: string,
  ): void {
    if (!this.history) return;
    const matterId = typeof details.matterId === 'string' ? details.matterId : this.history.isLinkedMatter(subjectId) ? subjectId : undefined;
    if (!matterId) return;
    this.history.record({ matterId, kind, details: reason === undefined ? { attentionKind } : { attentionKind, reason } });
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
