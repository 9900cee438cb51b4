import { halfJitter, RELAY_BACKOFF, sleep } from '../../shared/async.js';
import { EventEmitter } from 'node:events';
import type { StateStore } from '../../store/index.js';
import type { SyncEngine } from '../engine/engine.js';
import { silentLogger, type Logger } from '../ports.js';
import type { SmokeballClient } from '../smokeball/client.js';
import { Coalescer, type Batch } from './coalescer.js';
import { routeEvent } from './event-router.js';
import { ownRequestIdCheck } from './loop-protection.js';
import { isTokenRejected, RelayClient, RelayError, relayThrottleMs } from './relay-client.js';
import { adoptRelay, HISTORY_LOST_REASON, isCursorAhead, RELAY_CURSOR, RELAY_FIRM, RELAY_IDENTITY, relayIdentity } from './relay-position.js';
import { ensureWebhookSubscription } from './subscription.js';
import { emptyMetrics, type RealtimeMetrics, type RealtimeStatus, type SubscriptionState } from './types.js';
import { isAlreadyApplied } from './version-guard.js';
import { systemClock, type Clock } from '../../shared/clock.js';

export { RELAY_CURSOR } from './relay-position.js';

export interface RealtimeOptions {
  /** Long-poll wait per request (relay maximum 30). */
  waitSeconds?: number;
  /** Relay unreachable this long → state `degraded`, attention item, fallback incremental sync. */
  fallbackAfterMs?: number;
  /** How often the fallback incremental sync runs while degraded (or while the relay token is rejected). */
  fallbackIntervalMs?: number;
  /** After the first event of a batch, wait this long for more before refreshing (bursts → one refresh). */
  coalesceMs?: number;
  /** Cap of the backoff between failed relay polls / failed refreshes. */
  maxBackoffMs?: number;
  /** Events per relay request (1..500). */
  pageSize?: number;
  /**
   * How often the Smokeball webhook subscription is checked while all is quiet. Smokeball deletes it without a
   * word when the grant lapses, so without this check a quiet firm would not notice real time had stopped (nor
   * that sign-in is needed) until the nightly sync.
   */
  subscriptionCheckMs?: number;
}

export interface RealtimeSyncDeps {
  relayUrl: string;
  relayToken: string;
  engine: SyncEngine;
  smokeball: SmokeballClient;
  store: StateStore;
  writeback?: { poke(): void };
  logger?: Logger;
  options?: RealtimeOptions;
  /** Wall time of the last event, the subscription check's age and how long the relay has been down; default: the system clock. */
  clock?: Clock;
}

const DEFAULTS: Required<RealtimeOptions> = {
  waitSeconds: 25,
  fallbackAfterMs: 60_000,
  fallbackIntervalMs: 2 * 60_000,
  coalesceMs: 50,
  maxBackoffMs: RELAY_BACKOFF.capMs,
  pageSize: 500,
  subscriptionCheckMs: 10 * 60_000,
};
/** A failed subscription check is retried at most this often while the relay is reachable. */
const SUBSCRIPTION_RETRY_MS = 60_000;
/** A relay's 429 is waited out for its Retry-After, within these bounds (a bad header neither spins nor stalls). */
const MIN_THROTTLE_WAIT_MS = 250;
const MAX_THROTTLE_WAIT_MS = 30_000;

/**
 * Real-time sync: long-polls the relay for webhooks, treats them as hints (coalesced per matter, re-read
 * from Smokeball through the engine, dropped when not newer than what was applied), keeps the Smokeball
 * webhook subscription in place, and falls back to the incremental sync while the relay is unreachable.
 *
 * Two loops: the poller reads events into the coalescer as they come; the applier takes what has
 * collected, runs one engine refresh, and only then stores the relay cursor. Polling goes on while a
 * refresh waits for a long run (the nightly reconcile), so the status stays true and nothing is lost.
 */
