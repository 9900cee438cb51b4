import type Database from 'better-sqlite3';
import { SqlText, type SqlDatabase, type SqlDialect, type SqlWork, type Statement } from './sql-adapter.js';

export const SQLITE_DIALECT: SqlDialect = {
  name: 'sqlite',
  lockRow: new SqlText(''),
  types: { text: 'TEXT', bigint: 'INTEGER', json: 'TEXT' },
  readJson: (value) => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value),
  writeTime: (time) => time.getTime(),
  readTime: (value) => new Date(value as number),
};

/** The SQL adapter over better-sqlite3: one connection; an immediate transaction is the lock. */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = SQLITE_DIALECT;
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  async transaction<T>(work: () => SqlWork<T>): Promise<T> {
    // Synchronous from BEGIN to COMMIT: no other statement on this connection can run in between.
    return this.db
      .transaction(() => {
        const steps = work();
        let step = steps.next();
        while (!step.done) step = steps.next(this.run(step.value));
        return step.value;
      })
      .immediate();
  }

  async query<R>(statement: Statement): Promise<R[]> {
    return this.run(statement) as R[];
  }

  private run(statement: Statement): unknown[] {
    const text = statement.render(() => '?');
    let prepared = this.prepared.get(text);
    if (!prepared) {
      prepared = this.db.prepare(text);
      this.prepared.set(text, prepared);
    }
    if (prepared.reader) return prepared.all(...statement.params) as unknown[];
    prepared.run(...statement.params);
    return [];
  }
}
