import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';
import type { HistoryCause, HistoryDetails, HistoryEntryView, HistoryKind, HistoryMatterView } from '../contract/history.js';

export type HistoryEntry = HistoryEntryView;

/** What one recorded step says; the time is the store's clock and the case id is looked up when not given. */
export interface HistoryRecord {
  matterId: string;
  kind: HistoryKind;
  cause?: HistoryCause | null;
  runId?: number | null;
  source?: string | null;
  caseId?: string | null;
  details?: HistoryDetails;
}

/**
 * How much history is kept. `retentionDays` is the setting (default 180); the two caps bound the file whatever
 * happens: a matter whose stage flips all day keeps its newest `maxPerMatter` entries, and the whole table its
 * newest `maxRows`.
 */
export interface HistoryLimits {
  retentionDays: number;
  maxPerMatter: number;
  maxRows: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = { retentionDays: 180, maxPerMatter: 500, maxRows: 200_000 };

interface Row {
  id: number;
  at: string;
  matter_id: string;
  case_id: string | null;
  kind: HistoryKind;
  cause: HistoryCause | null;
  run_id: number | null;
  source: string | null;
  details: string;
}

interface MatterRow {
  matter_id: string;
  matter_number: string | null;
  matter_title: string | null;
  case_id: string;
  case_url: string | null;
  status: string;
  names: string | null;
}

const toEntry = (r: Row): HistoryEntry => ({
  id: r.id,
  at: r.at,
  matterId: r.matter_id,
  caseId: r.case_id,
  kind: r.kind,
  cause: r.cause,
  runId: r.run_id,
  source: r.source,
  details: JSON.parse(r.details) as HistoryDetails,
});

const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const contains = (haystack: string | null, needle: string): boolean => !!haystack && haystack.toLowerCase().includes(needle.toLowerCase());

/**
 * The matter history: one row per thing the app did for a matter (case created or updated, stage sent, closed,
 * reopened, memo written, document uploaded, attention raised or resolved). Indexed by matter and time. The
 * per-matter cap is applied as each row is written (one indexed delete); retention and the table cap by `prune`, which
 * the engine calls at the end of each run.
 */
export class HistoryRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
    private readonly maxPerMatter = DEFAULT_HISTORY_LIMITS.maxPerMatter,
  ) {}

  record(entry: HistoryRecord): void {
    const caseId =
      entry.caseId !== undefined
        ? entry.caseId
        : (this.db.prepare<[string], { case_id: string }>('SELECT case_id FROM matter_links WHERE matter_id = ?').get(entry.matterId)?.case_id ?? null);
    this.db
      .prepare('INSERT INTO matter_history(at, matter_id, case_id, kind, cause, run_id, source, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(
        this.now().toISOString(),
        entry.matterId,
        caseId,
        entry.kind,
        entry.cause ?? null,
        entry.runId ?? null,
        entry.source ?? null,
        JSON.stringify(entry.details ?? {}),
      );
    this.db
      .prepare(
        `DELETE FROM matter_history WHERE matter_id = ? AND id <= (
           SELECT id FROM matter_history WHERE matter_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      )
      .run(entry.matterId, entry.matterId, this.maxPerMatter);
  }

  /** The client names of a linked matter, for the search (matter_links keeps only contact ids). */
  setClientNames(matterId: string, names: string[]): void {
    this.db
      .prepare(
        `INSERT INTO matter_clients(matter_id, names, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(matter_id) DO UPDATE SET names = excluded.names, updated_at = excluded.updated_at`,
      )
      .run(matterId, JSON.stringify(names), this.now().toISOString());
  }

  /** True when the id is a linked matter (attention items name matters by id, and other things too). */
  isLinkedMatter(id: string): boolean {
    return this.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM matter_links WHERE matter_id = ?').get(id) !== undefined;
  }

  /** A matter's entries, newest first. */
  timeline(matterId: string, limit = 1_000): HistoryEntry[] {
    return this.db
      .prepare<[string, number], Row>('SELECT * FROM matter_history WHERE matter_id = ? ORDER BY id DESC LIMIT ?')
      .all(matterId, limit)
      .map(toEntry);
  }

  /**
   * Linked matters whose number, title or client name contains `query` (case-insensitive), or whose id it is. An
   * exact matter number comes first, then by number. Each result says which of its names matched.
   */
  search(query: string, limit = 50): HistoryMatterView[] {
    const q = query.trim();
    if (q === '') return [];
    const like = likePattern(q);
    return this.db
      .prepare<[string, string, string, string, string, number], MatterRow>(
        `SELECT l.matter_id, l.matter_number, l.matter_title, l.case_id, l.case_url, l.status, c.names
         FROM matter_links l LEFT JOIN matter_clients c ON c.matter_id = l.matter_id
         WHERE l.matter_id = ? OR l.matter_number LIKE ? ESCAPE '\\' OR l.matter_title LIKE ? ESCAPE '\\' OR c.names LIKE ? ESCAPE '\\'
         ORDER BY (l.matter_number = ? COLLATE NOCASE) DESC, l.matter_number, l.matter_id
         LIMIT ?`,
      )
      .all(q, like, like, like, q, limit)
      .map((r) => this.toMatter(r, q));
  }

  matter(matterId: string): HistoryMatterView | undefined {
    const row = this.db
      .prepare<[string], MatterRow>(
        `SELECT l.matter_id, l.matter_number, l.matter_title, l.case_id, l.case_url, l.status, c.names
         FROM matter_links l LEFT JOIN matter_clients c ON c.matter_id = l.matter_id WHERE l.matter_id = ?`,
      )
      .get(matterId);
    return row && this.toMatter(row, matterId);
  }

  /** Drops entries older than the retention and, past the table cap, the oldest. Returns how many went. */
  prune(limits: Pick<HistoryLimits, 'retentionDays' | 'maxRows'>): number {
    const cutoff = new Date(this.now().getTime() - limits.retentionDays * 86_400_000).toISOString();
    const old = this.db.prepare('DELETE FROM matter_history WHERE at < ?').run(cutoff).changes;
    const over = this.db
      .prepare('DELETE FROM matter_history WHERE id <= (SELECT id FROM matter_history ORDER BY id DESC LIMIT 1 OFFSET ?)')
      .run(limits.maxRows).changes;
    return old + over;
  }

  count(matterId?: string): number {
    return matterId === undefined
      ? this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM matter_history').get()!.n
      : this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM matter_history WHERE matter_id = ?').get(matterId)!.n;
  }

  private toMatter(r: MatterRow, query: string): HistoryMatterView {
    const clientNames = r.names ? (JSON.parse(r.names) as string[]) : [];
    const matchedOn = contains(r.matter_number, query)
      ? 'number'
      : contains(r.matter_title, query)
        ? 'title'
        : clientNames.some((n) => contains(n, query))
          ? 'client'
          : 'id';
    return {
      matterId: r.matter_id,
      matterNumber: r.matter_number,
      title: r.matter_title,
      clientNames,
      caseId: r.case_id,
      caseUrl: r.case_url,
      status: r.status,
      matchedOn,
    };
  }
}
