import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';

export type OutboxState = 'pending' | 'in_flight' | 'done' | 'failed' | 'dead';

export interface OutboxItem<P = unknown> {
  id: number;
  idempotencyKey: string;
  kind: string;
  subjectId: string;
  payload: P;
  state: OutboxState;
  attempts: number;
  requestId: string | null;
  remoteId: string | null;
  lastError: string | null;
  notBefore: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: number;
  idempotency_key: string;
  kind: string;
  subject_id: string;
  payload: string;
  state: OutboxState;
  attempts: number;
  request_id: string | null;
  remote_id: string | null;
  last_error: string | null;
  not_before: string | null;
  created_at: string;
  updated_at: string;
}

function toItem<P>(r: Row): OutboxItem<P> {
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    kind: r.kind,
    subjectId: r.subject_id,
    payload: JSON.parse(r.payload) as P,
    state: r.state,
    attempts: r.attempts,
    requestId: r.request_id,
    remoteId: r.remote_id,
    lastError: r.last_error,
    notBefore: r.not_before,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Transactional outbox for writes whose remote API has no idempotency key (Smokeball memos, files).
 * An item is recorded before it is sent; `in_flight` items found at start-up were interrupted and must be
 * checked against the remote before being sent again.
 */
export class OutboxRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
  ) {}

  /** Queues an item once per idempotency key. Returns the existing item if the key is already known. */
  enqueue<P>(item: { idempotencyKey: string; kind: string; subjectId: string; payload: P }): OutboxItem<P> {
    const ts = this.now().toISOString();
    this.db
      .prepare(
        `INSERT INTO outbox(idempotency_key, kind, subject_id, payload, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT(idempotency_key) DO NOTHING`,
      )
      .run(item.idempotencyKey, item.kind, item.subjectId, JSON.stringify(item.payload), ts, ts);
    return this.byKey<P>(item.idempotencyKey) as OutboxItem<P>;
  }

  byKey<P>(idempotencyKey: string): OutboxItem<P> | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM outbox WHERE idempotency_key = ?').get(idempotencyKey);
    return row ? toItem<P>(row) : undefined;
  }

  /** Items ready to send now, oldest first (includes interrupted in-flight ones). */
  ready<P>(kind: string, limit = 100): OutboxItem<P>[] {
    return this.db
      .prepare<[string, string, number], Row>(
        `SELECT * FROM outbox WHERE kind = ? AND state IN ('pending','in_flight','failed')
           AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?`,
      )
      .all(kind, this.now().toISOString(), limit)
      .map((r) => toItem<P>(r));
  }

  /** Marks an attempt as started, with the RequestId it carries. Commit this before sending. */
  markInFlight(id: number, requestId: string): void {
    this.db
      .prepare(`UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, request_id = ?, updated_at = ? WHERE id = ?`)
      .run(requestId, this.now().toISOString(), id);
  }

  /**
   * An attempt the write fence refused before anything was sent (this install is not, or may no longer be, the
   * firm's sync host): back in the queue and not counted, so a lapsed lease never uses up an item's attempts.
   */
  releaseRefused(id: number): void {
    this.db
      .prepare(`UPDATE outbox SET state = 'pending', attempts = MAX(0, attempts - 1), updated_at = ? WHERE id = ? AND state = 'in_flight'`)
      .run(this.now().toISOString(), id);
  }

  markDone(id: number, remoteId: string | null): void {
    this.db
      .prepare(`UPDATE outbox SET state = 'done', remote_id = COALESCE(?, remote_id), last_error = NULL, updated_at = ? WHERE id = ?`)
      .run(remoteId, this.now().toISOString(), id);
  }

  /** Records the remote id as soon as it is known (e.g. the fileId from step one of an upload). */
  setRemoteId(id: number, remoteId: string): void {
    this.db.prepare('UPDATE outbox SET remote_id = ?, updated_at = ? WHERE id = ?').run(remoteId, this.now().toISOString(), id);
  }

  /** A failed attempt: retried after `retryAt`, or dead (needs a person) once `dead` is true. */
  markFailed(id: number, error: string, retryAt: Date | null, dead: boolean): void {
    this.db
      .prepare('UPDATE outbox SET state = ?, last_error = ?, not_before = ?, updated_at = ? WHERE id = ?')
      .run(dead ? 'dead' : 'failed', error, retryAt ? retryAt.toISOString() : null, this.now().toISOString(), id);
  }

  /** Puts a dead item back in the queue (the user pressed Retry). */
  revive(id: number): void {
    this.db.prepare(`UPDATE outbox SET state = 'pending', not_before = NULL, updated_at = ? WHERE id = ? AND state = 'dead'`).run(this.now().toISOString(), id);
  }

  /** Whether one of our writes carried this RequestId: webhooks it caused are our own echo (loop protection). */
  hasRequestId(requestId: string): boolean {
    return this.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM outbox WHERE request_id = ? LIMIT 1').get(requestId) !== undefined;
  }

  counts(): Record<OutboxState, number> {
    const out: Record<OutboxState, number> = { pending: 0, in_flight: 0, done: 0, failed: 0, dead: 0 };
    for (const r of this.db.prepare<[], { state: OutboxState; n: number }>('SELECT state, COUNT(*) n FROM outbox GROUP BY state').all()) {
      out[r.state] = r.n;
    }
    return out;
  }

  /** Items of these kinds not yet done or dead, in queue order after `afterId` (keyset paging past waiting items). */
  activeAfter<P>(kinds: readonly string[], afterId: number, limit = 500): OutboxItem<P>[] {
    return this.db
      .prepare<unknown[], Row>(
        `SELECT * FROM outbox WHERE kind IN (${kinds.map(() => '?').join(',')}) AND state IN ('pending','in_flight','failed')
           AND id > ? ORDER BY id LIMIT ?`,
      )
      .all(...kinds, afterId, limit)
      .map((r) => toItem<P>(r));
  }

  /** How many items of these kinds are still to be sent (pending, in flight or failed and retrying). */
  activeCount(kinds: readonly string[]): number {
    return (
      this.db
        .prepare<unknown[], { n: number }>(
          `SELECT COUNT(*) n FROM outbox WHERE kind IN (${kinds.map(() => '?').join(',')}) AND state IN ('pending','in_flight','failed')`,
        )
        .get(...kinds)?.n ?? 0
    );
  }

  byId<P>(id: number): OutboxItem<P> | undefined {
    const row = this.db.prepare<[number], Row>('SELECT * FROM outbox WHERE id = ?').get(id);
    return row ? toItem<P>(row) : undefined;
  }
}
