import Database from 'better-sqlite3';
import { ensurePrivateFile } from '../../shared/private-files.js';
import type { EventSource, FirmRecord, FirmUsage, InsertOutcome, NewEvent, RelayStorage, StoredEvent } from './port.js';
import { UnknownFirmError } from './errors.js';
import { budgetSchema, SqlBudget } from './budget.js';
import { coordinationSchema, SqlCoordination } from './coordination.js';
import { SQLITE_DIALECT, SqliteDatabase } from './sqlite-adapter.js';

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
`;

interface FirmRow {
  id: string;
  name: string;
  token_hash: string;
  smokeball_key: string;
  case_status_secret: string;
  created_at: number;
}

interface EventRow {
  seq: number;
  source: EventSource;
  type: string;
  event_id: string;
  request_id: string | null;
  received_at: number;
  body: string;
}

const PURGE_BATCH = 5_000;

/**
 * SQLite storage for a single relay instance: one connection (the only writer), WAL, synchronous=NORMAL
 * (a commit survives a process crash; only an OS crash can lose the last moments), prepared statements.
 * better-sqlite3 is synchronous, so a transaction runs start to end without interleaving: the per-firm
 * sequence is taken and used inside it.
 */
export class SqliteRelayStorage implements RelayStorage {
  readonly kind = 'sqlite' as const;
  readonly coordination: SqlCoordination;
  readonly budget: SqlBudget;
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly insertBatchTx: (events: NewEvent[]) => Array<InsertOutcome | Error>;
  private pending: Array<{ event: NewEvent; resolve: (o: InsertOutcome) => void; reject: (e: unknown) => void }> = [];

  constructor(path: string) {
    // The database holds the firms' webhook keys: owner-only (0600) before SQLite opens it.
    if (path !== ':memory:') ensurePrivateFile(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // The CLI may create a firm while `serve` runs on the same file.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.db.exec(coordinationSchema(SQLITE_DIALECT));
    this.db.exec(budgetSchema(SQLITE_DIALECT));
    const sqlDb = new SqliteDatabase(this.db);
    this.coordination = new SqlCoordination(sqlDb);
    this.budget = new SqlBudget(sqlDb);
    addBodyBytes(this.db);
    // Sizes are summed from this index alone: body_bytes sits after the body in the row, so reading it from
    // the table would walk every large body's overflow pages.
    this.db.exec('CREATE INDEX IF NOT EXISTS relay_events_bytes ON relay_events(firm_id, seq, body_bytes)');
    this.stmts = {
      insertFirm: this.db.prepare('INSERT INTO relay_firms(id, name, token_hash, smokeball_key, case_status_secret, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      firmById: this.db.prepare<[string], FirmRow>('SELECT * FROM relay_firms WHERE id = ?'),
      firmByToken: this.db.prepare<[string], FirmRow>('SELECT * FROM relay_firms WHERE token_hash = ?'),
      setToken: this.db.prepare('UPDATE relay_firms SET token_hash = ? WHERE id = ?'),
      listFirms: this.db.prepare<[], FirmRow>('SELECT * FROM relay_firms ORDER BY created_at, id'),
      savePairing: this.db.prepare('INSERT INTO relay_pairing_codes(code_hash, firm_id, expires_at) VALUES (?, ?, ?)'),
      takePairing: this.db.prepare<[string], { firm_id: string; expires_at: number }>(
        'DELETE FROM relay_pairing_codes WHERE code_hash = ? RETURNING firm_id, expires_at',
      ),
      purgePairing: this.db.prepare('DELETE FROM relay_pairing_codes WHERE expires_at <= ?'),
      // The number is taken from the firm row inside the same transaction; a duplicate inserts nothing and
      // so consumes no number (the UNIQUE constraint decides, not a prior SELECT).
      insertEvent: this.db.prepare(
        `INSERT INTO relay_events(firm_id, seq, source, type, event_id, request_id, received_at, body, body_bytes)
         SELECT id, last_seq + 1, ?, ?, ?, ?, ?, ?, ? FROM relay_firms WHERE id = ?
         ON CONFLICT (firm_id, source, event_id) DO NOTHING`,
      ),
      bumpSeq: this.db.prepare<[string], { last_seq: number }>('UPDATE relay_firms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq'),
      firmExists: this.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM relay_firms WHERE id = ?'),
      // The running total is taken over body_bytes alone (no bodies loaded); only rows whose preceding total
      // is under the cap are then fetched with their bodies.
      readEvents: this.db.prepare<[{ firm: string; after: number; limit: number; maxBytes: number }], EventRow>(
        `WITH page AS (
           SELECT seq, sum(body_bytes) OVER (ORDER BY seq) - body_bytes AS before FROM relay_events
           WHERE firm_id = @firm AND seq > @after ORDER BY seq LIMIT @limit)
         SELECT e.seq, e.source, e.type, e.event_id, e.request_id, e.received_at, e.body
         FROM page JOIN relay_events e ON e.firm_id = @firm AND e.seq = page.seq
         WHERE page.before < @maxBytes ORDER BY e.seq`,
      ),
      lastSeq: this.db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM relay_firms WHERE id = ?'),
      usage: this.db.prepare<[string], { events: number; bytes: number; last_seq: number }>(
        `SELECT (SELECT count(*) FROM relay_events WHERE firm_id = f.id) AS events,
                (SELECT coalesce(sum(body_bytes), 0) FROM relay_events WHERE firm_id = f.id) AS bytes,
                f.last_seq AS last_seq
         FROM relay_firms f WHERE f.id = ?`,
      ),
      purge: this.db.prepare(`DELETE FROM relay_events WHERE rowid IN (SELECT rowid FROM relay_events WHERE received_at < ? LIMIT ${PURGE_BATCH})`),
    };
    const insertOne = (e: NewEvent): InsertOutcome => {
      const { changes } = this.stmts.insertEvent.run(
        e.source,
        e.type,
        e.eventId,
        e.requestId,
        e.receivedAt.getTime(),
        e.body,
        Buffer.byteLength(e.body),
        e.firmId,
      );
      if (changes === 0) {
        if (!this.stmts.firmExists.get(e.firmId)) throw new UnknownFirmError(e.firmId);
        return { stored: false, reason: 'duplicate' };
      }
      const row = this.stmts.bumpSeq.get(e.firmId);
      return { stored: true, seq: row!.last_seq };
    };
    this.insertBatchTx = this.db.transaction((events: NewEvent[]) =>
      events.map((e) => {
        try {
          return insertOne(e);
        } catch (err) {
          // One bad event (an unknown firm) must not fail the others in its batch.
          if (err instanceof UnknownFirmError) return err;
          throw err;
        }
      }),
    );
  }

  async createFirm(f: FirmRecord): Promise<void> {
    this.stmts.insertFirm.run(f.id, f.name, f.tokenHash, f.smokeballKey, f.caseStatusSecret, f.createdAt.getTime());
  }

  async firmById(firmId: string): Promise<FirmRecord | undefined> {
    const row = this.stmts.firmById.get(firmId);
    return row && toFirm(row);
  }

  async firmByTokenHash(tokenHash: string): Promise<FirmRecord | undefined> {
    const row = this.stmts.firmByToken.get(tokenHash);
    return row && toFirm(row);
  }

  async setTokenHash(firmId: string, tokenHash: string): Promise<boolean> {
    return this.stmts.setToken.run(tokenHash, firmId).changes === 1;
  }

  async listFirms(): Promise<FirmRecord[]> {
    return this.stmts.listFirms.all().map(toFirm);
  }

  async savePairingCode(code: { codeHash: string; firmId: string; expiresAt: Date }): Promise<void> {
    this.stmts.purgePairing.run(Date.now());
    this.stmts.savePairing.run(code.codeHash, code.firmId, code.expiresAt.getTime());
  }

  async takePairingCode(codeHash: string, now: Date): Promise<string | undefined> {
    const row = this.stmts.takePairing.get(codeHash);
    return row && row.expires_at > now.getTime() ? row.firm_id : undefined;
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

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let outcomes: Array<InsertOutcome | Error>;
    try {
      if (!this.db.open) throw new Error('relay storage is closed');
      outcomes = this.insertBatchTx(batch.map((b) => b.event));
    } catch (err) {
      for (const b of batch) b.reject(err);
      return;
    }
    batch.forEach((b, i) => {
      const outcome = outcomes[i]!;
      if (outcome instanceof Error) b.reject(outcome);
      else b.resolve(outcome);
    });
  }

  async readEvents(firmId: string, afterSeq: number, limit: number, maxBytes = Number.MAX_SAFE_INTEGER): Promise<StoredEvent[]> {
    return this.stmts.readEvents.all({ firm: firmId, after: afterSeq, limit, maxBytes }).map((r) => ({
      seq: r.seq,
      source: r.source,
      type: r.type,
      eventId: r.event_id,
      requestId: r.request_id,
      receivedAt: new Date(r.received_at),
      body: r.body,
    }));
  }

  async lastSeq(firmId: string): Promise<number> {
    return this.stmts.lastSeq.get(firmId)?.last_seq ?? 0;
  }

  async firmUsage(firmId: string): Promise<FirmUsage> {
    const row = this.stmts.usage.get(firmId);
    return row ? { events: row.events, bytes: row.bytes, lastSeq: row.last_seq } : { events: 0, bytes: 0, lastSeq: 0 };
  }

  async purgeReceivedBefore(cutoff: Date): Promise<number> {
    // Small batches keep each write transaction short, so webhooks are not held up behind a big purge.
    let total = 0;
    for (;;) {
      const { changes } = this.stmts.purge.run(cutoff.getTime());
      total += changes;
      if (changes < PURGE_BATCH) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
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

function toFirm(row: FirmRow): FirmRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    smokeballKey: row.smokeball_key,
    caseStatusSecret: row.case_status_secret,
    createdAt: new Date(row.created_at),
  };
}
