import type { AxiosInstance } from 'axios';
import type { BudgetGrant, BudgetRenewRequest } from '../../shared/budget/wire.js';
import { createApiHttp } from '../http/create-http.js';
import { connectionFailureText } from '../http/network.js';
import type { Logger } from '../ports.js';
import { silentLogger } from '../ports.js';
import type { PacingGate } from './gate.js';

export type { BudgetGrant, BudgetRenewRequest };

/** Asks the relay for this firm's rate lease (POST /v1/budget/renew). */
export interface BudgetRenewer {
  renew(request: BudgetRenewRequest): Promise<BudgetGrant>;
}

/** The relay's budget route, through the process's network route like every other request. Never logs the token. */
export class RelayBudgetClient implements BudgetRenewer {
  private readonly http: AxiosInstance;

  constructor(options: { relayUrl: string; relayToken: string; timeoutMs?: number }) {
    if (!/^https?:\/\//i.test(options.relayUrl)) throw new Error('The relay URL must start with http:// or https://');
    if (!options.relayToken) throw new Error('The relay token is not set up yet. Add it in Settings → Connections.');
    this.http = createApiHttp({
      baseURL: options.relayUrl.replace(/\/+$/, ''),
      headers: { authorization: `Bearer ${options.relayToken}` },
      timeoutMs: options.timeoutMs ?? 5_000,
    });
  }

  async renew(request: BudgetRenewRequest): Promise<BudgetGrant> {
    let res: { status: number; data: unknown };
    try {
      res = await this.http.request({ method: 'POST', url: '/v1/budget/renew', data: request, validateStatus: () => true });
    } catch (err) {
      throw new Error(`The relay could not be reached for the Smokeball budget (${connectionFailureText(err as { code?: string; message?: string })})`);
    }
    // A relay from before the partner budget has no such route: its firms pace per firm, as they always did.
    if (res.status === 404) return { mode: 'per-firm', serverTime: Date.now() };
    const body = res.data as { mode?: string; message?: string };
    if (res.status !== 200 || (body?.mode !== 'shared' && body?.mode !== 'per-firm')) {
      throw new Error(`The relay refused the Smokeball budget renewal (${res.status}${body?.message ? `: ${body.message}` : ''})`);
    }
    return body as BudgetGrant;
  }
}

export interface RateLeaseFollowerOptions {
  gate: PacingGate;
  client: BudgetRenewer;
  /** The gate's clock (monotonic ms); the lease is trusted from the send of its renewal. */
  now?: () => number;
  /** Until the relay first answers, requests go at most this fast (a host that never reached the relay). */
  initialFloorRatePerSecond?: number;
  /** In per-firm mode, ask again this seldom in case the operator switched to shared. */
  perFirmRecheckMs?: number;
  /** After a failed renewal, try again this soon (the lease lapses to the floor by itself meanwhile). */
  retryMs?: number;
  logger?: Logger;
}

/**
 * Keeps the Smokeball gate on the relay's partner budget: while the gate has requests pending it renews its
 * rate lease (demand in, rate and concurrency out) as often as the relay says, and asks at once when demand
 * appears; when the gate goes idle it says so once, which gives its share back. A host that cannot reach
 * the relay keeps its lease until it lapses, then runs at the floor the relay gave it (never the full budget).
 */
export class RateLeaseFollower {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private sentIdle = false;
  private modeNow: 'unknown' | 'per-firm' | 'shared' = 'unknown';
  private floor: number;
  /** The relay's number of the grant applied last: sent back so the relay stops counting older, larger ones. */
  private appliedGrantSeq: number | undefined;
  /** Whether the lease applied last gave a rate (the relay counts it until this host acknowledges a newer one). */
  private leaseHeld = false;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: RateLeaseFollowerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.floor = options.initialFloorRatePerSecond ?? 0.2;
    this.log = options.logger ?? silentLogger;
  }

  get mode(): 'unknown' | 'per-firm' | 'shared' {
    return this.modeNow;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Until the relay answers, the floor: a host must not assume the whole budget.
    this.options.gate.setRateLease({ ratePerSecond: 0, concurrency: 1, validUntil: 0, floorRatePerSecond: this.floor });
    this.options.gate.onDemand(() => {
      if (this.modeNow !== 'per-firm') this.soon();
    });
    this.soon();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.options.gate.onDemand(undefined);
    await this.inFlight;
  }

  private soon(): void {
    if (!this.running) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.tick().finally(() => {
        this.inFlight = undefined;
        if (this.again) {
          this.again = false;
          this.soon();
        }
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    const gate = this.options.gate;
    const demand = gate.demand();
    const busy = demand.realtime + demand.bulk > 0;
    if (!busy && this.sentIdle && this.modeNow === 'shared') return; // nothing to ask until demand appears
    const snap = gate.snapshot();
    const sentAt = this.now();
    let grant: BudgetGrant;
    try {
      const applied = this.appliedGrantSeq;
      grant = await this.options.client.renew({
        demand,
        usedPerSecond: snap.recentRatePerSecond,
        queueDepth: snap.pending,
        ...(applied === undefined ? {} : { appliedGrantSeq: applied }),
      });
    } catch (err) {
      this.log.warn('Smokeball budget renewal failed', { error: (err as Error).message });
      if (busy || this.modeNow === 'unknown') this.schedule(this.options.retryMs ?? 1_000);
      return;
    }
    if (grant.mode === 'per-firm') {
      if (this.modeNow !== 'per-firm') this.log.info('Smokeball budget: per firm (this firm paces at its own rate)');
      this.modeNow = 'per-firm';
      gate.setRateLease(undefined);
      this.appliedGrantSeq = undefined;
      this.leaseHeld = false;
      this.schedule(this.options.perFirmRecheckMs ?? 5 * 60_000);
      return;
    }
    this.modeNow = 'shared';
    this.floor = grant.floorRatePerSecond;
    // Trusted from the send of the renewal, never longer than the relay keeps it.
    const validUntil = sentAt + Math.min(grant.ttlMs, grant.expiresAt - grant.serverTime);
    gate.setRateLease({ ratePerSecond: grant.ratePerSecond, concurrency: grant.concurrency, validUntil, floorRatePerSecond: grant.floorRatePerSecond });
    // Acknowledged with the next renewal (a relay from before grant numbers sends none: it is not asked for).
    this.appliedGrantSeq = Number.isSafeInteger(grant.grantSeq) ? grant.grantSeq : undefined;
    const hadLease = this.leaseHeld;
    this.leaseHeld = grant.ratePerSecond > 0 || grant.concurrency > 0;
    // Gone idle while holding a lease: acknowledge the idle answer at once, so the relay can lend the share
    // now rather than when the old lease expires. One extra renewal per busy → idle change, none while idle.
    const ackIdle = !busy && hadLease && this.appliedGrantSeq !== undefined;
    this.sentIdle = !busy && !ackIdle;
    if (busy || gate.demand().realtime + gate.demand().bulk > 0) this.schedule(grant.renewInMs);
    else if (ackIdle) this.schedule(0);
  }
}
