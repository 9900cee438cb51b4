import type { Database } from 'better-sqlite3';
import { packLedgerAppends } from '../../shared/lease/rules.js';
import type { HeldLease, LeaseClient } from './lease-client.js';

/**
 * The state that makes writes exactly once, shared by every install of a firm through the relay's fenced
 * ledger: links (with the stage guard's ticks), checkpoints (feed cursors, relay cursor), the outbox, memo
 * threads/entries/writes, document links, file-name claims, the CaseStatus folder per matter, case writes in
 * flight (a take-over must not build on a payload older than the one Case Status shows) and held stage changes.
 *
 * - Capture: TEMP triggers (this connection only, no schema change) copy every change of those tables into
 *   a TEMP `ledger_changes` table, in the same transaction as the change.
 * - Flush: before every request the host sends (WriteFence.beforeSend), pending changes go to the relay with
 *   the host's epoch and lease key. A record written before a send ("this memo write is in flight") is
 *   therefore in the ledger before the send, and the relay refuses the append of a host that lost the lease.
 * - Adopt: a new host replaces its local copy of those tables with the ledger before its first request, so
 *   it continues exactly where the previous host's last flushed record left off — including writes it had
 *   sent but not settled, which the write-back settles by reading back, as after a crash.
 * Changes a host made but could not flush were never followed by a send, so dropping them is safe.
 */
export const REPLICATED_TABLES = [
  'checkpoints',
  'matter_links',
  'contact_links',
  'memo_threads',
  'message_links',
  'matter_folders',
  'document_links',
  'outbox',
  'memo_entries',
  'memo_writes',
  'file_name_claims',
  'memo_texts_sent',
  'case_sends',
  'held_changes',
] as const;

const APPEND_BATCH = 400;

interface TableShape {
  columns: string[];
  keyColumns: string[];
}

