import type Database from 'better-sqlite3';
import type { Decision, LeaseDoc } from '../../shared/lease/rules.js';
import type { LedgerEntry } from '../../shared/lease/wire.js';
import type { CoordinationStorage } from '../../shared/lease/coordination-port.js';

export const SQLITE_COORDINATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_leases (
  firm_id TEXT PRIMARY KEY REFERENCES relay_firms(id),
  doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_ledger (
  firm_id TEXT NOT NULL REFERENCES relay_firms(id),
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  value TEXT,
  PRIMARY KEY (firm_id, key)
);
CREATE INDEX IF NOT EXISTS relay_ledger_seq ON relay_ledger(firm_id, seq);
`;

/** The lease on SQLite: better-sqlite3 transactions run start to end without interleaving, so that is the lock. */
export class SqliteCoordination implements CoordinationStorage {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    db.exec(SQLITE_COORDINATION_SCHEMA);
    this.stmts = {
      read: db.prepare<[string], { doc: string }>('SELECT doc FROM relay_leases WHERE firm_id = ?'),
      write: db.prepare('INSERT INTO relay_leases(firm_id, doc) VALUES (?, ?) ON CONFLICT (firm_id) DO UPDATE SET doc = excluded.doc'),
      upsert: db.prepare(
        `INSERT INTO relay_ledger(firm_id, key, seq, epoch, value) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (firm_id, key) DO UPDATE SET seq = excluded.seq, epoch = excluded.epoch, value = excluded.value`,
      ),
      ledger: db.prepare<[string, number, number], LedgerEntry>(
        'SELECT seq, key, value, epoch FROM relay_ledger WHERE firm_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
    };
  }

  async transact<T>(firmId: string, decide: (doc: LeaseDoc | undefined) => Decision<T>): Promise<T> {
    return this.db
      .transaction(() => {
        const row = this.stmts.read.get(firmId);
        const decision = decide(row ? (JSON.parse(row.doc) as LeaseDoc) : undefined);
        this.stmts.write.run(firmId, JSON.stringify(decision.doc));
        for (const e of decision.ledger ?? []) this.stmts.upsert.run(firmId, e.key, e.seq, e.epoch, e.value);
        return decision.result;
      })
      .immediate();
  }

  async readLedger(firmId: string, afterSeq: number, limit: number): Promise<LedgerEntry[]> {
    return this.stmts.ledger.all(firmId, afterSeq, limit);
  }
}
