import type { CoordinationStorage } from '../../shared/lease/coordination-port.js';
import type { Decision, LeaseDoc } from '../../shared/lease/rules.js';
import type { LedgerEntry } from '../../shared/lease/wire.js';
import { execute, firstRow, sql, type SqlDatabase, type SqlDialect } from './sql-adapter.js';

/** The lease and ledger tables, in the dialect's column types. */
export function coordinationSchema({ types: t }: SqlDialect): string {
  return `
CREATE TABLE IF NOT EXISTS relay_leases (
  firm_id ${t.text} PRIMARY KEY REFERENCES relay_firms(id),
  doc ${t.json} NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_ledger (
  firm_id ${t.text} NOT NULL REFERENCES relay_firms(id),
  key ${t.text} NOT NULL,
  seq ${t.bigint} NOT NULL,
  epoch ${t.bigint} NOT NULL,
  value ${t.text},
  PRIMARY KEY (firm_id, key)
);
CREATE INDEX IF NOT EXISTS relay_ledger_seq ON relay_ledger(firm_id, seq);
`;
}

/**
 * The firm's sync lease and fenced ledger on either SQL database: the firm's lease row is read under its
 * lock (SQLite: the immediate transaction; PostgreSQL: SELECT … FOR UPDATE), so two relay instances can
 * never both grant it, and the new document commits together with its ledger entries.
 */
export class SqlCoordination implements CoordinationStorage {
  constructor(private readonly db: SqlDatabase) {}

  transact<T>(firmId: string, decide: (doc: LeaseDoc | undefined) => Decision<T>): Promise<T> {
    const { lockRow, readJson } = this.db.dialect;
    return this.db.transaction(function* () {
      // The row must exist to be locked; a first request for the firm creates it (empty) and locks that.
      yield* execute(sql`INSERT INTO relay_leases(firm_id, doc) VALUES (${firmId}, 'null') ON CONFLICT (firm_id) DO NOTHING`);
      const row = yield* firstRow<{ doc: unknown }>(sql`SELECT doc FROM relay_leases WHERE firm_id = ${firmId}${lockRow}`);
      const decision = decide((readJson(row?.doc) as LeaseDoc | null) ?? undefined);
      yield* execute(sql`UPDATE relay_leases SET doc = ${JSON.stringify(decision.doc)} WHERE firm_id = ${firmId}`);
      for (const e of decision.ledger ?? []) {
        yield* execute(
          sql`INSERT INTO relay_ledger(firm_id, key, seq, epoch, value) VALUES (${firmId}, ${e.key}, ${e.seq}, ${e.epoch}, ${e.value})
              ON CONFLICT (firm_id, key) DO UPDATE SET seq = excluded.seq, epoch = excluded.epoch, value = excluded.value`,
        );
      }
      return decision.result;
    });
  }

  async readLedger(firmId: string, afterSeq: number, limit: number): Promise<LedgerEntry[]> {
    const rows = await this.db.query<{ seq: number | string; key: string; value: string | null; epoch: number | string }>(
      sql`SELECT seq, key, value, epoch FROM relay_ledger WHERE firm_id = ${firmId} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`,
    );
    // PostgreSQL returns bigint as text.
    return rows.map((r) => ({ seq: Number(r.seq), key: r.key, value: r.value, epoch: Number(r.epoch) }));
  }
}
