import { allocateByClass, type ClassDemand } from './allocator.js';
import type { BudgetGrant, BudgetRenewRequest } from './wire.js';

/** The operator's setting: how Smokeball's rate limit is shared among the firms using this relay. */
export interface BudgetConfig {
  mode: 'per-firm' | 'shared';
  /** The partner-wide limit (Smokeball: 5 requests/s). */
  ratePerSecond: number;
  /** The partner-wide burst / concurrent requests (Smokeball: 5). */
  concurrency: number;
}

export interface BudgetPolicy {
  /** A grant is valid this long after it was given (the host trusts it for less: from the send of its renewal). */
  grantTtlMs: number;
  /** A busy host renews this often, so share moves within about a second when demand changes. */
  renewMs: number;
  /** A waiting host asks again this soon. */
  waitRenewMs: number;
  /** A bulk host keeps its slot at least this long before a host that waited longer takes it (time-sharing). */
  sliceMs: number;
  /** Share of the rate never granted: the floor of hosts that lost contact is paid from it. */
  reserveShare: number;
  /** The floor of one host is at most this (req/s), and the reserve divided by the hosts seen recently. */
  maxFloorRatePerSecond: number;
  /** A host that asked within this long counts for the floor's division. */
  knownHostMs: number;
  /** No host asks for more than this (a firm's own contracted rate). */
  maxHostRatePerSecond: number;
}

export const DEFAULT_BUDGET_POLICY: BudgetPolicy = {
  grantTtlMs: 3_000,
  renewMs: 1_000,
  waitRenewMs: 250,
  sliceMs: 5_000,
  reserveShare: 0.1,
  maxFloorRatePerSecond: 0.2,
  knownHostMs: 10 * 60_000,
  maxHostRatePerSecond: 5,
};

/** One firm's host as the budget knows it. */
export interface BudgetHost {
  demand: ClassDemand;
  usedPerSecond: number;
  queueDepth: number;
  lastAskAt: number;
  /** Since when it has wanted a slot without holding one; null while it holds one or wants nothing. */
  waitingSince: number | null;
  /** When its current slot began; null without a slot. */
  slotStart: number | null;
  ratePerSecond: number;
  concurrency: number;
  expiresAt: number;
  /**
   * Grants this host may still be applying: answered, unexpired, and not superseded by a newer grant the host
   * said it applied (`appliedGrantSeq`). A shrunk grant only takes effect at the host a round trip after the
   * relay decided it; until the host acknowledges it (or the old grant expires) the host counts at the largest
   * of these, so the difference is not lent to another host while both could use it.
   */
  unacked?: GrantInForce[];
}

/** A grant as handed to a host: its number (for the host's acknowledgement), rate, concurrency and expiry. */
export interface GrantInForce {
  seq: number;
  ratePerSecond: number;
  concurrency: number;
  expiresAt: number;
}

/** The partner budget as stored: one document for the whole relay, read and replaced under one lock. */
export interface BudgetDoc {
  /** Hosts that want something or hold an unexpired grant. */
  hosts: Record<string, BudgetHost>;
  /**
   * Hosts that asked within `knownHostMs` but want nothing and hold nothing: only when they last asked (they
   * count in the floor's division). Kept apart and small because every renewal reads and rewrites the whole
   * document under the lock: with a thousand firms, full records of idle hosts made each renewal cost tens of
   * milliseconds of the relay's CPU and of lock time.
   */
  idle?: Record<string, number>;
  /** The number of the last grant answered (grants are numbered across the relay, so a number is never reused). */
  seq?: number;
}

export function emptyBudgetDoc(): BudgetDoc {
  return { hosts: {} };
}

/** A renewal that cannot be used: the message says what is wrong. */
export class BudgetRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetRequestError';
  }
}

