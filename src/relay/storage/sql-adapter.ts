/**
 * A small SQL-dialect adapter, so that a storage contract both SQLite and PostgreSQL implement (the firm's
 * sync lease, the partner budget) is written once: the logic builds statements with `sql`, and each dialect
 * renders their placeholders (`?` or `$1`), its lock clause and its column types.
 *
 * Why a generator: better-sqlite3 runs a transaction synchronously from start to end, and that is what makes
 * it a lock on the relay's single connection (an `await` inside it would let other requests' statements join
 * the open transaction, and be rolled back with it). pg needs an `await` per statement. So a transaction's
 * logic is a generator that yields its statements and receives their rows: the SQLite driver feeds it
 * synchronously inside one immediate transaction, the PostgreSQL driver asynchronously on one pooled
 * connection between BEGIN and COMMIT.
 */

export type SqlParam = string | number | null;

/** Text spliced into a statement as it is (a dialect's clause), never a value from a request. */
export class SqlText {
  constructor(readonly text: string) {}
}

/** A statement: text parts with a parameter between each two. */
export class Statement {
  constructor(
    readonly parts: readonly string[],
    readonly params: readonly SqlParam[],
  ) {}

  /** The statement's text with each parameter written as the dialect's placeholder for its 1-based index. */
  render(placeholder: (index: number) => string): string {
    return this.parts.reduce((text, part, i) => (i === 0 ? part : `${text}${placeholder(i)}${part}`), '');
  }
}

/** `sql\`SELECT doc FROM t WHERE id = ${id}\``: every interpolated value is a parameter, except SqlText. */
export function sql(strings: TemplateStringsArray, ...values: Array<SqlParam | SqlText>): Statement {
  const parts = [strings[0]!];
  const params: SqlParam[] = [];
  values.forEach((value, i) => {
    if (value instanceof SqlText) parts[parts.length - 1] += value.text + strings[i + 1]!;
    else {
      params.push(value);
      parts.push(strings[i + 1]!);
    }
  });
  return new Statement(parts, params);
}

/** A transaction's logic: yields statements, receives each one's rows (empty for writes), returns T. */
export type SqlWork<T> = Generator<Statement, T, unknown[]>;

/** Inside SqlWork: `const found = yield* rows<Row>(sql\`…\`)`. */
export function* rows<R>(statement: Statement): SqlWork<R[]> {
  return (yield statement) as R[];
}

export function* firstRow<R>(statement: Statement): SqlWork<R | undefined> {
  return (yield* rows<R>(statement))[0];
}

export function* execute(statement: Statement): SqlWork<void> {
  yield statement;
}

/** What differs between the two dialects beyond placeholders. Both speak `INSERT … ON CONFLICT … DO UPDATE`. */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Appended to a SELECT that must lock its row until commit (PostgreSQL); SQLite's transaction is the lock. */
  readonly lockRow: SqlText;
  /** Column types for schemas written once. */
  readonly types: { text: string; bigint: string; json: string };
  /** A JSON column as read: SQLite gives its text, PostgreSQL's jsonb arrives parsed. */
  readJson(value: unknown): unknown;
  /** A point in time as a parameter: SQLite keeps epoch milliseconds (INTEGER), PostgreSQL a timestamptz. */
  writeTime(time: Date): SqlParam;
  /** A time column as read: SQLite gives epoch milliseconds, PostgreSQL's timestamptz arrives as a Date. */
  readTime(value: unknown): Date;
}

export interface SqlDatabase {
  readonly dialect: SqlDialect;
  /** Runs the work in one transaction that holds the write lock; a throw (from the logic or SQL) rolls back. */
  transaction<T>(work: () => SqlWork<T>): Promise<T>;
  /** One statement on its own. */
  query<R>(statement: Statement): Promise<R[]>;
}
