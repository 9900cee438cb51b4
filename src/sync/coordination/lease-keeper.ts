import type { Logger } from '../ports.js';
import { silentLogger } from '../ports.js';
import { LeaseCallError, type HeldLease, type InstallIdentity, type LeaseClient, type LeaseHolder } from './lease-client.js';
import { failureReasonOf } from '../failure.js';
import { LeaseLostError, type WriteFence } from './write-fence.js';
import { systemClock, type Clock } from '../../shared/clock.js';

/** What this install is right now. */
export type SyncRole =
  | { kind: 'starting' }
  | { kind: 'host'; epoch: number; since: number }
  | { kind: 'standby'; holder: LeaseHolder | null; status: unknown; statusAt: number | null }
  | { kind: 'unknown'; reason: string };

export interface LeaseKeeperOptions {
  client: LeaseClient;
  identity: InstallIdentity;
  /**
   * Runs after a grant, before the fence opens (the new host adopts the shared ledger here). `resumed`: this
   * install held the lease right before (a restarted process), so nobody else wrote since.
   */
  onGranted?: (lease: HeldLease, grant: { resumed: boolean }) => Promise<void>;
  /** Every role change, after onGranted for a grant. */
  onRole?: (role: SyncRole) => void;
  /** A standby pressed Sync now (delivered at a renewal). */
  onSyncRequested?: () => void;
  /** Pending ledger changes go out before any request (see LedgerReplicator.flush). */
  flush?: (lease: HeldLease) => Promise<void>;
  /** What standbys see; called at every renewal. */
  publishStatus?: () => unknown;
  /** How often a standby asks (default 10 s). */
  standbyPollMs?: number;
  /** The lease is trusted this long less than the relay's TTL, measured from the renewal's send (default 15 s, at most TTL/4). */
  safetyMarginMs?: number;
  /**
   * The lease is timed by the clock's monotonic reading (sleep and wall-clock changes cannot extend it); the
   * wall time only says since when this install is the host. Default: the system clock.
   */
  clock?: Clock;
  logger?: Logger;
}

/**
 * Keeps (or waits for) the firm's sync lease and is this install's WriteFence. A held lease is trusted until
 * min(relay's expiry, send time of the renewal + TTL) − margin, by this computer's monotonic clock: a laptop
 * that slept through its renewals, or one cut off from the relay, closes its own fence before any other
 * install can be granted the lease (the relay waits the full TTL from its last renewal).
 */