export class RealtimeSync extends EventEmitter<{ change: [RealtimeStatus] }> {
  readonly metrics: RealtimeMetrics = emptyMetrics();
  private current: RealtimeStatus = { state: 'off', reason: null, lastEventAt: null, eventsApplied: 0, subscription: 'unknown' };
  private readonly relay: RelayClient;
  private readonly options: Required<RealtimeOptions>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly isOwn: (requestId: string) => boolean;
  private readonly coalescer = new Coalescer();
  private running = false;
  private abort = new AbortController();
  private loops: Promise<void>[] = [];
  /** Cursor after the last page whose events are all in the coalescer (or were not actionable). */
  private fetchedCursor: string | null = null;
  private committedCursor: string | null = null;
  private readonly wake = new Signal();
  private fallbackTimer: NodeJS.Timeout | undefined;
  private fallbackRunning: Promise<void> | undefined;
  private lastSubscriptionCheck = 0;
  private subscriptionCheck: Promise<SubscriptionState> | undefined;
  /** Bumped when the cursor is dropped, so an apply that began before cannot store the old cursor again. */
  private cursorEpoch = 0;
  /** The cursor was dropped (another relay, token or firm): catch up once the relay answers. */
  private catchUpPending = false;

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  constructor(private readonly deps: RealtimeSyncDeps) {
    super();
    this.options = { ...DEFAULTS, ...stripUndefined(deps.options ?? {}) };
    this.relay = new RelayClient({ relayUrl: deps.relayUrl, relayToken: deps.relayToken });
    this.log = deps.logger ?? silentLogger;
    this.clock = deps.clock ?? systemClock;
    this.isOwn = ownRequestIdCheck(deps.store);
  }

  get status(): RealtimeStatus {
    return { ...this.current };
  }

  /** The relay cursor stored in SQLite: every event up to it has been applied. */
  get cursor(): string | null {
    return this.deps.store.checkpoints.get<string>(RELAY_CURSOR) ?? null;
  }

