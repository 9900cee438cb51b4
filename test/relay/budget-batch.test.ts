import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BudgetBatchError, SqlBudget, budgetSchema } from '../../src/relay/storage/budget.js';
import { PostgresDatabase } from '../../src/relay/storage/postgres-adapter.js';
import type { SqlDatabase, SqlWork, Statement } from '../../src/relay/storage/sql-adapter.js';
import { SqliteDatabase } from '../../src/relay/storage/sqlite-adapter.js';
import { decideBudgetRenew, emptyBudgetDoc, type BudgetConfig, type BudgetDoc } from '../../src/shared/budget/rules.js';
import type { BudgetGrant, BudgetRenewRequest } from '../../src/shared/budget/wire.js';
import { tempDir } from '../helpers/tmp.js';
import { Storages, type StorageKind } from './helpers.js';

/**
 * The partner budget decides renewals that arrive together in one transaction (one hold of the budget row's
 * lock), on both SQL databases, and each caller still gets the answer a transaction of its own would have
 * given it. Transactions are counted at the SQL adapter.
 */
const storages = new Storages();
const closers: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  await storages.cleanup();
});

/**
 * The real adapter, counting its transactions. `onStart` runs once, as a transaction has begun: on PostgreSQL
 * it is then in flight; SQLite's runs synchronously, so there it is already over.
 */
class CountingDatabase implements SqlDatabase {
  transactions = 0;
  onStart: (() => void) | undefined;
  constructor(private readonly inner: SqlDatabase) {}
  get dialect(): SqlDatabase['dialect'] {
    return this.inner.dialect;
  }
  transaction<T>(work: () => SqlWork<T>): Promise<T> {
    this.transactions++;
    const result = this.inner.transaction(work);
    const start = this.onStart;
    this.onStart = undefined;
    start?.();
    return result;
  }
  query<R>(statement: Statement): Promise<R[]> {
    return this.inner.query<R>(statement);
  }
}

/** A fresh budget table on a real database; `exec` runs plain SQL on it (to break it on purpose). */
async function budgetOn(kind: StorageKind): Promise<{ db: CountingDatabase; exec(text: string): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = tempDir('budget-batch-');
    const raw = new Database(`${dir.dir}/relay.sqlite`);
    closers.push(() => {
      raw.close();
      dir.cleanup();
    });
    const db = new CountingDatabase(new SqliteDatabase(raw));
    raw.exec(budgetSchema(db.dialect));
    return { db, exec: async (text) => void raw.exec(text) };
  }
  const pool = new pg.Pool({ connectionString: await storages.fresh('postgres'), max: 4 });
  closers.push(() => pool.end());
  const db = new CountingDatabase(new PostgresDatabase(pool));
  await pool.query(budgetSchema(db.dialect));
  return { db, exec: async (text) => void (await pool.query(text)) };
}

const SHARED: BudgetConfig = { mode: 'shared', ratePerSecond: 5, concurrency: 5 };
const NOW = Date.parse('2026-03-02T09:00:00Z');
type Shared = Extract<BudgetGrant, { mode: 'shared' }>;
const ask = (i: number): BudgetRenewRequest => ({ demand: { realtime: i % 3 === 0 ? 0.5 : 0, bulk: 1 + (i % 4) }, usedPerSecond: 0, queueDepth: i });
const renewal = (firm: string, req: BudgetRenewRequest) => (doc: BudgetDoc) => decideBudgetRenew(doc, firm, req, NOW, SHARED);

