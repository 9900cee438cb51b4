import type { BudgetDecide, BudgetStorage } from '../../shared/budget/budget-port.js';
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
 * How long the first renewal of a batch waits for others to join it. A few tens of milliseconds is small
 * beside a host's renewal every second (and its 3 s grant, which the host counts from its own send), and
 * with a thousand firms renewing ~20 times a second it gathers several renewals per lock hold.
 */
export const DEFAULT_BUDGET_GATHER_MS = 20;

export interface SqlBudgetOptions {
  /** See DEFAULT_BUDGET_GATHER_MS; 0 still gathers the renewals of one turn of the event loop. */
  gatherMs?: number;
}

/** The batch's transaction failed (SQL or connection): no renewal in it was decided, each caller gets this. */
export class BudgetBatchError extends Error {
  constructor(
    readonly renewals: number,
    cause: unknown,
  ) {
    super(`the partner budget could not decide a batch of ${renewals} renewal(s): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'BudgetBatchError';
  }
}

interface Waiting {
  decide: BudgetDecide<unknown>;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/**
 * The partner budget on either SQL database: the single budget row is read under its lock for the whole
 * decision (SQLite: the immediate transaction; PostgreSQL: SELECT … FOR UPDATE), so relay instances sharing
 * the database decide one after the other and the sum of their unexpired grants stays within the total.
 *
 * Renewals are decided in batches, one lock hold each: the renewals that arrive within `gatherMs` (and those
 * that arrive while a batch is in the database) are decided together in one transaction, one after the other
 * on the document as the previous one left it, exactly as separate transactions in that order would decide
 * them. On PostgreSQL a lock hold costs four round trips (BEGIN, SELECT … FOR UPDATE, the upsert, COMMIT):
 * one hold per renewal queued the renewals of a thousand firms on the lock for seconds (docs/performance.md).
 * At most one batch per instance is in the database at a time, so instances take turns on the lock.
 */
export class SqlBudget implements BudgetStorage {
  private readonly gatherMs: number;
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(
    private readonly db: SqlDatabase,
    options: SqlBudgetOptions = {},
  ) {
    this.gatherMs = Math.max(0, options.gatherMs ?? DEFAULT_BUDGET_GATHER_MS);
  }

  transact<T>(decide: BudgetDecide<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ decide, resolve: resolve as (result: unknown) => void, reject });
      this.startSoon();
    });
  }

  async read(): Promise<BudgetDoc> {
    return this.toDoc((await this.db.query<{ doc: unknown }>(sql`SELECT doc FROM relay_budget WHERE id = 1`))[0]);
  }

  private startSoon(): void {
    if (this.inFlight || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.decideBatch();
    }, this.gatherMs);
  }

  private async decideBatch(): Promise<void> {
    const batch = this.waiting.splice(0);
    if (batch.length === 0) return;
    this.inFlight = true;
    const toDoc = (row: { doc: unknown } | undefined): BudgetDoc => this.toDoc(row);
    const { lockRow } = this.db.dialect;
    try {
      const outcomes = await this.db.transaction(function* () {
        let doc = toDoc(yield* firstRow<{ doc: unknown }>(sql`SELECT doc FROM relay_budget WHERE id = 1${lockRow}`));
        let changed = false;
        // A decision that throws leaves the document as it was (decisions are pure) and fails only its caller.
        const decided = batch.map((w): Outcome => {
          try {
            const decision = w.decide(doc);
            doc = decision.doc;
            changed = true;
            return { ok: true, result: decision.result };
          } catch (error) {
            return { ok: false, error };
          }
        });
        if (changed)
          yield* execute(sql`INSERT INTO relay_budget(id, doc) VALUES (1, ${JSON.stringify(doc)}) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`);
        return decided;
      });
      outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.result) : batch[i]!.reject(o.error)));
    } catch (err) {
      // Rolled back: none of the batch's answers may reach a host, since none of them was stored.
      const error = new BudgetBatchError(batch.length, err);
      for (const w of batch) w.reject(error);
    } finally {
      this.inFlight = false;
    }
    // Those that arrived meanwhile have waited a whole batch already: decide them at once.
    if (this.waiting.length > 0) void this.decideBatch();
  }

  private toDoc(row: { doc: unknown } | undefined): BudgetDoc {
    return row ? (this.db.dialect.readJson(row.doc) as BudgetDoc) : emptyBudgetDoc();
  }
}
