import type pg from 'pg';
import { SqlText, type SqlDatabase, type SqlDialect, type SqlWork, type Statement } from './sql-adapter.js';

export const POSTGRES_DIALECT: SqlDialect = {
  name: 'postgres',
  lockRow: new SqlText(' FOR UPDATE'),
  types: { text: 'text', bigint: 'bigint', json: 'jsonb' },
  readJson: (value) => value,
  writeTime: (time) => time.toISOString(),
  readTime: (value) => value as Date,
};

/** Runs `work` on one pooled connection between BEGIN and COMMIT; any throw rolls back and reaches the caller. */
export async function inPgTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * The SQL adapter over a pg pool: several relay instances share the database, so the logic locks the rows it
 * decides on (SELECT … FOR UPDATE, the dialect's lockRow) for the rest of its transaction.
 */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = POSTGRES_DIALECT;

  constructor(private readonly pool: pg.Pool) {}

  transaction<T>(work: () => SqlWork<T>): Promise<T> {
    return inPgTransaction(this.pool, async (client) => {
      const steps = work();
      let step = steps.next();
      while (!step.done) step = steps.next(await run(client, step.value));
      return step.value;
    });
  }

  query<R>(statement: Statement): Promise<R[]> {
    return run(this.pool, statement) as Promise<R[]>;
  }
}

async function run(on: pg.Pool | pg.PoolClient, statement: Statement): Promise<unknown[]> {
  const { rows } = await on.query<Record<string, unknown>>({ text: statement.render((i) => `$${i}`), values: [...statement.params] });
  return rows;
}
