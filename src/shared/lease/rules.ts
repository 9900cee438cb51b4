import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
  AcquireAnswer,
  AcquireRequest,
  LeaseErrorCode,
  LeaseHolder,
  LedgerAppendRequest,
  LedgerEntry,
  ReleaseRequest,
  RenewAnswer,
  RenewRequest,
  SyncRequest,
} from './wire.js';

/**
 * The firm's lease as stored: one small document per firm, read and replaced under a lock (see
 * CoordinationStorage). Every decision about it is made here, by pure functions, so SQLite and PostgreSQL
 * behave the same.
 */
export interface LeaseDoc {
  /** Increments on every grant: a write fenced with an older epoch is refused. */
  epoch: number;
  holder: (LeaseHolder & { keyHash: string }) | null;
  /** Unix ms (relay clock). */
  expiresAt: number;
  candidates: Candidate[];
  /** A standby that asked to become the host (planned hand-over). */
  handoverTo: string | null;
  syncNowRequested: boolean;
  status: unknown;
  statusAt: number | null;
  /** requestIds seen within the replay window, with when they were seen. */
  seen: Array<[string, number]>;
  /** Last ledger sequence number handed out. */
  ledgerSeq: number;
}

interface Candidate extends LeaseHolder {
  firstAskedAt: number;
  lastSeenAt: number;
}

export interface LeasePolicy {
  ttlMs: number;
  maxClockSkewMs: number;
  /** A standby that has not asked for this long is no longer a candidate. */
  candidateFreshMs: number;
}

export const DEFAULT_LEASE_POLICY: LeasePolicy = { ttlMs: 60_000, maxClockSkewMs: 120_000, candidateFreshMs: 30_000 };

const MAX_SEEN = 2_000;
export const MAX_STATUS_BYTES = 16 * 1024;
export const MAX_LEDGER_ENTRIES = 500;
export const MAX_LEDGER_KEY = 300;
export const MAX_LEDGER_VALUE = 64 * 1024;
/**
 * A ledger append's body may be this large, above the relay's webhook-sized cap: a host's first append
 * after an import carries hundreds of rows. Hosts pack appends to at most half of it (`packLedgerAppends`).
 */
export const MAX_LEDGER_APPEND_BYTES = 1024 * 1024;

