/**
 * The partner budget's rate lease (POST /v1/budget/renew on the relay): the contract between the relay and
 * the app's rate-lease follower (src/sync/pacing/rate-lease.ts). Types only.
 */

/** POST /v1/budget/renew: what the firm's sync host wants and did, sent about once a second while busy. */
export interface BudgetRenewRequest {
  /** Requests per second wanted: real-time event reads, and bulk (import, reconcile, write-back). */
  demand: { realtime: number; bulk: number };
  /** Requests per second sent to Smokeball recently (what the operator sees as "used"). */
  usedPerSecond: number;
  /** Smokeball requests queued at the host's pacing gate. */
  queueDepth: number;
  /**
   * The `grantSeq` of the grant the host applied last (absent before its first grant, and from hosts older than
   * the acknowledgement): until then the relay counts the host at its older, larger grants.
   */
  appliedGrantSeq?: number;
}

export type BudgetGrant =
  /** Each firm's host paces at its own contracted rate (the relay does not divide anything). */
  | { mode: 'per-firm'; serverTime: number }
  | {
      mode: 'shared';
      /** This host's share of the partner budget until `expiresAt`; 0 = wait (renew after `renewInMs`). */
      ratePerSecond: number;
      /** Requests this host may have in flight, and the most tokens its bucket may hold. */
      concurrency: number;
      expiresAt: number;
      ttlMs: number;
      serverTime: number;
      /** When to ask again while there is demand. */
      renewInMs: number;
      /** What this host may use once its grant lapsed without a renewal (relay unreachable). */
      floorRatePerSecond: number;
      /** This grant's number: the host sends it back as `appliedGrantSeq` once it applied it. */
      grantSeq: number;
    };