const live = (h: BudgetHost, now: number): boolean => h.expiresAt > now && h.ratePerSecond > 0;
const wants = (h: BudgetHost): boolean => h.demand.realtime + h.demand.bulk > 0;
/** The grants a host may still apply at `now` (see BudgetHost.unacked). */
const inForce = (h: BudgetHost, now: number): GrantInForce[] =>
  (h.unacked ?? []).filter((g) => g.expiresAt > now && (g.ratePerSecond > 0 || g.concurrency > 0));
/** What a host may be using now: its current grant or an older one it has not yet acknowledged replacing. */
const usable = (h: BudgetHost, now: number): { rate: number; concurrency: number } => {
  let rate = live(h, now) ? h.ratePerSecond : 0;
  let concurrency = live(h, now) ? h.concurrency : 0;
  for (const g of inForce(h, now)) {
    rate = Math.max(rate, g.ratePerSecond);
    concurrency = Math.max(concurrency, g.concurrency);
  }
  return { rate, concurrency };
};

/**
 * Decides one host's renewal. Invariants, whatever the order of renewals (tested in test/shared/budget):
 * the sum of unexpired granted rates never exceeds (1 − reserve) × rate, and the sum of unexpired granted
 * concurrency never exceeds the concurrency. A host's grant only shrinks when the host itself renews, so a
 * new share is handed out only from what is free now; the others give theirs back at their next renewal
 * (within `renewMs`), or their grant expires (`grantTtlMs`).
 *
 * Who holds a slot (at most `concurrency` hosts at once, since each needs one request in flight): hosts with
 * real-time demand first, then the host that has waited longest; a bulk host keeps its slot for `sliceMs`,
 * then yields to any waiting host, so busy firms take turns. Among slot holders the rate is divided
 * max-min fairly, real-time reads before bulk (allocateByClass).
 */
