import pg from 'pg';
import type { Logger } from '../../shared/logger.js';
import type { InsertOutcome, NewEvent } from './port.js';
import { UnknownFirmError } from './errors.js';
import { budgetSchema } from './budget.js';
import { coordinationSchema } from './coordination.js';
import { inPgTransaction, POSTGRES_DIALECT, PostgresDatabase } from './postgres-adapter.js';
import { sql } from './sql-adapter.js';
import { SqlRelayStorage } from './sql-storage.js';

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
-- One token per paired install, beside the firm's own: pairing another PC of the firm leaves the others paired.
CREATE TABLE IF NOT EXISTS relay_install_tokens (
  token_hash text PRIMARY KEY,
  firm_id text NOT NULL REFERENCES relay_firms(id),
  created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS relay_install_tokens_firm ON relay_install_tokens(firm_id);

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

const LISTEN_RETRY_MS = 1_000;

/**
 * PostgreSQL storage: for several relay instances behind a load balancer. Sequence numbers are taken
 * under a row lock (see relay_insert_event), and LISTEN/NOTIFY tells every instance about every stored
 * event so long polls wake wherever they wait. Everything but the schema, the insert and LISTEN is the
 * shared SQL logic (`sql-storage.ts`).
 */
export class PostgresRelayStorage extends SqlRelayStorage {
  readonly kind = 'postgres' as const;
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
    const pool = new pg.Pool({ connectionString: url, max: poolSize });
    super(new PostgresDatabase(pool));
    this.pool = pool;
    // An idle client that loses its connection emits here; without a handler the process would crash.
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

  async insertEvent(e: NewEvent): Promise<InsertOutcome> {
    try {
      const [row] = await this.sqlDb.query<{ seq: string | null }>(
        sql`SELECT relay_insert_event(${e.firmId}, ${e.source}, ${e.type}, ${e.eventId}, ${e.requestId}, ${e.receivedAt.toISOString()}, ${e.body}) AS seq`,
      );
      const seq = row?.seq ?? null;
      return seq === null ? { stored: false, reason: 'duplicate' } : { stored: true, seq: Number(seq) };
    } catch (err) {
      if ((err as { code?: string }).code === 'P0002') throw new UnknownFirmError(e.firmId);
      throw err;
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
