import type pg from 'pg';
import type { Decision, LeaseDoc } from '../../shared/lease/rules.js';
import type { LedgerEntry } from '../../shared/lease/wire.js';
import type { CoordinationStorage } from '../../shared/lease/coordination-port.js';

export const POSTGRES_COORDINATION_SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_leases (
  firm_id text PRIMARY KEY REFERENCES relay_firms(id),
  doc jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_ledger (
  firm_id text NOT NULL REFERENCES relay_firms(id),
  key text NOT NULL,
  seq bigint NOT NULL,
  epoch bigint NOT NULL,
  value text,
  PRIMARY KEY (firm_id, key)
);
CREATE INDEX IF NOT EXISTS relay_ledger_seq ON relay_ledger(firm_id, seq);
`;

/**
 * The lease on PostgreSQL: the firm's lease row is locked (SELECT … FOR UPDATE) for the whole decision, so
 * two relay instances behind a load balancer can never both grant it.
 */
export class PostgresCoordination implements CoordinationStorage {
  constructor(private readonly pool: pg.Pool) {}

  async transact<T>(firmId: string, decide: (doc: LeaseDoc | undefined) => Decision<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // The row must exist to be locked; a first request for the firm creates it (empty) and locks that.
      await client.query(`INSERT INTO relay_leases(firm_id, doc) VALUES ($1, 'null'::jsonb) ON CONFLICT (firm_id) DO NOTHING`, [firmId]);
      const { rows } = await client.query<{ doc: LeaseDoc | null }>('SELECT doc FROM relay_leases WHERE firm_id = $1 FOR UPDATE', [firmId]);
      const decision = decide(rows[0]?.doc ?? undefined);
      await client.query('UPDATE relay_leases SET doc = $2 WHERE firm_id = $1', [firmId, JSON.stringify(decision.doc)]);
      for (const e of decision.ledger ?? []) {
        await client.query(
          `INSERT INTO relay_ledger(firm_id, key, seq, epoch, value) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (firm_id, key) DO UPDATE SET seq = excluded.seq, epoch = excluded.epoch, value = excluded.value`,
          [firmId, e.key, e.seq, e.epoch, e.value],
        );
      }
      await client.query('COMMIT');
      return decision.result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async readLedger(firmId: string, afterSeq: number, limit: number): Promise<LedgerEntry[]> {
    const { rows } = await this.pool.query<{ seq: string; key: string; value: string | null; epoch: string }>(
      'SELECT seq, key, value, epoch FROM relay_ledger WHERE firm_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [firmId, afterSeq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), key: r.key, value: r.value, epoch: Number(r.epoch) }));
  }
}
