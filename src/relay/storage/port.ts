/**
 * The relay's storage port. Two adapters implement it: SQLite (one instance, embedded) and PostgreSQL
 * (several instances behind a load balancer). Everything the HTTP layer needs goes through here, so the
 * same test suite runs against both.
 */

import type { CoordinationStorage } from '../../shared/lease/coordination-port.js';
import type { BudgetStorage } from '../../shared/budget/budget-port.js';

export type EventSource = 'smokeball' | 'casestatus';

/** A firm as stored. Only the token's sha256 is kept; the two webhook keys must stay usable for HMAC checks. */
export interface FirmRecord {
  id: string;
  name: string;
  tokenHash: string;
  smokeballKey: string;
  caseStatusSecret: string;
  createdAt: Date;
}

export interface NewEvent {
  firmId: string;
  source: EventSource;
  type: string;
  /** Dedupe identity: unique per (firm, source). */
  eventId: string;
  requestId: string | null;
  receivedAt: Date;
  /** The webhook body exactly as received (validated JSON text), so 64-bit ticks survive untouched. */
  body: string;
}

export interface StoredEvent {
  /** Per-firm sequence number: 1, 2, 3 … with no gaps among committed events (purges only trim the head). */
  seq: number;
  source: EventSource;
  type: string;
  eventId: string;
  requestId: string | null;
  receivedAt: Date;
  body: string;
}

export interface FirmUsage {
  events: number;
  /** UTF-8 bytes of the stored bodies. */
  bytes: number;
  /** The last sequence number handed out (0: none yet). A cursor beyond it was not issued by this storage. */
  lastSeq: number;
}

export type InsertOutcome = { stored: true; seq: number } | { stored: false; reason: 'duplicate' };

export interface RelayStorage {
  readonly kind: 'sqlite' | 'postgres';
  /** The firm-wide sync lease and fenced ledger (src/shared/lease). */
  readonly coordination: CoordinationStorage;
  /** The partner-wide Smokeball budget shared by every firm's host (src/shared/budget). */
  readonly budget: BudgetStorage;

  createFirm(firm: FirmRecord): Promise<void>;
  firmById(firmId: string): Promise<FirmRecord | undefined>;
  /** The firm whose own token or one of whose paired installs' tokens has this sha256; its `tokenHash` is the one that matched. */
  firmByTokenHash(tokenHash: string): Promise<FirmRecord | undefined>;
  /** Replaces the firm's token hash and revokes every install token paired before; false when the firm does not exist. */
  setTokenHash(firmId: string, tokenHash: string): Promise<boolean>;
  /** Adds a paired install's token (by its sha256); the firm's other tokens keep working. False when the firm does not exist. */
  addInstallToken(firmId: string, tokenHash: string, createdAt: Date): Promise<boolean>;
  listFirms(): Promise<FirmRecord[]>;

  /** Keeps a pairing code (by its sha256) for the firm until `expiresAt` (src/relay/pairing.ts). */
  savePairingCode(code: { codeHash: string; firmId: string; expiresAt: Date }): Promise<void>;
  /**
   * Takes a pairing code: deletes it and returns its firm when it existed and had not expired. Single use by
   * construction: of two concurrent takes, only the one whose DELETE removed the row gets the firm.
   */
  takePairingCode(codeHash: string, now: Date): Promise<string | undefined>;

  /**
   * Stores an event under the next per-firm sequence number, or reports a duplicate (same firm, source and
   * eventId) without consuming a number. Resolves only once the event is durably committed.
   */
  insertEvent(event: NewEvent): Promise<InsertOutcome>;
  /**
   * Events with seq > afterSeq in order, at most `limit`, and stopping at the first event whose body takes
   * the total past `maxBytes` (that one is included, so a caller can tell the page was cut by size). The
   * bodies beyond it are never loaded: one read's memory is bounded by the byte cap plus one body.
   */
  readEvents(firmId: string, afterSeq: number, limit: number, maxBytes?: number): Promise<StoredEvent[]>;
  /** The last sequence number handed out to the firm (0: none yet); a cursor beyond it was not issued here. */
  lastSeq(firmId: string): Promise<number>;
  /** What the firm holds now (for quotas) and its high-water mark (the last sequence number handed out). */
  firmUsage(firmId: string): Promise<FirmUsage>;
  /** Deletes events received before `cutoff`; returns how many. */
  purgeReceivedBefore(cutoff: Date): Promise<number>;

  /**
   * Tells `listener` when another relay instance stored an event for a firm (PostgreSQL LISTEN/NOTIFY).
   * SQLite has a single instance, so it never calls the listener. Returns an unsubscribe function.
   */
  onRemoteEvent(listener: (firmId: string) => void): () => void;

  close(): Promise<void>;
}
