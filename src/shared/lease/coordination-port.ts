import type { Decision, LeaseDoc } from './rules.js';
import type { LedgerEntry } from './wire.js';

/**
 * Storage for the firm-wide sync lease and the fenced ledger (src/shared/lease). One primitive does all the
 * writing: `transact` reads the firm's lease document under a lock, lets a pure decision replace it, and
 * commits the new document together with any ledger entries — so a ledger append can never slip in after
 * another install took the lease.
 */
export interface CoordinationStorage {
  /**
   * Runs `decide` on the firm's lease document (undefined: none yet) under the firm's lock; commits what it
   * returns atomically. A throw from `decide` rolls back and reaches the caller.
   */
  transact<T>(firmId: string, decide: (doc: LeaseDoc | undefined) => Decision<T>): Promise<T>;
  /** Ledger entries with seq > afterSeq, oldest first, at most `limit` (the newest value of each key). */
  readLedger(firmId: string, afterSeq: number, limit: number): Promise<LedgerEntry[]>;
}