/** Splits entries into appends of at most `MAX_LEDGER_ENTRIES` entries and half of `MAX_LEDGER_APPEND_BYTES`. */
export function packLedgerAppends<E extends { key: string; value: string | null }>(
  entries: readonly E[],
  maxEntries = MAX_LEDGER_ENTRIES,
  maxBytes = MAX_LEDGER_APPEND_BYTES / 2,
): E[][] {
  const batches: E[][] = [];
  let batch: E[] = [];
  let bytes = 0;
  for (const entry of entries) {
    // JSON of one entry, with room for escaping and the request's own fields.
    const size = Buffer.byteLength(JSON.stringify(entry)) + 16;
    if (batch.length > 0 && (batch.length >= maxEntries || bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** A refused lease request: HTTP status, code and a message that says what to do. */
export class LeaseRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: LeaseErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LeaseRefusal';
  }
}

export function emptyLeaseDoc(): LeaseDoc {
  return {
    epoch: 0,
    holder: null,
    expiresAt: 0,
    candidates: [],
    handoverTo: null,
    syncNowRequested: false,
    status: null,
    statusAt: null,
    seen: [],
    ledgerSeq: 0,
  };
}

export interface Decision<T> {
  doc: LeaseDoc;
  result: T;
  ledger?: LedgerEntry[];
}

/**
 * Clock and replay check shared by every request: a clock hours off is refused (its local lease validity
 * would be meaningless), and a requestId is accepted once.
 */
function admit(doc: LeaseDoc, req: { requestId: string; clientTime: number }, now: number, policy: LeasePolicy): LeaseDoc {
  const skew = req.clientTime - now;
  if (Math.abs(skew) > policy.maxClockSkewMs) {
    const minutes = Math.round(Math.abs(skew) / 60_000);
    throw new LeaseRefusal(
      400,
      'clock_skew',
      `this computer's clock is ${minutes} min ${skew > 0 ? 'ahead of' : 'behind'} the relay's; set the clock (automatic time) and try again`,
    );
  }
  // Anything older than two skew windows is refused by the clock check, so it need not be remembered.
  const seen = doc.seen.filter(([, at]) => now - at <= 2 * policy.maxClockSkewMs);
  if (seen.some(([id]) => id === req.requestId))
    throw new LeaseRefusal(409, 'replayed', 'this lease request was already received (a replay); send a new request id');
  if (seen.length >= MAX_SEEN) throw new LeaseRefusal(429, 'busy', 'too many lease requests for this firm; try again in a minute');
  return { ...doc, seen: [...seen, [req.requestId, now]] };
}

function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const holderLive = (doc: LeaseDoc, now: number): boolean => doc.holder !== null && now < doc.expiresAt;

/** The holder this request names: right install, current epoch, its lease key, not expired. */
function checkHolder(doc: LeaseDoc, req: { installId: string; epoch: number; leaseKey: string }, now: number): void {
  const h = doc.holder;
  if (!h || h.installId !== req.installId || doc.epoch !== req.epoch || !sameHash(h.keyHash, hashKey(req.leaseKey)) || now >= doc.expiresAt) {
    throw new LeaseRefusal(
      409,
      'lease_lost',
      'this install does not hold the sync lease (it expired or another install took over); stop writing and acquire again',
    );
  }
}

/** Preferred installs first, then the one that has been asking longest; the install id breaks ties. */
function rank(a: Candidate, b: Candidate): number {
  if (a.preferred !== b.preferred) return a.preferred ? -1 : 1;
  if (a.firstAskedAt !== b.firstAskedAt) return a.firstAskedAt - b.firstAskedAt;
  return a.installId < b.installId ? -1 : 1;
}

export function decideAcquire(doc: LeaseDoc, req: AcquireRequest, now: number, policy: LeasePolicy): Decision<AcquireAnswer> {
  let next = admit(doc, req, now, policy);
  const identity: LeaseHolder = { installId: req.installId, installName: req.installName, user: req.user, preferred: req.preferred };
  const previous = next.candidates.find((c) => c.installId === req.installId);
  const candidates = next.candidates.filter((c) => c.installId !== req.installId && now - c.lastSeenAt <= policy.candidateFreshMs);
  const me: Candidate = {
    ...identity,
    firstAskedAt: previous && now - previous.lastSeenAt <= policy.candidateFreshMs ? previous.firstAskedAt : now,
    lastSeenAt: now,
  };
  candidates.push(me);
  next = { ...next, candidates };
  if (req.wantsHost && next.holder?.installId !== req.installId) next.handoverTo = req.installId;
  if (next.handoverTo && !candidates.some((c) => c.installId === next.handoverTo)) next.handoverTo = null;

  // The holder itself asking to acquire is a restarted install (its process died with the lease key; one data folder
  // runs one process): it takes its lease back at once with a new epoch instead of waiting out its own TTL, and the
  // new epoch fences out anything the old process might still send.
  const restarted = holderLive(next, now) && next.holder?.installId === req.installId && next.handoverTo === null;
  const free = !holderLive(next, now);
  const best = next.handoverTo ? candidates.find((c) => c.installId === next.handoverTo)! : [...candidates].sort(rank)[0]!;
  if (restarted || (free && best.installId === req.installId)) {
    const leaseKey = randomBytes(32).toString('base64url');
    const granted: LeaseDoc = {
      ...next,
      epoch: next.epoch + 1,
      holder: { ...identity, keyHash: hashKey(leaseKey) },
      expiresAt: now + policy.ttlMs,
      candidates: candidates.filter((c) => c.installId !== req.installId),
      handoverTo: null,
      syncNowRequested: false,
    };
    return {
      doc: granted,
      result: { granted: true, epoch: granted.epoch, expiresAt: granted.expiresAt, ttlMs: policy.ttlMs, leaseKey, serverTime: now, resumed: restarted },
    };
  }
  const holder = holderLive(next, now) ? publicHolder(next.holder!) : null;
  return {
    doc: next,
    result: {
      granted: false,
      epoch: next.epoch,
      holder,
      expiresAt: next.expiresAt,
      ttlMs: policy.ttlMs,
      serverTime: now,
      status: holder ? next.status : null,
      statusAt: holder ? next.statusAt : null,
    },
  };
}

export function decideRenew(doc: LeaseDoc, req: RenewRequest, now: number, policy: LeasePolicy): Decision<RenewAnswer> {
  const next = admit(doc, req, now, policy);
  checkHolder(next, req, now);
  let status = next.status;
  let statusAt = next.statusAt;
  if (req.status !== undefined) {
    if (Buffer.byteLength(JSON.stringify(req.status) ?? 'null') > MAX_STATUS_BYTES)
      throw new LeaseRefusal(413, 'too_large', `the published status is larger than ${MAX_STATUS_BYTES} bytes`);
    status = req.status;
    statusAt = now;
  }
  const handoverLive =
    next.handoverTo !== null && next.candidates.some((c) => c.installId === next.handoverTo && now - c.lastSeenAt <= policy.candidateFreshMs);
  const renewed: LeaseDoc = {
    ...next,
    expiresAt: now + policy.ttlMs,
    status,
    statusAt,
    syncNowRequested: false,
    handoverTo: handoverLive ? next.handoverTo : null,
  };
  return {
    doc: renewed,
    result: {
      epoch: renewed.epoch,
      expiresAt: renewed.expiresAt,
      ttlMs: policy.ttlMs,
      serverTime: now,
      handoverRequested: handoverLive,
      syncNowRequested: next.syncNowRequested,
    },
  };
}

export function decideRelease(doc: LeaseDoc, req: ReleaseRequest, now: number, policy: LeasePolicy): Decision<{ released: true; epoch: number }> {
  const next = admit(doc, req, now, policy);
  checkHolder(next, req, now);
  // The epoch stays: the next grant increments it, so nothing fenced with this one is accepted again.
  return { doc: { ...next, holder: null, expiresAt: now }, result: { released: true, epoch: next.epoch } };
}

export function decideSyncRequest(doc: LeaseDoc, req: SyncRequest, now: number, policy: LeasePolicy): Decision<{ requested: true; holder: LeaseHolder }> {
  const next = admit(doc, req, now, policy);
  if (!holderLive(next, now))
    throw new LeaseRefusal(409, 'no_host', 'no install is syncing for this firm right now; a signed-in install takes over within a minute');
  return { doc: { ...next, syncNowRequested: true }, result: { requested: true, holder: publicHolder(next.holder!) } };
}

export function decideLedgerAppend(doc: LeaseDoc, req: LedgerAppendRequest, now: number, policy: LeasePolicy): Decision<{ appended: number; lastSeq: number }> {
  const next = admit(doc, req, now, policy);
  // The fence that makes a stale host harmless: only the current holder, with the current epoch and key.
  checkHolder(next, req, now);
  let seq = next.ledgerSeq;
  const ledger = req.entries.map((e) => ({ seq: ++seq, key: e.key, value: e.value, epoch: next.epoch }));
  return { doc: { ...next, ledgerSeq: seq }, result: { appended: ledger.length, lastSeq: seq }, ledger };
}

function publicHolder(h: LeaseHolder & { keyHash?: string }): LeaseHolder {
  return { installId: h.installId, installName: h.installName, user: h.user, preferred: h.preferred };
}
