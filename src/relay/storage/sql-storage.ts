import type { BudgetStorage } from '../../shared/budget/budget-port.js';
import type { CoordinationStorage } from '../../shared/lease/coordination-port.js';
import { SqlBudget } from './budget.js';
import { SqlCoordination } from './coordination.js';
import type { EventSource, FirmRecord, FirmUsage, InsertOutcome, NewEvent, RelayStorage, StoredEvent } from './port.js';
import { execute, rows, sql, type SqlDatabase } from './sql-adapter.js';

interface FirmRow {
  id: string;
  name: string;
  token_hash: string;
  smokeball_key: string;
  case_status_secret: string;
  created_at: unknown;
}

interface EventRow {
  // PostgreSQL returns bigint (and count/sum) as text.
  seq: number | string;
  source: EventSource;
  type: string;
  event_id: string;
  request_id: string | null;
  received_at: unknown;
  body: string;
}

/** Rows one purge statement deletes at most: each write transaction stays short, so webhooks are not held up. */
const PURGE_BATCH = 5_000;

/**
 * The relay's records written once over the SQL adapter: firms, pairing codes, and the event log's reads,
 * quota counts and retention. Each dialect's class adds what truly differs: its schema, its connection, how
 * an event takes its sequence number (`insertEvent`) and how other instances hear of it (`onRemoteEvent`).
 */
export abstract class SqlRelayStorage implements RelayStorage {
  abstract readonly kind: RelayStorage['kind'];
  readonly coordination: CoordinationStorage;
  readonly budget: BudgetStorage;

  constructor(protected readonly sqlDb: SqlDatabase) {
    this.coordination = new SqlCoordination(sqlDb);
    this.budget = new SqlBudget(sqlDb);
  }

  abstract insertEvent(event: NewEvent): Promise<InsertOutcome>;
  abstract onRemoteEvent(listener: (firmId: string) => void): () => void;
  abstract close(): Promise<void>;

  async createFirm(f: FirmRecord): Promise<void> {
    await this.sqlDb.query(
      sql`INSERT INTO relay_firms(id, name, token_hash, smokeball_key, case_status_secret, created_at)
          VALUES (${f.id}, ${f.name}, ${f.tokenHash}, ${f.smokeballKey}, ${f.caseStatusSecret}, ${this.time(f.createdAt)})`,
    );
  }

  async firmById(firmId: string): Promise<FirmRecord | undefined> {
    const [row] = await this.sqlDb.query<FirmRow>(sql`SELECT * FROM relay_firms WHERE id = ${firmId}`);
    return row && this.toFirm(row);
  }

  async firmByTokenHash(tokenHash: string): Promise<FirmRecord | undefined> {
    // The record carries the hash that matched (the firm's or the install's), for the caller's constant-time check.
    const [row] = await this.sqlDb.query<FirmRow>(
      sql`SELECT f.id, f.name, coalesce(t.token_hash, f.token_hash) AS token_hash, f.smokeball_key, f.case_status_secret, f.created_at
          FROM relay_firms f LEFT JOIN relay_install_tokens t ON t.firm_id = f.id AND t.token_hash = ${tokenHash}
          WHERE f.token_hash = ${tokenHash} OR t.token_hash IS NOT NULL`,
    );
    return row && this.toFirm(row);
  }

  async setTokenHash(firmId: string, tokenHash: string): Promise<boolean> {
    // A rotation is what an operator does when a token may have leaked: every install pairs again.
    return this.sqlDb.transaction(function* () {
      const updated = yield* rows(sql`UPDATE relay_firms SET token_hash = ${tokenHash} WHERE id = ${firmId} RETURNING id`);
      if (updated.length === 1) yield* execute(sql`DELETE FROM relay_install_tokens WHERE firm_id = ${firmId}`);
      return updated.length === 1;
    });
  }

  async addInstallToken(firmId: string, tokenHash: string, createdAt: Date): Promise<boolean> {
    const added = await this.sqlDb.query(
      sql`INSERT INTO relay_install_tokens(token_hash, firm_id, created_at)
          SELECT ${tokenHash}, id, ${this.time(createdAt)} FROM relay_firms WHERE id = ${firmId} RETURNING firm_id`,
    );
    return added.length === 1;
  }