export class LeaseKeeper implements WriteFence {
  private role: SyncRole = { kind: 'starting' };
  private held: HeldLease | undefined;
  private validUntil = -Infinity;
  private ttlMs = 60_000;
  private fenceOpen = false;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private wantsHost = false;
  /** Granted, but the shared ledger is not adopted yet because this computer cannot write its state. */
  private adoptPending = false;
  private localFailure: unknown = null;
  /** The held lease was granted back to this install after a restart. */
  private resumed = false;
  private readonly now: () => number;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.clock = options.clock ?? systemClock;
    this.now = () => this.clock.monotonicMs();
    this.log = options.logger ?? silentLogger;
  }

  get current(): SyncRole {
    return this.role;
  }

  /** Why this install holds the lease but cannot take over yet (its disk is full); null otherwise. */
  get storageFailure(): unknown {
    return this.localFailure;
  }

  get lease(): HeldLease | undefined {
    return this.validNow() ? this.held : undefined;
  }

  /**
   * Starts asking. Resolves once the first answer is in (host, standby, or why neither), so whoever starts an
   * install knows its role at once instead of a poll later; the first request is sent right away.
   */
  start(): Promise<void> {
    if (this.running) return this.ticking ?? Promise.resolve();
    this.running = true;
    clearTimeout(this.timer);
    const first = this.tick().finally(() => {
      if (this.ticking === first) this.ticking = undefined;
    });
    this.ticking = first;
    return first;
  }

  /** Stops asking; a host releases (after the caller has stopped its writes) so a standby takes over at once. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.ticking;
    const held = this.held;
    this.closeFence();
    if (held && options.release !== false) {
      await this.options.client
        .release(this.options.identity.installId, held)
        .catch((err: unknown) => this.log.warn('lease release failed', { error: (err as Error).message }));
    }
  }

  /** "Make this PC the sync host": asked at the next poll; the host hands over at its next renewal. */
  requestHost(): void {
    this.wantsHost = true;
    this.schedule(0);
  }

  /** Sync now on a standby: the host picks it up at its next renewal. */
  async requestSync(): Promise<LeaseHolder> {
    return (await this.options.client.requestSync(this.options.identity.installId)).holder;
  }

  check(): void {
    if (!this.fenceOpen || !this.held)
      throw new LeaseLostError(this.role.kind === 'standby' ? 'another install holds the sync lease' : 'this install does not hold the sync lease');
    if (!this.validNow()) throw new LeaseLostError('the lease could not be renewed in time (relay unreachable, or this computer was asleep)');
  }

  async beforeSend(): Promise<void> {
    this.check();
    const held = this.held!;
    if (this.options.flush) {
      try {
        await this.options.flush(held);
      } catch (err) {
        if (err instanceof LeaseCallError && err.code === 'lease_lost') this.lost("the relay refused this install's ledger append (lease lost)");
        throw err instanceof LeaseCallError ? new LeaseLostError(`shared ledger not updated: ${err.message}`) : err;
      }
    }
    this.check();
  }

  private validNow(): boolean {
    return this.held !== undefined && this.now() < this.validUntil;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, ms);
  }

  private margin(): number {
    return Math.min(this.options.safetyMarginMs ?? 15_000, this.ttlMs / 4);
  }

  /** One step: a host renews, anyone else asks. Schedules the next step. */
  async tick(): Promise<void> {
    const poll = this.options.standbyPollMs ?? 10_000;
    try {
      if (this.held) {
        await this.renew();
        if (this.held && this.adoptPending) await this.takeOver();
      } else await this.acquire();
    } catch (err) {
      const e = err as Error;
      if (e instanceof LeaseCallError && e.code === 'lease_lost') this.lost('another install took over');
      else if (this.held && !this.validNow()) this.lost(`the lease lapsed: ${e.message}`);
      else if (!this.held) this.setRole({ kind: 'unknown', reason: e.message });
      this.log.warn('lease call failed', { code: e instanceof LeaseCallError ? e.code : 'error', error: e.message });
    }
    if (!this.running) return;
    if (this.held) {
      // Renew at a third of the TTL; sooner when a renewal failed, while the lease is still ours, and at the
      // standby pace while the take-over waits for disk space.
      const next = Math.min(this.ttlMs / 3, this.validUntil - this.now() - this.margin() / 2, this.adoptPending ? poll : Infinity);
      this.schedule(Math.max(50, next));
    } else {
      this.schedule(poll);
    }
  }

  private async acquire(): Promise<void> {
    const sentAt = this.now();
    const answer = await this.options.client.acquire(this.options.identity, this.wantsHost);
    this.ttlMs = answer.ttlMs;
    if (!answer.granted) {
      this.setRole({ kind: 'standby', holder: answer.holder, status: answer.status, statusAt: answer.statusAt });
      return;
    }
    this.wantsHost = false;
    this.held = { epoch: answer.epoch, leaseKey: answer.leaseKey };
    this.resumed = answer.resumed === true;
    this.validUntil = sentAt + Math.min(answer.ttlMs, answer.expiresAt - answer.serverTime) - this.margin();
    this.log.info('sync lease granted', { epoch: answer.epoch });
    await this.takeOver();
  }

  /**
   * Adopts the shared ledger under the held lease, then opens the fence. When this computer cannot write its
   * own state (a full disk), the lease is kept (renewed, fence closed, nothing sent) and the adoption is tried
   * again at the next step: giving the lease back would only be granted again, and a full disk is no reason
   * to lose the host. Any other failure (the ledger unreadable) gives the lease back rather than write blind.
   */
  private async takeOver(): Promise<void> {
    const held = this.held!;
    try {
      await this.options.onGranted?.(held, { resumed: this.resumed });
    } catch (err) {
      const reason = failureReasonOf(err);
      if (reason === 'disk_full' || reason === 'unwritable') {
        this.adoptPending = true;
        this.localFailure = err;
        this.log.warn('shared ledger not adopted: this PC cannot write its state; keeping the sync lease and trying again', { error: (err as Error).message });
        this.setRole({
          kind: 'unknown',
          reason: `this PC cannot save its sync state (${(err as Error).message}); it keeps the firm's sync lease and resumes on its own once it can write again`,
        });
        return;
      }
      this.closeFence();
      await this.options.client.release(this.options.identity.installId, held).catch(() => undefined);
      throw err;
    }
    this.adoptPending = false;
    this.localFailure = null;
    if (!this.validNow()) {
      this.lost('the take-over took longer than the lease');
      return;
    }
    this.fenceOpen = true;
    this.setRole({ kind: 'host', epoch: held.epoch, since: this.clock.now().getTime() });
  }

  private async renew(): Promise<void> {
    const held = this.held!;
    const sentAt = this.now();
    const answer = await this.options.client.renew(this.options.identity.installId, held, this.options.publishStatus?.());
    this.ttlMs = answer.ttlMs;
    this.validUntil = sentAt + Math.min(answer.ttlMs, answer.expiresAt - answer.serverTime) - this.margin();
    if (answer.syncNowRequested) this.options.onSyncRequested?.();
    if (answer.handoverRequested) {
      this.log.info('hand-over requested by a standby: releasing the sync lease');
      this.closeFence();
      this.setRole({ kind: 'standby', holder: null, status: null, statusAt: null });
      // Writes already sent finish; none start (the fence is closed). The requester acquires next.
      await this.options.client.release(this.options.identity.installId, held);
    }
  }

  private closeFence(): void {
    this.fenceOpen = false;
    this.adoptPending = false;
    this.localFailure = null;
    this.held = undefined;
    this.validUntil = -Infinity;
  }

  private lost(reason: string): void {
    if (!this.held && this.role.kind !== 'host') return;
    this.closeFence();
    this.log.warn('sync lease lost', { reason });
    this.setRole({ kind: 'unknown', reason });
  }

  private setRole(role: SyncRole): void {
    const before = this.role;
    this.role = role;
    if (before.kind !== role.kind || JSON.stringify(before) !== JSON.stringify(role)) this.options.onRole?.(role);
  }
}
