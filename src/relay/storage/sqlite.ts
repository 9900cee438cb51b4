import Database from 'better-sqlite3';
import { ensurePrivateFile } from '../../shared/private-files.js';
import type { InsertOutcome, NewEvent } from './port.js';
import { UnknownFirmError } from './errors.js';
import { budgetSchema } from './budget.js';
import { coordinationSchema } from './coordination.js';
import { execute, firstRow, rows, sql, type SqlWork } from './sql-adapter.js';
import { SQLITE_DIALECT, SqliteDatabase } from './sqlite-adapter.js';
import { SqlRelayStorage } from './sql-storage.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_firms (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  smokeball_key TEXT NOT NULL,
  case_status_secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS relay_events (
  firm_id TEXT NOT NULL REFERENCES relay_firms(id),
  seq INTEGER NOT NULL,
  source TEXT NOT NULL,
  type TEXT NOT NULL,
  event_id TEXT NOT NULL,
  request_id TEXT,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  body_bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (firm_id, seq),
  UNIQUE (firm_id, source, event_id)
);
CREATE INDEX IF NOT EXISTS relay_events_received_at ON relay_events(received_at);
CREATE TABLE IF NOT EXISTS relay_pairing_codes (
  code_hash TEXT PRIMARY KEY,
  firm_id TEXT NOT NULL REFERENCES relay_firms(id),
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_install_tokens (
  token_hash TEXT PRIMARY KEY,
  firm_id TEXT NOT NULL REFERENCES relay_firms(id),
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS relay_install_tokens_firm ON relay_install_tokens(firm_id);
`;

/**
 * The events of one flush, in one transaction. Each takes its number from the firm row inside the
 * transaction; a duplicate inserts nothing and so consumes no number (the UNIQUE constraint decides, not a
 * prior SELECT). One bad event (an unknown firm) gets its own error and does not fail the others.
 */
function* insertBatch(events: NewEvent[]): SqlWork<Array<InsertOutcome | Error>> {
  const outcomes: Array<InsertOutcome | Error> = [];
  for (const e of events) {
    const [inserted] = yield* rows<{ seq: number }>(
      sql`INSERT INTO relay_events(firm_id, seq, source, type, event_id, request_id, received_at, body, body_bytes)
          SELECT id, last_seq + 1, ${e.source}, ${e.type}, ${e.eventId}, ${e.requestId}, ${e.receivedAt.getTime()}, ${e.body}, ${Buffer.byteLength(e.body)}
          FROM relay_firms WHERE id = ${e.firmId}
          ON CONFLICT (firm_id, source, event_id) DO NOTHING RETURNING seq`,
    );
    if (inserted) {
      yield* execute(sql`UPDATE relay_firms SET last_seq = last_seq + 1 WHERE id = ${e.firmId}`);
      outcomes.push({ stored: true, seq: inserted.seq });
    } else {
      const firm = yield* firstRow(sql`SELECT 1 AS one FROM relay_firms WHERE id = ${e.firmId}`);
      outcomes.push(firm ? { stored: false, reason: 'duplicate' } : new UnknownFirmError(e.firmId));
    }
  }
  return outcomes;
}

/**
 * SQLite storage for a single relay instance: one connection (the only writer), WAL, synchronous=NORMAL
 * (a commit survives a process crash; only an OS crash can lose the last moments), prepared statements.
 * better-sqlite3 is synchronous, so a transaction runs start to end without interleaving: the per-firm
 * sequence is taken and used inside it. Everything but the schema and the batched insert is the shared
 * SQL logic (`sql-storage.ts`).
 */
export class SqliteRelayStorage extends SqlRelayStorage {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private pending: Array<{ event: NewEvent; resolve: (o: InsertOutcome) => void; reject: (e: unknown) => void }> = [];

  constructor(path: string) {
    // The database holds the firms' webhook keys: owner-only (0600) before SQLite opens it.
    if (path !== ':memory:') ensurePrivateFile(path);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // The CLI may create a firm while `serve` runs on the same file.
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    db.exec(coordinationSchema(SQLITE_DIALECT));
    db.exec(budgetSchema(SQLITE_DIALECT));
    addBodyBytes(db);
    // Sizes are summed from this index alone: body_bytes sits after the body in the row, so reading it from
    // the table would walk every large body's overflow pages.
    db.exec('CREATE INDEX IF NOT EXISTS relay_events_bytes ON relay_events(firm_id, seq, body_bytes)');
    super(new SqliteDatabase(db));
    this.db = db;
  }

  /**
   * Webhooks that arrive in the same event-loop turn share one transaction (one WAL commit instead of one
   * each); every caller still gets its own outcome, and only after the commit.
   */
  insertEvent(event: NewEvent): Promise<InsertOutcome> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push({ event, resolve, reject });
    });
  }

  /** Runs the batch's transaction now (better-sqlite3 is synchronous), so `close` can flush before closing. */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const settle = (outcomes: Array<InsertOutcome | Error>): void =>
      batch.forEach((b, i) => {
        const outcome = outcomes[i]!;
        if (outcome instanceof Error) b.reject(outcome);
        else b.resolve(outcome);
      });
    const fail = (err: unknown): void => batch.forEach((b) => b.reject(err));
    if (!this.db.open) return fail(new Error('relay storage is closed'));
    this.sqlDb.transaction(() => insertBatch(batch.map((b) => b.event))).then(settle, fail);
  }

  onRemoteEvent(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    this.flush();
    if (this.db.open) this.db.close();
  }
}

/** Relays created before byte quotas lack body_bytes: add it and fill it in once. */
function addBodyBytes(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(relay_events)').all();
  if (columns.some((c) => c.name === 'body_bytes')) return;
  db.exec('ALTER TABLE relay_events ADD COLUMN body_bytes INTEGER NOT NULL DEFAULT 0');
  db.exec('UPDATE relay_events SET body_bytes = length(CAST(body AS BLOB))');
}