export function decideBudgetRenew(
  doc: BudgetDoc,
  firmId: string,
  req: BudgetRenewRequest,
  now: number,
  config: BudgetConfig,
  policy: BudgetPolicy = DEFAULT_BUDGET_POLICY,
): { doc: BudgetDoc; result: BudgetGrant } {
  if (config.mode === 'per-firm') return { doc, result: { mode: 'per-firm', serverTime: now } };
  const idle: Record<string, number> = {};
  for (const [id, lastAskAt] of Object.entries(doc.idle ?? {})) if (now - lastAskAt <= policy.knownHostMs) idle[id] = lastAskAt;
  const hosts: Record<string, BudgetHost> = {};
  for (const [id, h] of Object.entries(doc.hosts)) {
    const owed = inForce(h, now);
    if (now - h.lastAskAt > policy.knownHostMs && !live(h, now) && owed.length === 0) continue;
    if (!live(h, now) && !wants(h) && owed.length === 0) idle[id] = Math.max(idle[id] ?? h.lastAskAt, h.lastAskAt);
    else {
      const kept = live(h, now) ? { ...h } : { ...h, ratePerSecond: 0, concurrency: 0, slotStart: null };
      if (owed.length > 0) kept.unacked = owed;
      else delete kept.unacked;
      hosts[id] = kept;
    }
  }
  delete idle[firmId];
  // The host says which grant it applied: the ones before it are no longer in force there.
  const acked = req.appliedGrantSeq;
  const unacked = (hosts[firmId]?.unacked ?? []).filter((g) => acked === undefined || g.seq >= acked);
  const clamp = (v: number): number => Math.min(policy.maxHostRatePerSecond, Math.max(0, v));
  const before = hosts[firmId];
  const me: BudgetHost = {
    demand: { realtime: clamp(req.demand.realtime), bulk: clamp(req.demand.bulk) },
    usedPerSecond: req.usedPerSecond,
    queueDepth: req.queueDepth,
    lastAskAt: now,
    waitingSince: before?.waitingSince ?? null,
    slotStart: before?.slotStart ?? null,
    ratePerSecond: before?.ratePerSecond ?? 0,
    concurrency: before?.concurrency ?? 0,
    expiresAt: before?.expiresAt ?? 0,
  };
  if (unacked.length > 0) me.unacked = unacked;
  hosts[firmId] = me;
  const known = Object.keys(hosts).length + Object.keys(idle).length;
  const floor = Math.min(policy.maxFloorRatePerSecond, (policy.reserveShare * config.ratePerSecond) / known);
  const seq = (doc.seq ?? 0) + 1;
  const answer = (rate: number, concurrency: number, renewInMs: number): { doc: BudgetDoc; result: BudgetGrant } => {
    if (rate > 0 || concurrency > 0) me.unacked = [...(me.unacked ?? []), { seq, ratePerSecond: rate, concurrency, expiresAt: me.expiresAt }];
    // Shrunk below what the host may still be using: ask for its acknowledgement soon, so the difference can
    // be lent to others sooner than the old grant's expiry.
    const shrunk = (me.unacked ?? []).some((g) => g.seq < seq && (g.ratePerSecond > rate + 1e-9 || g.concurrency > concurrency));
    const idleNow = !wants(me);
    return {
      doc: { hosts, idle, seq },
      result: {
        mode: 'shared',
        ratePerSecond: rate,
        concurrency,
        expiresAt: me.expiresAt,
        ttlMs: policy.grantTtlMs,
        serverTime: now,
        renewInMs: shrunk && !idleNow ? Math.min(renewInMs, policy.waitRenewMs) : renewInMs,
        floorRatePerSecond: floor,
        grantSeq: seq,
      },
    };
  };
  const giveUp = (): void => {
    me.ratePerSecond = 0;
    me.concurrency = 0;
    me.slotStart = null;
    me.expiresAt = now;
  };

  if (!wants(me)) {
    giveUp();
    me.waitingSince = null;
    // Idle, but an older grant may still be in use until the host reads this answer: keep counting it.
    if (inForce(me, now).length === 0) {
      delete hosts[firmId];
      idle[firmId] = now;
    }
    return answer(0, 0, policy.renewMs);
  }
  me.waitingSince ??= me.slotStart === null ? now : null;

  // Hosts competing now: they want something and asked recently enough to still be listening.
  const fresh = Object.entries(hosts).filter(([, h]) => wants(h) && now - h.lastAskAt < policy.grantTtlMs);
  // Within a class: holders inside their slice, then waiters (longest waiting first), then holders whose
  // slice is over (the one holding longest goes first): busy firms take turns.
  const group = (h: BudgetHost): [number, number] => {
    if (h.slotStart !== null && live(h, now)) return h.slotStart + policy.sliceMs > now ? [0, h.slotStart] : [2, -h.slotStart];
    return [1, h.waitingSince ?? now];
  };
  fresh.sort(([ia, a], [ib, b]) => {
    const ca = a.demand.realtime > 0 ? 0 : 1;
    const cb = b.demand.realtime > 0 ? 0 : 1;
    const [ga, ka] = group(a);
    const [gb, kb] = group(b);
    return ca - cb || ga - gb || ka - kb || (ia < ib ? -1 : 1);
  });
  const winners = fresh.slice(0, Math.max(1, Math.floor(config.concurrency)));
  const myRank = winners.findIndex(([id]) => id === firmId);
  if (myRank < 0) {
    // Not my turn: give the slot back (if I had one) and ask again when a slot may be mine. Further back in
    // the line, later: with a thousand firms, a hundred waiters each asking four times a second kept the
    // relay (and the budget row's lock) too busy to hand the slots on. Always within the grant TTL, so the
    // waiter stays among the hosts competing and keeps its place.
    if (me.slotStart !== null) me.waitingSince = now;
    giveUp();
    const turnsAhead = Math.floor((fresh.findIndex(([id]) => id === firmId) - winners.length) / winners.length);
    return answer(0, 0, Math.min(policy.waitRenewMs * (1 + turnsAhead), policy.grantTtlMs / 2));
  }

  const capacity = (1 - policy.reserveShare) * config.ratePerSecond;
  const fair = allocateByClass(capacity, new Map(winners.map(([id, h]) => [id, h.demand])));
  const perHost = Math.floor(config.concurrency / winners.length);
  const fairConcurrency = perHost + (myRank < config.concurrency % winners.length ? 1 : 0);
  let heldRate = 0;
  let heldConcurrency = 0;
  for (const [id, h] of Object.entries(hosts)) {
    if (id === firmId) continue;
    const { rate, concurrency } = usable(h, now);
    heldRate += rate;
    heldConcurrency += concurrency;
  }
  // Only what is free now: the others shrink to their fair share at their own next renewal, and what they gave
  // up is free once they acknowledged the smaller grant (or the larger one expired).
  const rate = Math.min(fair.get(firmId) ?? 0, Math.max(0, capacity - heldRate));
  const concurrency = Math.min(fairConcurrency, Math.max(0, config.concurrency - heldConcurrency));
  if (rate < 1e-6 || concurrency < 1) {
    if (me.slotStart !== null) me.waitingSince = now;
    giveUp();
    return answer(0, 0, policy.waitRenewMs);
  }
  if (me.slotStart === null) me.slotStart = now;
  me.waitingSince = null;
  me.ratePerSecond = rate;
  me.concurrency = concurrency;
  me.expiresAt = now + policy.grantTtlMs;
  // Short of the fair share (others still hold it): come back soon for the rest.
  const short = rate < (fair.get(firmId) ?? 0) - 1e-6 || concurrency < fairConcurrency;
  return answer(rate, concurrency, short ? policy.waitRenewMs : policy.renewMs);
}

