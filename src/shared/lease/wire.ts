/**
 * The firm-wide sync lease and the fenced ledger on the relay: the contract between the relay and the
 * app's lease client (src/sync/coordination). Types only, so the app imports no server code.
 *
 * Every lease request carries a fresh `requestId` and the sender's `clientTime` (Unix ms): the relay refuses
 * a clock more than two minutes off its own and a requestId it has already seen, so a captured request
 * cannot be played back.
 */

/** Who an install is, as the window of every other install shows it. */
export interface InstallIdentity {
  /** Random per data folder; never changes. */
  installId: string;
  /** The computer's name, e.g. FRONTDESK-PC. */
  installName: string;
  /** The Windows/macOS user the app runs as. */
  user: string;
  /** Marked by the office manager: wins a take-over against installs that are not. */
  preferred: boolean;
}

export interface LeaseRequestBase {
  requestId: string;
  clientTime: number;
}

/** POST /v1/lease/acquire */
export interface AcquireRequest extends LeaseRequestBase, InstallIdentity {
  /** "Make this PC the sync host": the current host is asked to release at its next renewal. */
  wantsHost?: boolean;
}

/** POST /v1/lease/renew */
export interface RenewRequest extends LeaseRequestBase {
  installId: string;
  epoch: number;
  leaseKey: string;
  /** What the standbys show (host name, last sync, progress, attention count, recent activity). */
  status?: unknown;
}

/** POST /v1/lease/release */
export interface ReleaseRequest extends LeaseRequestBase {
  installId: string;
  epoch: number;
  leaseKey: string;
}

/** POST /v1/lease/sync-request: Sync now pressed on a standby. */
export interface SyncRequest extends LeaseRequestBase {
  installId: string;
}

export interface LeaseHolder {
  installId: string;
  installName: string;
  user: string;
  preferred: boolean;
}

/** Answer of acquire: either this install now holds the lease, or who does. */
export type AcquireAnswer =
  | {
      granted: true;
      epoch: number;
      expiresAt: number;
      ttlMs: number;
      leaseKey: string;
      serverTime: number;
      /**
       * The holder itself asked again (its process restarted): no other install held the lease since, so its own
       * state is at least as new as the ledger (it may hold records made after its last ledger append).
       */
      resumed?: boolean;
    }
  | {
      granted: false;
      epoch: number;
      /** null: nobody holds it, but another candidate ranks first (preferred, or asked earlier). */
      holder: LeaseHolder | null;
      expiresAt: number;
      ttlMs: number;
      serverTime: number;
      /** The host's last published status and when it was published (Unix ms). */
      status: unknown;
      statusAt: number | null;
    };

export interface RenewAnswer {
  epoch: number;
  expiresAt: number;
  ttlMs: number;
  serverTime: number;
  /** A standby asked to become the host: finish the current write, then release. */
  handoverRequested: boolean;
  /** A standby pressed Sync now since the last renewal (delivered once). */
  syncNowRequested: boolean;
}

/** POST /v1/ledger: the host appends exactly-once state, fenced by its epoch and lease key. */
export interface LedgerAppendRequest extends LeaseRequestBase {
  installId: string;
  epoch: number;
  leaseKey: string;
  entries: Array<{ key: string; value: string | null }>;
}

export interface LedgerEntry {
  seq: number;
  key: string;
  /** null: the key was deleted. */
  value: string | null;
  epoch: number;
}

/** GET /v1/ledger?after=&limit= */
export interface LedgerPage {
  entries: LedgerEntry[];
  nextCursor: string;
  hasMore: boolean;
}

/** Refusal codes of the lease routes (HTTP 400/401/409/413). */
export type LeaseErrorCode = 'bad_request' | 'clock_skew' | 'replayed' | 'lease_lost' | 'no_host' | 'too_large' | 'busy';