describe.each<StorageKind>(['sqlite', 'postgres'])('partner budget batches on %s', (kind) => {
  it('renewals arriving together take one transaction, and each gets the answer of deciding them one by one', async () => {
    const { db } = await budgetOn(kind);
    const budget = new SqlBudget(db);
    const firms = Array.from({ length: 8 }, (_, i) => [`firm-${i}`, ask(i)] as const);

    const answers = await Promise.all(firms.map(([firm, req]) => budget.transact(renewal(firm, req))));

    expect(db.transactions).toBe(1);
    let serial = emptyBudgetDoc();
    const expected = firms.map(([firm, req]) => {
      const d = renewal(firm, req)(serial);
      serial = d.doc;
      return d.result;
    });
    expect(answers).toEqual(expected);
    expect(await budget.read()).toEqual(serial);
    // 5 slots for 8 busy firms: some wait, and what is granted stays within the budget.
    const grants = answers as Shared[];
    expect(grants.filter((g) => g.ratePerSecond > 0).length).toBeGreaterThan(0);
    expect(grants.filter((g) => g.ratePerSecond === 0).length).toBeGreaterThanOrEqual(3);
    expect(grants.reduce((a, g) => a + g.ratePerSecond, 0)).toBeLessThanOrEqual(4.5 + 1e-9);
    expect(grants.reduce((a, g) => a + g.concurrency, 0)).toBeLessThanOrEqual(5);
    expect(new Set(grants.map((g) => g.grantSeq)).size).toBe(8);
  });

  it('renewals arriving while a batch is in the database are decided together in the next one', async () => {
    const { db } = await budgetOn(kind);
    const budget = new SqlBudget(db, { gatherMs: 0 });
    let later: Array<Promise<unknown>> = [];
    db.onStart = () => {
      later = Array.from({ length: 5 }, (_, i) => budget.transact(renewal(`late-${i}`, ask(i))));
    };
    const first = await budget.transact(renewal('first', ask(1)));
    expect(first).toMatchObject({ mode: 'shared', grantSeq: 1 });
    expect(later).toHaveLength(5);
    const rest = (await Promise.all(later)) as Shared[];
    expect(db.transactions).toBe(2);
    expect(rest.map((g) => g.grantSeq)).toEqual([2, 3, 4, 5, 6]);
  });

  it('a decision that throws fails only its own caller; the others are decided and stored', async () => {
    const { db } = await budgetOn(kind);
    const budget = new SqlBudget(db);
    const [a, bad, c] = await Promise.allSettled([
      budget.transact(renewal('a', ask(1))),
      budget.transact(() => {
        throw new Error('this renewal cannot be decided');
      }),
      budget.transact(renewal('c', ask(2))),
    ]);
    expect(db.transactions).toBe(1);
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'this renewal cannot be decided' } });
    expect(a).toMatchObject({ status: 'fulfilled', value: { grantSeq: 1 } });
    expect(c).toMatchObject({ status: 'fulfilled', value: { grantSeq: 2 } });
    expect(Object.keys((await budget.read()).hosts).sort()).toEqual(['a', 'c']);
  });

  it('a failed transaction answers every caller of the batch with a clear error, stores none of it, and the next batch works', async () => {
    const { db, exec } = await budgetOn(kind);
    const budget = new SqlBudget(db);
    await budget.transact(renewal('before', ask(1)));
    const stored = await budget.read();
    // The row can be read under its lock but not rewritten: the batch fails at its write, after deciding.
    await exec(
      kind === 'sqlite'
        ? `CREATE TRIGGER refuse BEFORE UPDATE ON relay_budget BEGIN SELECT RAISE(ABORT, 'budget row refused'); END;`
        : `CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'budget row refused'; END $$ LANGUAGE plpgsql;
           CREATE TRIGGER refuse BEFORE UPDATE ON relay_budget FOR EACH ROW EXECUTE FUNCTION refuse();`,
    );
    const failed = await Promise.allSettled(['x', 'y', 'z'].map((firm, i) => budget.transact(renewal(firm, ask(i)))));
    expect(db.transactions).toBe(2);
    for (const outcome of failed) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as BudgetBatchError;
      expect(reason).toBeInstanceOf(BudgetBatchError);
      expect(reason.message).toMatch(/could not decide a batch of 3 renewal\(s\): .*budget row refused/);
    }
    expect(await budget.read()).toEqual(stored);

    await exec('DROP TRIGGER refuse' + (kind === 'postgres' ? ' ON relay_budget' : ''));
    expect(await budget.transact(renewal('after', ask(2)))).toMatchObject({ mode: 'shared', grantSeq: 2 });
    expect(db.transactions).toBe(3);
  });
});