  /** Checks (and if needed re-creates) the Smokeball subscription, then polls the relay in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    if (adoptRelay(this.deps.store.checkpoints, RELAY_IDENTITY, relayIdentity(this.deps.relayUrl, this.deps.relayToken)) === 'changed') {
      this.log.info('Relay URL or token changed: reading its events from the start, then one catch-up sync');
      this.catchUpPending = true;
    }
    this.committedCursor = this.cursor;
    this.fetchedCursor = this.committedCursor;
    this.update({ state: 'connecting', reason: null });
    await this.ensureSubscription();
    if (!this.running) return; // stopped (or the token was rejected) while checking
    this.loops = [this.supervise('poll', () => this.pollLoop()), this.supervise('apply', () => this.applyLoop())];
  }

  /**
   * Keeps a loop running for as long as real time is on. Neither loop is meant to throw; if one does anyway (an
   * unexpected failure of the state file, say), it is started again after a backoff instead of leaving real time
   * off for good: once the cause is gone, real time comes back on its own.
   */
  private async supervise(name: string, loop: () => Promise<void>): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await loop();
        return;
      } catch (error) {
        if (!this.running) return;
        failures += 1;
        this.metrics.loopRestarts += 1;
        this.log.error(`Real-time ${name} loop failed; starting it again`, { error: errorText(error), attempt: failures });
        this.update({ state: 'connecting', reason: `restarting after an internal error (${errorText(error)})` });
        await sleep(backoffMs(failures, this.options.maxBackoffMs), this.abort.signal);
      }
    }
  }

  /**
   * Bookkeeping in the state file (attention items) that must never stop real time: on a full or unwritable disk
   * it fails, the status in memory stays true, and the item is written the next time the same state is noted.
   */
  private record(what: string, write: () => unknown): void {
    try {
      write();
    } catch (error) {
      this.log.warn(`Could not record ${what} in the state file`, { error: errorText(error) });
    }
  }

  async stop(): Promise<void> {
    if (!this.running && this.loops.length === 0) return;
    this.running = false;
    this.abort.abort();
    this.wake.notify();
    this.stopFallback();
    await Promise.allSettled(this.loops);
    await this.fallbackRunning;
    this.loops = [];
    this.update({ state: 'off', reason: 'stopped' });
  }

  /**
   * Makes sure Smokeball sends webhooks to the relay (after every sign-in, and on each start). Smokeball
   * deletes subscriptions when a refresh token lapses, which would silently end real-time updates.
   */
  ensureSubscription(): Promise<SubscriptionState> {
    this.subscriptionCheck ??= this.checkSubscription()
      .catch((error: unknown) => {
        // Callers fire and forget this check: it must answer, never reject (that would end the process).
        this.log.warn('Could not check the Smokeball webhook subscription', { error: errorText(error) });
        this.update({ subscription: 'unknown' });
        return 'unknown' as const;
      })
      .finally(() => {
        this.subscriptionCheck = undefined;
      });
    return this.subscriptionCheck;
  }

  private async checkSubscription(): Promise<SubscriptionState> {
    this.lastSubscriptionCheck = this.nowMs();
    let firm;
    try {
      firm = await this.relay.firm(this.abort.signal);
    } catch (error) {
      if (isTokenRejected(error)) {
        this.tokenRejected();
        return 'failed';
      }
      // The relay is unreachable: that is the relay's problem (the poll loop reports it), and the check is
      // repeated as soon as the relay answers again.
      this.log.warn('Could not check the Smokeball webhook subscription: relay unreachable', { error: errorText(error) });
      this.update({ subscription: 'unknown' });
      return 'unknown';
    }
    if (adoptRelay(this.deps.store.checkpoints, RELAY_FIRM, firm.firmId) === 'changed') this.dropCursor('Relay firm changed');
    const result = await ensureWebhookSubscription(this.deps.smokeball, this.deps.store, firm.webhooks.smokeball);
    if (result.state === 'failed') {
      this.record('that real time is off', () =>
        this.deps.store.attention.raise(
          'realtime_off',
          'subscription',
          `Real-time updates are off: the Smokeball webhook subscription could not be checked or created (${result.detail}). Changes still arrive with the regular sync.`,
        ),
      );
      this.log.warn('Smokeball webhook subscription check failed', { detail: result.detail });
    } else {
      this.record('that real time is back', () => this.deps.store.attention.resolve('realtime_off', 'subscription'));
      this.log.info('Smokeball webhook subscription checked', { state: result.state, detail: result.detail });
    }
    this.update({ subscription: result.state });
    return result.state;
  }

  // ---- polling ----

  private async pollLoop(): Promise<void> {
    let failures = 0;
    let downSince: number | null = null;
    while (this.running) {
      const backlog = this.coalescer.size > 0;
      let page: Awaited<ReturnType<RelayClient['events']>>;
      try {
        page = await this.relay.events(this.fetchedCursor, {
          // While events wait to be applied, do not hold the connection: just collect what is there.
          waitSeconds: backlog ? 0 : this.options.waitSeconds,
          limit: this.options.pageSize,
          signal: this.abort.signal,
        });
      } catch (error) {
        // Only the relay request itself says anything about the relay: a failure after it (the state file, say)
        // must never be shown as "relay unreachable".
        if (!this.running) break;
        if (isTokenRejected(error)) {
          this.tokenRejected();
          break;
        }
        const throttledMs = relayThrottleMs(error);
        if (throttledMs !== undefined) {
          // The relay is there and keeps our events; it asks us to read more slowly. Waiting is all it takes:
          // not "unreachable", and no fallback polling that would spend the firm's Smokeball budget instead.
          this.metrics.relayThrottled += 1;
          await sleep(Math.min(Math.max(throttledMs, MIN_THROTTLE_WAIT_MS), MAX_THROTTLE_WAIT_MS), this.abort.signal);
          continue;
        }
        if (isCursorAhead(error)) {
          this.deps.store.attention.raise('realtime_off', 'relay-history', HISTORY_LOST_REASON);
          this.dropCursor('The relay refused our cursor (its history was lost)');
          continue;
        }
        failures += 1;
        this.metrics.relayErrors += 1;
        downSince ??= this.nowMs();
        this.relayDown(error, downSince);
        await sleep(backoffMs(failures, this.options.maxBackoffMs), this.abort.signal);
        continue;
      }
      if (failures > 0 || this.current.state !== 'live' || this.catchUpPending) this.relayBack(downSince);
      else if (
        this.nowMs() - this.lastSubscriptionCheck >=
        (this.current.subscription === 'failed' ? SUBSCRIPTION_RETRY_MS : this.options.subscriptionCheckMs)
      ) {
        // A failed check (one 500 from Smokeball) is tried again within a minute, not at the next quiet check.
        void this.ensureSubscription();
      }
      failures = 0;
      downSince = null;
      for (const raw of page.events) this.handle(raw);
      this.fetchedCursor = page.nextCursor;
      if (page.events.length > 0) {
        this.update({ lastEventAt: this.clock.now().toISOString() });
        this.wake.notify();
      }
      // An idle answer with backlog=true came back at once: give the applier a moment.
      if (page.events.length === 0 && backlog) await sleep(this.options.coalesceMs, this.abort.signal);
    }
  }

  private handle(raw: unknown): void {
    this.metrics.received += 1;
    const { route, cursor, type } = routeEvent(raw, this.isOwn);
    switch (route.kind) {
      case 'malformed':
        this.metrics.malformed += 1;
        this.log.warn('Skipped an unreadable relay event', { cursor, type, reason: route.reason });
        return;
      case 'own':
        this.metrics.ownEchoes += 1;
        this.log.debug('Ignored our own echo', { cursor, type });
        return;
      case 'ignore':
        this.metrics.ignored += 1;
        if (route.note) this.log.info(route.note, { cursor, type });
        return;
      case 'writeback':
        this.metrics.writebackPokes += 1;
        this.deps.writeback?.poke();
        return;
      default:
        this.metrics.actionable += 1;
        this.coalescer.add(route);
    }
  }

  // ---- applying ----

  private async applyLoop(): Promise<void> {
    let failures = 0;
    while (this.running) {
      await this.wake.wait();
      if (!this.running) break;
      if (this.options.coalesceMs > 0) await sleep(this.options.coalesceMs, this.abort.signal);
      if (!this.running) break;
      const cursor = this.fetchedCursor;
      const epoch = this.cursorEpoch;
      const batch = this.coalescer.drain();
      const ok = await this.apply(batch);
      if (ok) {
        failures = 0;
        if (epoch === this.cursorEpoch) this.commit(cursor);
        if (batch.actionableEvents > 0) this.update({ eventsApplied: this.current.eventsApplied + batch.actionableEvents });
      } else {
        // Keep the events (and the stored cursor): the same hints are retried, or replayed after a restart.
        failures += 1;
        this.coalescer.restore(batch);
        await sleep(backoffMs(failures, this.options.maxBackoffMs), this.abort.signal);
        this.wake.notify();
      }
    }
  }

  /** Applies one batch through the engine; false when the refresh failed and must be retried. */
  private async apply(batch: Batch): Promise<boolean> {
    const { store, engine } = this.deps;
    const matterIds: string[] = [];
    const stageMatterIds: string[] = [];
    for (const [id, hint] of batch.matters) {
      const link = store.links.matter(id);
      const matterDone = !hint.matter || isAlreadyApplied(hint.matterVersion, link?.matterVersion);
      const stageDone = !hint.stage || isAlreadyApplied(hint.stageUpdated, link?.stageUpdated);
      if (matterDone && stageDone) {
        // Duplicates and late copies of what was applied: no Smokeball request, no Case Status write.
        this.metrics.staleHints += hint.events;
        continue;
      }
      if (!matterDone) matterIds.push(id);
      else stageMatterIds.push(id);
    }
    const contactIds = [...batch.contacts];
    if (matterIds.length + stageMatterIds.length + contactIds.length === 0) return true;
    this.metrics.refreshes += 1;
    const run = await engine.refresh({ matterIds, stageMatterIds, contactIds, fromEvents: true });
    if (run.outcome === 'failed') {
      this.metrics.refreshFailures += 1;
      this.log.warn('Real-time refresh failed; retrying', { error: run.error, matters: matterIds.length + stageMatterIds.length, contacts: contactIds.length });
      return false;
    }
    return true;
  }

  private commit(cursor: string | null): void {
    if (cursor === null || cursor === this.committedCursor) return;
    try {
      this.deps.store.checkpoints.set(RELAY_CURSOR, cursor);
    } catch (error) {
      // The state file cannot be written (a full disk): keep the old cursor. The events after it are hints, so
      // reading them again after a restart only costs requests; stopping the loop would end real time for good.
      this.log.warn('Could not save the relay position; events since the last saved one will be read again', { error: errorText(error) });
      return;
    }
    this.committedCursor = cursor;
  }

  /** Forgets the cursor (it belongs to another history): read from the relay's oldest event and catch up once. */
  private dropCursor(why: string): void {
    this.log.warn(`${why}: reading the relay from its oldest event, then one catch-up sync`);
    this.cursorEpoch += 1;
    this.fetchedCursor = null;
    this.committedCursor = null;
    try {
      this.deps.store.checkpoints.delete(RELAY_CURSOR);
    } catch (error) {
      this.log.warn('Could not clear the relay position', { error: errorText(error) });
    }
    this.catchUpPending = true;
  }

  // ---- relay health ----

  private relayBack(downSince: number | null): void {
    const wasDegraded = this.current.state === 'degraded';
    this.stopFallback();
    this.record('that the relay is back', () => this.deps.store.attention.resolve('realtime_off', 'relay'));
    this.update({ state: 'live', reason: null });
    const catchUp = this.catchUpPending;
    this.catchUpPending = false;
    if (downSince !== null || wasDegraded || catchUp) {
      // Webhooks sent while the relay was unreachable may be gone (Smokeball retries for seconds, not
      // minutes): one incremental sync catches up on them.
      this.log.info('Relay reachable again; catching up with an incremental sync');
      this.runFallback();
    }
    if (this.current.subscription === 'failed' || this.current.subscription === 'unknown') {
      if (this.nowMs() - this.lastSubscriptionCheck >= SUBSCRIPTION_RETRY_MS || this.current.subscription === 'unknown') void this.ensureSubscription();
    }
  }

  private relayDown(error: unknown, downSince: number): void {
    const forMs = this.nowMs() - downSince;
    const text = errorText(error);
    if (forMs < this.options.fallbackAfterMs) {
      this.update({ state: 'connecting', reason: `relay unreachable, retrying (${text})` });
      return;
    }
    if (this.current.state !== 'degraded') {
      const minutes = Math.max(1, Math.round(this.options.fallbackIntervalMs / 60_000));
      this.record('that the relay is unreachable', () =>
        this.deps.store.attention.raise(
          'realtime_off',
          'relay',
          `Real-time updates are off: the relay has been unreachable since ${new Date(downSince).toISOString()} (${text}). Smokeball changes are picked up by polling every ${minutes} min instead.`,
        ),
      );
      this.log.warn('Relay unreachable; falling back to incremental sync', { error: text });
      this.update({ state: 'degraded', reason: `relay unreachable (${text}); polling Smokeball instead` });
      this.startFallback();
    }
  }

  /** 401 from the relay: polling again cannot help, so stop and say so; the incremental sync keeps going. */
  private tokenRejected(): void {
    this.running = false;
    this.abort.abort();
    this.wake.notify();
    this.record('that the relay token was rejected', () =>
      this.deps.store.attention.raise(
        'realtime_off',
        'relay',
        'Real-time updates are off: the relay token was rejected. Enter the current relay token in Settings → Connections.',
      ),
    );
    this.log.warn('Relay token rejected; real-time updates are off');
    this.update({ state: 'off', reason: 'relay token rejected' });
    this.startFallback();
  }

  private startFallback(): void {
    if (this.fallbackTimer) return;
    this.runFallback();
    this.fallbackTimer = setInterval(() => this.runFallback(), this.options.fallbackIntervalMs);
    this.fallbackTimer.unref?.();
  }

  private stopFallback(): void {
    if (this.fallbackTimer) clearInterval(this.fallbackTimer);
    this.fallbackTimer = undefined;
  }

  private runFallback(): void {
    // Before the first import completes, incremental has nothing to build on; the import itself is the sync.
    if (this.fallbackRunning || !this.deps.engine.initialImportDone) return;
    this.metrics.fallbackRuns += 1;
    this.fallbackRunning = this.deps.engine
      .incremental()
      .then(
        (run) => {
          if (run.outcome === 'failed') this.log.warn('Fallback incremental sync failed', { error: run.error });
        },
        (error: unknown) => this.log.warn('Fallback incremental sync failed', { error: errorText(error) }),
      )
      .finally(() => {
        this.fallbackRunning = undefined;
      });
  }

  private update(patch: Partial<RealtimeStatus>): void {
    const next = { ...this.current, ...patch };
    const changed = (Object.keys(patch) as (keyof RealtimeStatus)[]).some((k) => this.current[k] !== next[k]);
    this.current = next;
    if (changed) this.emit('change', this.status);
  }
}

/** A wake-up flag: `notify` before `wait` is not lost. */
class Signal {
  private pending = false;
  private resolve: (() => void) | undefined;

  notify(): void {
    this.pending = true;
    const r = this.resolve;
    this.resolve = undefined;
    r?.();
  }

  async wait(): Promise<void> {
    if (!this.pending) await new Promise<void>((r) => (this.resolve = r));
    this.pending = false;
  }
}

/** Exponential backoff with half jitter (the relay policy), so many apps do not retry in step. */
export function backoffMs(attempt: number, capMs: number, random: () => number = Math.random): number {
  return halfJitter(RELAY_BACKOFF.baseMs, capMs)(attempt, random);
}

function errorText(error: unknown): string {
  if (error instanceof RelayError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