export class LedgerReplicator {
  private readonly shapes = new Map<string, TableShape>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly client: LeaseClient,
    private readonly installId: string,
  ) {
    for (const table of REPLICATED_TABLES) {
      const info = db.prepare<[], { name: string; pk: number }>(`PRAGMA table_info(${table})`).all();
      if (info.length === 0) throw new Error(`ledger: table ${table} does not exist`);
      const keyColumns = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      this.shapes.set(table, { columns: info.map((c) => c.name), keyColumns });
    }
    db.exec('CREATE TEMP TABLE IF NOT EXISTS ledger_changes (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value TEXT)');
    for (const [table, shape] of this.shapes) {
      const key = (row: 'NEW' | 'OLD') => `'${table}' || ':' || json_array(${shape.keyColumns.map((c) => `${row}.${c}`).join(', ')})`;
      const value = `json_object(${shape.columns.map((c) => `'${c}', NEW.${c}`).join(', ')})`;
      db.exec(`
        CREATE TEMP TRIGGER IF NOT EXISTS ledger_${table}_ins AFTER INSERT ON main.${table} BEGIN
          INSERT INTO ledger_changes(key, value) VALUES (${key('NEW')}, ${value}); END;
        CREATE TEMP TRIGGER IF NOT EXISTS ledger_${table}_upd AFTER UPDATE ON main.${table} BEGIN
          INSERT INTO ledger_changes(key, value) SELECT ${key('OLD')}, NULL WHERE ${key('OLD')} <> ${key('NEW')};
          INSERT INTO ledger_changes(key, value) VALUES (${key('NEW')}, ${value}); END;
        CREATE TEMP TRIGGER IF NOT EXISTS ledger_${table}_del AFTER DELETE ON main.${table} BEGIN
          INSERT INTO ledger_changes(key, value) VALUES (${key('OLD')}, NULL); END;
      `);
    }
  }

  /** Changes recorded locally and not yet in the relay's ledger. */
  pendingCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM ledger_changes').get()!.n;
  }

  /**
   * Sends pending changes to the relay under the held lease; one flush at a time (concurrent callers share
   * it). Throws the relay's refusal (lease_lost) — the caller must then not send its request.
   */
  async flush(lease: HeldLease): Promise<void> {
    // Everything committed before this call must be in the ledger when it returns; a flush already under
    // way may have read its rows before ours were committed, so go round until ours are gone.
    const target = this.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM ledger_changes').get()!.id;
    if (target === null) return;
    const firstPending = this.db.prepare<[], { id: number | null }>('SELECT min(id) AS id FROM ledger_changes');
    for (;;) {
      const first = firstPending.get()!.id;
      if (first === null || first > target) return;
      this.flushing ??= this.flushNow(lease).finally(() => {
        this.flushing = undefined;
      });
      await this.flushing;
    }
  }

  private async flushNow(lease: HeldLease): Promise<void> {
    for (;;) {
      const rows = this.db
        .prepare<[number], { id: number; key: string; value: string | null }>('SELECT id, key, value FROM ledger_changes ORDER BY id LIMIT ?')
        .all(APPEND_BATCH * 4);
      if (rows.length === 0) return;
      // The newest change of a key wins; older ones in the same batch need not travel.
      const latest = new Map<string, string | null>();
      for (const r of rows) {
        latest.delete(r.key);
        latest.set(r.key, r.value);
      }
      const entries = [...latest].map(([key, value]) => ({ key, value }));
      // Packed by count and by bytes: one memo's text can be large, and the append must fit the relay's body cap.
      for (const batch of packLedgerAppends(entries, APPEND_BATCH)) {
        await this.client.appendLedger(this.installId, lease, batch);
      }
      this.db.prepare('DELETE FROM ledger_changes WHERE id <= ?').run(rows[rows.length - 1]!.id);
    }
  }

  /**
   * Makes the local copy of the replicated tables equal to the relay's ledger. Run when this install
   * becomes the host, before its first request. When the ledger is empty (the firm's first host since
   * installs were coordinated) the local state is kept and published instead, so an upgrade loses nothing.
   */
  async adopt(lease: HeldLease, options: { keepLocal?: boolean } = {}): Promise<{ entries: number; published: number }> {
    const entries: Array<{ key: string; value: string | null }> = [];
    let after = 0;
    for (;;) {
      const page = await this.client.readLedger(after);
      entries.push(...page.entries);
      after = Number(page.nextCursor);
      if (!page.hasMore) break;
    }
    if (options.keepLocal && entries.length > 0) return this.publishLocal(lease, entries);
    if (entries.length === 0) {
      this.db.transaction(() => {
        this.db.exec('DELETE FROM ledger_changes');
        for (const [table, shape] of this.shapes) {
          const cols = shape.columns.map((c) => `'${c}', ${c}`).join(', ');
          this.db.exec(
            `INSERT INTO ledger_changes(key, value) SELECT '${table}' || ':' || json_array(${shape.keyColumns.join(', ')}), json_object(${cols}) FROM main.${table}`,
          );
        }
      })();
      const published = this.pendingCount();
      await this.flush(lease);
      return { entries: 0, published };
    }
    this.db.transaction(() => {
      for (const table of this.shapes.keys()) this.db.exec(`DELETE FROM main.${table}`);
      for (const e of entries) {
        if (e.value === null) continue;
        const table = e.key.slice(0, e.key.indexOf(':'));
        const shape = this.shapes.get(table);
        if (!shape) continue; // a table a newer version replicates: not ours to apply
        const row = JSON.parse(e.value) as Record<string, unknown>;
        const cols = shape.columns.filter((c) => c in row);
        this.db
          .prepare(`INSERT OR REPLACE INTO main.${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
          .run(...cols.map((c) => row[c] as never));
      }
      // What was applied came from the ledger: nothing of it needs to travel back.
      this.db.exec('DELETE FROM ledger_changes');
    })();
    return { entries: entries.length, published: 0 };
  }

  /**
   * A restarted host (granted back its own lease: nobody else wrote since) keeps its local copy, which may hold
   * records made after its last append (a stage tick or a link recorded after the request that made it, before
   * the process died), and sends the ledger what differs from it. Adopting the ledger instead would roll those
   * records back, and a late webhook could then send a stage backwards.
   */
  private async publishLocal(lease: HeldLease, ledger: Array<{ key: string; value: string | null }>): Promise<{ entries: number; published: number }> {
    const inLedger = new Map<string, string | null>();
    for (const e of ledger) inLedger.set(e.key, e.value);
    this.db.transaction(() => {
      this.db.exec('DELETE FROM ledger_changes');
      const add = this.db.prepare<[string, string | null]>('INSERT INTO ledger_changes(key, value) VALUES (?, ?)');
      const local = new Set<string>();
      for (const [table, shape] of this.shapes) {
        const cols = shape.columns.map((c) => `'${c}', ${c}`).join(', ');
        const rows = this.db
          .prepare<[], { key: string; value: string }>(
            `SELECT '${table}' || ':' || json_array(${shape.keyColumns.join(', ')}) AS key, json_object(${cols}) AS value FROM main.${table}`,
          )
          .all();
        for (const r of rows) {
          local.add(r.key);
          if (inLedger.get(r.key) !== r.value) add.run(r.key, r.value);
        }
      }
      for (const [key, value] of inLedger) {
        const table = key.slice(0, key.indexOf(':'));
        if (value !== null && !local.has(key) && this.shapes.has(table)) add.run(key, null);
      }
    })();
    const published = this.pendingCount();
    await this.flush(lease);
    return { entries: ledger.length, published };
  }

  close(): void {
    if (!this.db.open) return;
    for (const table of this.shapes.keys()) {
      for (const op of ['ins', 'upd', 'del']) this.db.exec(`DROP TRIGGER IF EXISTS temp.ledger_${table}_${op}`);
    }
  }
}