/** What the operator sees per firm (GET /v1/admin/budget). */
export interface BudgetHostView {
  firmId: string;
  grantedPerSecond: number;
  concurrency: number;
  usedPerSecond: number;
  queueDepth: number;
  demandRealtime: number;
  demandBulk: number;
}

export function budgetView(doc: BudgetDoc, now: number): BudgetHostView[] {
  const idle = Object.keys(doc.idle ?? {})
    .filter((firmId) => !doc.hosts[firmId])
    .map((firmId) => ({ firmId, grantedPerSecond: 0, concurrency: 0, usedPerSecond: 0, queueDepth: 0, demandRealtime: 0, demandBulk: 0 }));
  return Object.entries(doc.hosts)
    .map(([firmId, h]) => ({
      firmId,
      grantedPerSecond: live(h, now) ? h.ratePerSecond : 0,
      concurrency: live(h, now) ? h.concurrency : 0,
      usedPerSecond: h.usedPerSecond,
      queueDepth: h.queueDepth,
      demandRealtime: h.demand.realtime,
      demandBulk: h.demand.bulk,
    }))
    .concat(idle)
    .sort((a, b) => (a.firmId < b.firmId ? -1 : 1));
}

/** Validates a renewal body; throws BudgetRequestError with what is wrong. */
export function parseBudgetRenew(body: unknown): BudgetRenewRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BudgetRequestError('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const rate = (v: unknown, name: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1_000) throw new BudgetRequestError(`${name} must be a number from 0 to 1000`);
    return v;
  };
  const d = b.demand;
  if (typeof d !== 'object' || d === null) throw new BudgetRequestError('demand must be {realtime, bulk} in requests per second');
  const demand = d as Record<string, unknown>;
  const applied = b.appliedGrantSeq;
  if (applied !== undefined && (typeof applied !== 'number' || !Number.isSafeInteger(applied) || applied < 0))
    throw new BudgetRequestError('appliedGrantSeq must be a non-negative integer (the grantSeq of the grant in force)');
  const queueDepth = b.queueDepth;
  if (typeof queueDepth !== 'number' || !Number.isSafeInteger(queueDepth) || queueDepth < 0)
    throw new BudgetRequestError('queueDepth must be a non-negative integer');
  return {
    demand: { realtime: rate(demand.realtime, 'demand.realtime'), bulk: rate(demand.bulk, 'demand.bulk') },
    usedPerSecond: rate(b.usedPerSecond, 'usedPerSecond'),
    queueDepth,
    ...(applied === undefined ? {} : { appliedGrantSeq: applied }),
  };
}
