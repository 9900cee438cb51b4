import pg from 'pg';
import type { Logger } from '../../shared/logger.js';
import type { EventSource, FirmRecord, FirmUsage, InsertOutcome, NewEvent, RelayStorage, StoredEvent } from './port.js';
import { UnknownFirmError } from './errors.js';
import { budgetSchema, SqlBudget } from './budget.js';
import { coordinationSchema, SqlCoordination } from './coordination.js';
import { inPgTransaction, POSTGRES_DIALECT, PostgresDatabase } from './postgres-adapter.js';

/** NOTIFY channel: the payload is the firm id, so other relay instances wake that firm's long polls. */
export const EVENTS_CHANNEL = 'relay_events';

// Any fixed number: serialises schema creation when several instances start at once.
const MIGRATION_LOCK = 7_365_021_482;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_firms (
  id text PRIMARY KEY,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  smokeball_key text NOT NULL,
  case_status_secret text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS relay_events (
  firm_id text NOT NULL REFERENCES relay_firms(id),
  seq bigint NOT NULL,
  source text NOT NULL,
  type text NOT NULL,
  event_id text NOT NULL,
  request_id text,
  received_at timestamptz NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (firm_id, seq),
  UNIQUE (firm_id, source, event_id)
);
CREATE INDEX IF NOT EXISTS relay_events_received_at ON relay_events(received_at);
-- Byte quotas and byte-capped pages sum this column instead of loading bodies.
ALTER TABLE relay_events ADD COLUMN IF NOT EXISTS body_bytes integer NOT NULL DEFAULT 0;
UPDATE relay_events SET body_bytes = octet_length(body) WHERE body_bytes = 0;
CREATE INDEX IF NOT EXISTS relay_events_bytes ON relay_events(firm_id, seq, body_bytes);
CREATE TABLE IF NOT EXISTS relay_pairing_codes (
  code_hash text PRIMARY KEY,
  firm_id text NOT NULL REFERENCES relay_firms(id),
  expires_at timestamptz NOT NULL
);

-- One round trip per webhook, one transaction: the firm row is locked by the UPDATE that takes the next
-- number, and stays locked until commit. So a firm's events commit in sequence order, and a reader that
-- sees number N has already been able to see every number below N: a cursor never skips an event that
-- commits later with a lower number. A duplicate (the UNIQUE constraint, not a prior SELECT) hands its
-- number back while the lock is still held, so the sequence has no gaps.
CREATE OR REPLACE FUNCTION relay_insert_event(
  p_firm text, p_source text, p_type text, p_event_id text, p_request_id text, p_received_at timestamptz, p_body text
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_seq bigint;
  v_inserted bigint;
BEGIN
  UPDATE relay_firms SET last_seq = last_seq + 1 WHERE id = p_firm RETURNING last_seq INTO v_seq;
  IF v_seq IS NULL THEN
    RAISE EXCEPTION 'unknown firm' USING ERRCODE = 'P0002';
  END IF;
  INSERT INTO relay_events(firm_id, seq, source, type, event_id, request_id, received_at, body, body_bytes)
  VALUES (p_firm, v_seq, p_source, p_type, p_event_id, p_request_id, p_received_at, p_body, octet_length(p_body))
  ON CONFLICT (firm_id, source, event_id) DO NOTHING
  RETURNING seq INTO v_inserted;
  IF v_inserted IS NULL THEN
    UPDATE relay_firms SET last_seq = last_seq - 1 WHERE id = p_firm;
    RETURN NULL;
  END IF;
  PERFORM pg_notify('${EVENTS_CHANNEL}', p_firm);
  RETURN v_seq;
END
$$;
`;

interface FirmRow {
  id: string;
  name: string;
  token_hash: string;
  smokeball_key: string;
  case_status_secret: string;
  created_at: Date;
}

interface EventRow {
  seq: string;
  source: EventSource;
  type: string;
  event_id: string;
  request_id: string | null;
  received_at: Date;
  body: string;
}

const PURGE_BATCH = 5_000;
const LISTEN_RETRY_MS = 1_000;

/**
 * PostgreSQL storage: for several relay instances behind a load balancer. Sequence numbers are taken
 * under a row lock (see relay_insert_event), and LISTEN/NOTIFY tells every instance about every stored
 * event so long polls wake wherever they wait.
 */
export class PostgresRelayStorage implements RelayStorage {
  readonly kind = 'postgres' as const;
  readonly coordination: SqlCoordination;
  readonly budget: SqlBudget;
  private readonly pool: pg.Pool;
  private listener: pg.Client | undefined;
  private readonly remoteListeners = new Set<(firmId: string) => void>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly url: string,
    private readonly logger: Logger,
    poolSize: number,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize });
    // An idle client that loses its connection emits here; without a handler the process would crash.
    const sqlDb = new PostgresDatabase(this.pool);
    this.coordination = new SqlCoordination(sqlDb);
    this.budget = new SqlBudget(sqlDb);
    this.pool.on('error', (err) => this.logger.warn('relay postgres: idle connection error', { error: err.message }));
  }

  static async open(url: string, logger: Logger, poolSize = 16): Promise<PostgresRelayStorage> {
    const storage = new PostgresRelayStorage(url, logger, poolSize);
    try {
      await storage.migrate();
      await storage.listen();
    } catch (err) {
      await storage.close();
      throw err;
    }
    return storage;
  }

  private async migrate(): Promise<void> {
    await inPgTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(SCHEMA);
      await client.query(coordinationSchema(POSTGRES_DIALECT));
      await client.query(budgetSchema(POSTGRES_DIALECT));
    });
  }

  /** A dedicated connection for LISTEN; reconnects after a drop (the long poll's re-check covers the gap). */
  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (msg) => {
      if (msg.channel !== EVENTS_CHANNEL || !msg.payload) return;
      for (const listener of this.remoteListeners) listener(msg.payload);
    });
    const onDrop = (err?: Error): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      this.logger.warn('relay postgres: LISTEN connection lost; reconnecting', { error: err?.message });
      this.scheduleListen();
    };
    client.on('error', onDrop);
    client.on('end', () => onDrop());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
  }

  private scheduleListen(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.listen().catch((err: unknown) => {
        this.logger.warn('relay postgres: LISTEN reconnect failed', { error: err instanceof Error ? err.message : String(err) });
        this.scheduleListen();
      });
    }, LISTEN_RETRY_MS);
  }

  async createFirm(f: FirmRecord): Promise<void> {
    await this.pool.query('INSERT INTO relay_firms(id, name, token_hash, smokeball_key, case_status_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      f.id,
      f.name,
      f.tokenHash,
      f.smokeballKey,
      f.caseStatusSecret,
      f.createdAt,
    ]);
  }

  async firmById(firmId: string): Promise<FirmRecord | undefined> {
    const { rows } = await this.pool.query<FirmRow>('SELECT * FROM relay_firms WHERE id = $1', [firmId]);
    return rows[0] && toFirm(rows[0]);
  }

  async firmByTokenHash(tokenHash: string): Promise<FirmRecord | undefined> {
    const { rows } = await this.pool.query<FirmRow>('SELECT * FROM relay_firms WHERE token_hash = $1', [tokenHash]);
    return rows[0] && toFirm(rows[0]);
  }

  async setTokenHash(firmId: string, tokenHash: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE relay_firms SET token_hash = $1 WHERE id = $2', [tokenHash, firmId]);
    return rowCount === 1;
  }

  async listFirms(): Promise<FirmRecord[]> {
    const { rows } = await this.pool.query<FirmRow>('SELECT * FROM relay_firms ORDER BY created_at, id');
    return rows.map(toFirm);
  }

  async savePairingCode(code: { codeHash: string; firmId: string; expiresAt: Date }): Promise<void> {
    await this.pool.query('DELETE FROM relay_pairing_codes WHERE expires_at <= now()');
    await this.pool.query('INSERT INTO relay_pairing_codes(code_hash, firm_id, expires_at) VALUES ($1, $2, $3)', [code.codeHash, code.firmId, code.expiresAt]);
  }

  async takePairingCode(codeHash: string, now: Date): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ firm_id: string; expires_at: Date }>(
      'DELETE FROM relay_pairing_codes WHERE code_hash = $1 RETURNING firm_id, expires_at',
      [codeHash],
    );
    const row = rows[0];
    return row && row.expires_at.getTime() > now.getTime() ? row.firm_id : undefined;
  }

  async insertEvent(e: NewEvent): Promise<InsertOutcome> {
    try {
      const { rows } = await this.pool.query<{ seq: string | null }>('SELECT relay_insert_event($1, $2, $3, $4, $5, $6, $7) AS seq', [
        e.firmId,
        e.source,
        e.type,
        e.eventId,
        e.requestId,
        e.receivedAt,
        e.body,
      ]);
      const seq = rows[0]?.seq ?? null;
      return seq === null ? { stored: false, reason: 'duplicate' } : { stored: true, seq: Number(seq) };
    } catch (err) {
      if ((err as { code?: string }).code === 'P0002') throw new UnknownFirmError(e.firmId);
      throw err;
    }
  }

  async readEvents(firmId: string, afterSeq: number, limit: number, maxBytes = Number.MAX_SAFE_INTEGER): Promise<StoredEvent[]> {
    // The running total is over body_bytes only; bodies are fetched just for the rows under the cap.
    const { rows } = await this.pool.query<EventRow>(
      `WITH page AS (
         SELECT seq, sum(body_bytes) OVER (ORDER BY seq) - body_bytes AS before FROM relay_events
         WHERE firm_id = $1 AND seq > $2 ORDER BY seq LIMIT $3)
       SELECT e.seq, e.source, e.type, e.event_id, e.request_id, e.received_at, e.body
       FROM page JOIN relay_events e ON e.firm_id = $1 AND e.seq = page.seq
       WHERE page.before < $4 ORDER BY e.seq`,
      [firmId, afterSeq, limit, maxBytes],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      source: r.source,
      type: r.type,
      eventId: r.event_id,
      requestId: r.request_id,
      receivedAt: r.received_at,
      body: r.body,
    }));
  }

  async lastSeq(firmId: string): Promise<number> {
    const { rows } = await this.pool.query<{ last_seq: string }>('SELECT last_seq FROM relay_firms WHERE id = $1', [firmId]);
    return Number(rows[0]?.last_seq ?? 0);
  }

  async firmUsage(firmId: string): Promise<FirmUsage> {
    const { rows } = await this.pool.query<{ events: string; bytes: string; last_seq: string }>(
      `SELECT (SELECT count(*) FROM relay_events WHERE firm_id = f.id) AS events,
              (SELECT coalesce(sum(body_bytes), 0) FROM relay_events WHERE firm_id = f.id) AS bytes,
              f.last_seq
       FROM relay_firms f WHERE f.id = $1`,
      [firmId],
    );
    const row = rows[0];
    return row ? { events: Number(row.events), bytes: Number(row.bytes), lastSeq: Number(row.last_seq) } : { events: 0, bytes: 0, lastSeq: 0 };
  }

  async purgeReceivedBefore(cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM relay_events WHERE (firm_id, seq) IN (
           SELECT firm_id, seq FROM relay_events WHERE received_at < $1 LIMIT ${PURGE_BATCH})`,
        [cutoff],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_BATCH) return total;
    }
  }

  onRemoteEvent(listener: (firmId: string) => void): () => void {
    this.remoteListeners.add(listener);
    return () => this.remoteListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}

function toFirm(row: FirmRow): FirmRecord {
  return {
    id: row.id,
    name: row.name,
    tokenHash: row.token_hash,
    smokeballKey: row.smokeball_key,
    caseStatusSecret: row.case_status_secret,
    createdAt: row.created_at,
  };
}
