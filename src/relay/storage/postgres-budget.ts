import type pg from 'pg';
import type { BudgetStorage } from '../../shared/budget/budget-port.js';
import { emptyBudgetDoc, type BudgetDoc } from '../../shared/budget/rules.js';

export const POSTGRES_BUDGET_SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_budget (
  id integer PRIMARY KEY CHECK (id = 1),
  doc jsonb NOT NULL
);
INSERT INTO relay_budget(id, doc) VALUES (1, '{"hosts":{}}'::jsonb) ON CONFLICT (id) DO NOTHING;
`;

/**
 * The partner budget on PostgreSQL: the single budget row is locked (SELECT … FOR UPDATE) for the whole
 * decision, so relay instances sharing the database decide renewals one at a time and the sum of their
 * unexpired grants stays within the total.
 */
export class PostgresBudget implements BudgetStorage {
  constructor(private readonly pool: pg.Pool) {}

  async transact<T>(decide: (doc: BudgetDoc) => { doc: BudgetDoc; result: T }): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ doc: BudgetDoc }>('SELECT doc FROM relay_budget WHERE id = 1 FOR UPDATE');
      const decision = decide(rows[0]?.doc ?? emptyBudgetDoc());
      await client.query('UPDATE relay_budget SET doc = $1 WHERE id = 1', [JSON.stringify(decision.doc)]);
      await client.query('COMMIT');
      return decision.result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async read(): Promise<BudgetDoc> {
    const { rows } = await this.pool.query<{ doc: BudgetDoc }>('SELECT doc FROM relay_budget WHERE id = 1');
    return rows[0]?.doc ?? emptyBudgetDoc();
  }
}