  async listFirms(): Promise<FirmRecord[]> {
    const rows = await this.sqlDb.query<FirmRow>(sql`SELECT * FROM relay_firms ORDER BY created_at, id`);
    return rows.map((row) => this.toFirm(row));
  }

  async savePairingCode(code: { codeHash: string; firmId: string; expiresAt: Date }): Promise<void> {
    await this.sqlDb.query(sql`DELETE FROM relay_pairing_codes WHERE expires_at <= ${this.time(new Date())}`);
    await this.sqlDb.query(
      sql`INSERT INTO relay_pairing_codes(code_hash, firm_id, expires_at) VALUES (${code.codeHash}, ${code.firmId}, ${this.time(code.expiresAt)})`,
    );
  }

  async takePairingCode(codeHash: string, now: Date): Promise<string | undefined> {
    // The DELETE decides: of two concurrent takes, only one gets the row back.
    const [row] = await this.sqlDb.query<{ firm_id: string; expires_at: unknown }>(
      sql`DELETE FROM relay_pairing_codes WHERE code_hash = ${codeHash} RETURNING firm_id, expires_at`,
    );
    return row && this.sqlDb.dialect.readTime(row.expires_at).getTime() > now.getTime() ? row.firm_id : undefined;
  }

  async readEvents(firmId: string, afterSeq: number, limit: number, maxBytes = Number.MAX_SAFE_INTEGER): Promise<StoredEvent[]> {
    // The running total is taken over body_bytes alone (from the relay_events_bytes index, no bodies loaded);
    // only rows whose preceding total is under the cap are then fetched with their bodies.
    const rows = await this.sqlDb.query<EventRow>(
      sql`WITH page AS (
            SELECT seq, sum(body_bytes) OVER (ORDER BY seq) - body_bytes AS before FROM relay_events
            WHERE firm_id = ${firmId} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit})
          SELECT e.seq, e.source, e.type, e.event_id, e.request_id, e.received_at, e.body
          FROM page JOIN relay_events e ON e.firm_id = ${firmId} AND e.seq = page.seq
          WHERE page.before < ${maxBytes} ORDER BY e.seq`,
    );
    const { readTime } = this.sqlDb.dialect;
    return rows.map((r) => ({
      seq: Number(r.seq),
      source: r.source,
      type: r.type,
      eventId: r.event_id,
      requestId: r.request_id,
      receivedAt: readTime(r.received_at),
      body: r.body,
    }));
  }

  async lastSeq(firmId: string): Promise<number> {
    const [row] = await this.sqlDb.query<{ last_seq: number | string }>(sql`SELECT last_seq FROM relay_firms WHERE id = ${firmId}`);
    return Number(row?.last_seq ?? 0);
  }

  async firmUsage(firmId: string): Promise<FirmUsage> {
    const [row] = await this.sqlDb.query<{ events: number | string; bytes: number | string; last_seq: number | string }>(
      sql`SELECT (SELECT count(*) FROM relay_events WHERE firm_id = f.id) AS events,
                 (SELECT coalesce(sum(body_bytes), 0) FROM relay_events WHERE firm_id = f.id) AS bytes,
                 f.last_seq AS last_seq
          FROM relay_firms f WHERE f.id = ${firmId}`,
    );
    return row ? { events: Number(row.events), bytes: Number(row.bytes), lastSeq: Number(row.last_seq) } : { events: 0, bytes: 0, lastSeq: 0 };
  }

  async purgeReceivedBefore(cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.sqlDb.query(
        sql`DELETE FROM relay_events WHERE (firm_id, seq) IN (
              SELECT firm_id, seq FROM relay_events WHERE received_at < ${this.time(cutoff)} LIMIT ${PURGE_BATCH})
            RETURNING seq`,
      );
      total += deleted.length;
      if (deleted.length < PURGE_BATCH) return total;
      // SQLite answers synchronously: give webhooks waiting on the event loop their turn between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private time(time: Date): string | number | null {
    return this.sqlDb.dialect.writeTime(time);
  }

  private toFirm(row: FirmRow): FirmRecord {
    return {
      id: row.id,
      name: row.name,
      tokenHash: row.token_hash,
      smokeballKey: row.smokeball_key,
      caseStatusSecret: row.case_status_secret,
      createdAt: this.sqlDb.dialect.readTime(row.created_at),
    };
  }
}
