import type Database from 'better-sqlite3';
import type { BudgetStorage } from '../../shared/budget/budget-port.js';
import { emptyBudgetDoc, type BudgetDoc } from '../../shared/budget/rules.js';

export const SQLITE_BUDGET_SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_budget (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  doc TEXT NOT NULL
);
`;

/** The partner budget on SQLite: one relay instance; an immediate transaction is the lock. */
export class SqliteBudget implements BudgetStorage {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    db.exec(SQLITE_BUDGET_SCHEMA);
    this.stmts = {
      read: db.prepare<[], { doc: string }>('SELECT doc FROM relay_budget WHERE id = 1'),
      write: db.prepare('INSERT INTO relay_budget(id, doc) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc'),
    };
  }

  async transact<T>(decide: (doc: BudgetDoc) => { doc: BudgetDoc; result: T }): Promise<T> {
    return this.db
      .transaction(() => {
        const decision = decide(this.readNow());
        this.stmts.write.run(JSON.stringify(decision.doc));
        return decision.result;
      })
      .immediate();
  }

  async read(): Promise<BudgetDoc> {
    return this.readNow();
  }

  private readNow(): BudgetDoc {
    const row = this.stmts.read.get();
    return row ? (JSON.parse(row.doc) as BudgetDoc) : emptyBudgetDoc();
  }
}
