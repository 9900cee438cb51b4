import type { UnleasedRead } from './unleased-read.js';

/**
 * The one check every request to Smokeball and Case Status passes right before it is sent (the pacing gates
 * call it), so no write path — engine run, write-back, real-time apply, subscription upkeep — can forget
 * it. An install that does not hold the firm's sync lease, or whose lease may have lapsed by its own
 * clocks, sends nothing.
 */
export interface WriteFence {
  /** Throws LeaseLostError when this install may not send now. */
  check(): void;
  /**
   * Before a request is queued: check, bring the shared ledger up to date (so what this install recorded
   * about the write is known to the firm before it is sent), check again. Rejects with LeaseLostError.
   */
  beforeSend(): Promise<void>;
  /**
   * Whether a read of this kind (src/sync/coordination/unleased-read.ts) may go without the lease; asked once
   * when the request enters a gate. Absent: never.
   */
  admitsUnleased?(read: UnleasedRead): boolean;
}

/** This install does not hold the firm's sync lease (never had it, lost it, or cannot be sure it still has it). */
export class LeaseLostError extends Error {
  constructor(readonly reason: string) {
    super(`This PC is not the firm's sync host: ${reason}`);
    this.name = 'LeaseLostError';
  }
}

/**
 * No coordination: for the terminal-only `sync` command, the demo and unit tests, where one process is the
 * whole firm by construction. The app never uses it (see src/app/sync-role.ts).
 */
export const soleInstallFence: WriteFence = { check() {}, beforeSend: async () => undefined };
