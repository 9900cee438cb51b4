import type { BudgetStorage } from '../../shared/budget/budget-port.js';
import { emptyBudgetDoc, type BudgetDoc } from '../../shared/budget/rules.js';
import { firstRow, sql, execute, type SqlDatabase, type SqlDialect } from './sql-adapter.js';

/** The budget's single row, in the dialect's column types; created empty so there is always a row to lock. */
export function budgetSchema({ types: t }: SqlDialect): string {
  return `
CREATE TABLE IF NOT EXISTS relay_budget (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  doc ${t.json} NOT NULL
);
INSERT INTO relay_budget(id, doc) VALUES (1, '{"hosts":{}}') ON CONFLICT (id) DO NOTHING;
`;
}

/**
 * The partner budget on either SQL database: the single budget row is read under its lock for the whole
 * decision (SQLite: the immediate transaction; PostgreSQL: SELECT … FOR UPDATE), so relay instances sharing
 * the database decide renewals one at a time and the sum of their unexpired grants stays within the total.
 */
export class SqlBudget implements BudgetStorage {
  constructor(private readonly db: SqlDatabase) {}

  transact<T>(decide: (doc: BudgetDoc) => { doc: BudgetDoc; result: T }): Promise<T> {
    const { lockRow } = this.db.dialect;
    const toDoc = (row: { doc: unknown } | undefined): BudgetDoc => this.toDoc(row);
    return this.db.transaction(function* () {
      const row = yield* firstRow<{ doc: unknown }>(sql`SELECT doc FROM relay_budget WHERE id = 1${lockRow}`);
      const decision = decide(toDoc(row));
      yield* execute(sql`INSERT INTO relay_budget(id, doc) VALUES (1, ${JSON.stringify(decision.doc)}) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`);
      return decision.result;
    });
  }

  async read(): Promise<BudgetDoc> {
    return this.toDoc((await this.db.query<{ doc: unknown }>(sql`SELECT doc FROM relay_budget WHERE id = 1`))[0]);
  }

  private toDoc(row: { doc: unknown } | undefined): BudgetDoc {
    return row ? (this.db.dialect.readJson(row.doc) as BudgetDoc) : emptyBudgetDoc();
  }
}
