import type { SyncStatusView } from '../contract/view.js';
import { describeFailure, type Logger, type RunSummary, type SyncStack } from '../sync/index.js';
import { quietly } from './connection-manager.js';
import { ladder, SYNC_RETRY_STEPS_MS } from '../shared/async.js';
import type { Clock } from './ports.js';
import { NightlyScheduler } from './scheduler.js';
import { reviewSignInLapse } from './sign-in-lapse.js';
import { storageProblemOf, type StorageProblem } from './storage-problem.js';

export type RunRequest = 'sync' | 'reconcile' | 'reconcile_confirmed' | 'refresh';

export interface RunStart {
  started: boolean;
  reason?: string;
}

/** What the coordinator needs of the connection: the current stack and whether Smokeball sign-in holds. */
export interface RunConnection {
  readonly stack: SyncStack | undefined;
  readonly signedIn: boolean;
  readonly setupProblem: string | null;
  /** Null when this install is the firm's sync host; otherwise why it does not run syncs. */
  readonly notHostReason?: string | null;
  /** After a run failed on sign-in: true when Smokeball really refuses the grant (and staff are now asked to sign in). */
  confirmSignedOut(stack: SyncStack): Promise<boolean>;
}

export interface RunCoordinatorDeps {
  connection: RunConnection;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  nightlyTime: string;
  /** Delays of the automatic re-runs after a failed sync (the next one waits longer). */
  retryDelaysMs?: number[];
  /** How often the Case Status message/document feeds are read when real-time events are not flowing. */
  writebackIntervalMs?: number;
  /** Nightly scheduler knobs (tests). */
  scheduler?: { checkEveryMs?: number; catchUpDelayMs?: number };
  /** Why no run may start yet (the guided set-up is not far enough); null when runs may start. */
  blockedReason?: () => string | null;
  /** Something shown in the view changed. */
  changed(): void;
}

const NIGHTLY_LAST_RUN = 'nightly.lastRunAt';
const DEFAULT_WRITEBACK_INTERVAL_MS = 2 * 60_000;
/** The first feed read after connecting: soon, but after the catch-up sync has had its start. */
const FIRST_WRITEBACK_DELAY_MS = 5_000;

/**
 * The run side of the app core: one run at a time (Sync now, nightly, Retry, wake-up all pass through
 * `startRun`), the retry ladder after a failure, pause/resume, and the message/document write-back with its timer.
 * It also keeps the state-folder problem, which only runs can raise and clear.
 */
export class RunCoordinator {
  private readonly scheduler: NightlyScheduler;
  private pausedUntilAt: Date | null = null;
  private pauseTimer: unknown;
  private retryTimer: unknown;
  private retryAttempt = 0;
  private writebackTimer: unknown;
  private activeRun: Promise<unknown> | undefined;
  /** The message/document write-back after a sync: tracked apart from runs so it never blocks Sync now. */
  private writebackRun: Promise<void> | undefined;
  private runsEnabled = false;
  private stopped = false;
  /** A full or unwritable state folder: kept in memory, because the attention list lives in that folder. */
  private storage: StorageProblem | null = null;

  constructor(private readonly deps: RunCoordinatorDeps) {
    this.scheduler = new NightlyScheduler({
      time: deps.nightlyTime,
      lastRunAt: () => this.lastNightlyRunAt(),
      run: () => this.nightly(),
      clock: deps.clock,
      logger: deps.logger,
      ...deps.scheduler,
    });
  }

  get storageProblem(): StorageProblem | null {
    return this.storage;
  }

  get busy(): boolean {
    return this.activeRun !== undefined || this.writebackRun !== undefined || (this.deps.connection.stack?.writeback.status.running ?? false);
  }

  get nextNightlyAt(): Date | null {
    return this.scheduler.nextRunAt ?? null;
  }

  /** When the current pause ends; null when not paused. */
  get pausedUntil(): Date | null {
    return this.isPaused() ? this.pausedUntilAt : null;
  }

  /** From now on, connecting starts a catch-up sync (before `start`, the core is still being set up). */
  enableRuns(): void {
    this.runsEnabled = true;
  }

  startSchedule(): void {
    this.scheduler.start();
  }

  setNightlyTime(time: string): void {
    this.scheduler.setTime(time);
  }

  stop(): void {
    this.stopped = true;
    this.scheduler.stop();
    this.deps.clock.clearTimeout(this.retryTimer);
    this.deps.clock.clearTimeout(this.pauseTimer);
    this.deps.clock.clearTimeout(this.writebackTimer);
  }

  /** After sleep or unlock: catch up a missed nightly sync and sync once. */
  wake(): void {
    this.scheduler.wake();
    const c = this.deps.connection;
    if (c.stack && c.signedIn && !c.notHostReason && !this.isPaused()) void this.startRun('sync');
  }

  /** Waits for whatever uses the stack (a run, a write-back pass) before it closes. */
  async settle(): Promise<void> {
    await this.activeRun?.catch(() => {});
    await this.writebackRun;
  }

  /** A new stack: a pause in force holds its gates too. */
  stackBuilt(stack: SyncStack): void {
    if (this.isPaused()) pauseGates(stack);
  }

  /** Signed in: read the feeds soon, and catch up with a sync. */
  connected(): void {
    this.scheduleWriteback(FIRST_WRITEBACK_DELAY_MS);
    if (this.runsEnabled && !this.isPaused()) void this.startRun('sync');
  }

  // ——— pause ———

  isPaused(): boolean {
    return this.pausedUntilAt !== null && this.pausedUntilAt.getTime() > this.deps.clock.now().getTime();
  }

  pause(minutes: number): { pausedUntil: string } {
    const until = new Date(this.deps.clock.now().getTime() + minutes * 60_000);
    this.pausedUntilAt = until;
    const stack = this.deps.connection.stack;
    if (stack) pauseGates(stack);
    this.deps.clock.clearTimeout(this.pauseTimer);
    this.pauseTimer = this.deps.clock.setTimeout(() => this.resume(), minutes * 60_000);
    this.deps.logger.info('Sync paused', { minutes });
    return { pausedUntil: until.toISOString() };
  }

  resume(): boolean {
    const was = this.pausedUntilAt !== null;
    this.pausedUntilAt = null;
    this.deps.clock.clearTimeout(this.pauseTimer);
    const stack = this.deps.connection.stack;
    stack?.smokeball.gate.resume();
    stack?.caseStatus.gate.resume();
    this.deps.changed();
    return was;
  }

  // ——— runs ———

  /**
   * Starts a run in the background and reports whether it started. One run at a time: a request while one runs
   * is answered "already running" (the running one will pick up the change or the next one will).
   */
  async startRun(kind: RunRequest, matterIds: string[] = []): Promise<RunStart> {
    const c = this.deps.connection;
    const blocked = this.deps.blockedReason?.();
    if (blocked) return { started: false, reason: blocked };
    if (!c.stack) return { started: false, reason: c.setupProblem ?? 'Not set up yet' };
    if (!c.signedIn) return { started: false, reason: 'Sign in to Smokeball first.' };
    if (c.notHostReason) return { started: false, reason: c.notHostReason };
    if (this.isPaused()) return { started: false, reason: 'Syncing is paused. Resume to sync.' };
    if (this.activeRun) return { started: false, reason: 'A sync is already running.' };
    const run = this.runOnce(c.stack, kind, matterIds).finally(() => {
      this.activeRun = undefined;
      this.deps.changed();
    });
    this.activeRun = run;
    return { started: true };
  }

  private async runOnce(stack: SyncStack, kind: RunRequest, matterIds: string[]): Promise<void> {
    const { engine } = stack;
    this.deps.clock.clearTimeout(this.retryTimer);
    let summary: RunSummary;
    try {
      if (kind === 'refresh') summary = await engine.refreshMatters(matterIds);
      else if (kind === 'reconcile' || kind === 'reconcile_confirmed') summary = await engine.reconcile({ confirmMassClosure: kind === 'reconcile_confirmed' });
      else summary = await engine.syncNow();
    } catch (error) {
      // The engine reports failures in its summary; a throw here is unexpected, but it must not end the app or
      // leave the run gate shut: handle it as a failed run.
      const f = describeFailure(error);
      this.deps.logger.error('Sync run threw', { error: f.message });
      await this.afterFailure(stack, {
        kind: kind === 'refresh' || kind === 'sync' ? 'incremental' : 'reconcile',
        error: f.message,
        failure: f.reason,
        errorCode: f.code,
      });
      return;
    }
    if (summary.outcome === 'failed') {
      await this.afterFailure(stack, summary);
      return;
    }
    this.retryAttempt = 0;
    this.storage = null;
    quietly(this.deps.logger, () => stack.store.attention.resolve('sync_failed', 'sync'));
    if (kind !== 'refresh' && summary.kind === 'reconcile') stack.store.checkpoints.set(NIGHTLY_LAST_RUN, this.deps.clock.now().toISOString());
    await reviewSignInLapse(stack.store.attention, stack.tokens, this.deps.clock.now().getTime()).catch((error: unknown) =>
      this.deps.logger.warn('Sign-in lapse check failed', { error: (error as Error).message }),
    );
    // Messages and documents follow each sync: their cases exist now, so waiting items can be written.
    this.startWriteback(stack);
  }

  private async afterFailure(stack: SyncStack, summary: Pick<RunSummary, 'kind' | 'error' | 'failure' | 'errorCode'>): Promise<void> {
    // Smokeball refused the grant during the run: confirm with the token endpoint, then ask for sign-in.
    if (summary.failure === 'auth' && (await this.deps.connection.confirmSignedOut(stack))) return;
    // Another PC took over syncing: not a failure to retry or to show; runs start again if this PC is granted it.
    if (summary.failure === 'not_host') return;
    const delay = ladder(this.deps.retryDelaysMs ?? SYNC_RETRY_STEPS_MS)(this.retryAttempt);
    this.retryAttempt += 1;
    this.deps.logger.warn('Sync failed; retrying later', { error: summary.error, inMs: delay });
    this.storage = storageProblemOf({ reason: summary.failure, code: summary.errorCode }, this.deps.dataDir);
    if (!this.storage) {
      const at = new Date(this.deps.clock.now().getTime() + delay).toISOString().slice(11, 16);
      quietly(this.deps.logger, () =>
        stack.store.attention.raise(
          'sync_failed',
          'sync',
          `The last sync failed: ${summary.error ?? 'unknown error'}. It is tried again automatically (next at ${at} UTC), or press Sync now.`,
        ),
      );
    }
    this.retryTimer = this.deps.clock.setTimeout(() => void this.startRun(summary.kind === 'reconcile' ? 'reconcile' : 'sync'), delay);
  }

  /**
   * Every run reports through the engine status, including real-time refreshes that never pass through `runOnce`:
   * a run failing on the state folder shows the problem, and the next good run clears it.
   */
  noteStatus(status: SyncStatusView): void {
    if (status.phase === 'error') this.storage = storageProblemOf({ reason: status.failure }, this.deps.dataDir) ?? this.storage;
    else if (status.phase === 'idle' && status.lastOutcome !== 'failed') this.storage = null;
  }

  private async nightly(): Promise<void> {
    // A sync started by wake-up or Sync now must not swallow the night: wait for it, then reconcile.
    while (this.activeRun) await this.activeRun.catch(() => {});
    const result = await this.startRun('reconcile');
    if (!result.started) {
      this.deps.logger.info('Nightly sync skipped', { reason: result.reason });
      return;
    }
    await this.activeRun;
  }

  private lastNightlyRunAt(): Date | null {
    const stack = this.deps.connection.stack;
    if (!stack || !stack.engine.initialImportDone) return this.deps.clock.now(); // nothing to catch up before the first import
    const last = stack.store.checkpoints.get<string>(NIGHTLY_LAST_RUN) ?? stack.store.runs.lastSucceeded('initial')?.finishedAt ?? null;
    return last ? new Date(last) : null;
  }

  // ——— write-back ———

  private startWriteback(stack: SyncStack): void {
    if (this.writebackRun) {
      stack.writeback.poke(); // one more pass after the current one, for what this sync linked
      return;
    }
    this.writebackRun = this.runWriteback(stack).finally(() => {
      this.writebackRun = undefined;
      this.deps.changed();
    });
  }

  private async runWriteback(stack: SyncStack): Promise<void> {
    if (!stack.engine.initialImportDone || this.isPaused()) return;
    try {
      // A refused sign-in during the write-back reaches the connection manager through the token manager.
      await stack.writeback.run();
    } catch (error) {
      const f = describeFailure(error);
      this.deps.logger.warn('Writing messages and documents to Smokeball failed; will retry', { error: f.message });
      this.storage = storageProblemOf({ reason: f.reason, code: f.code }, this.deps.dataDir) ?? this.storage;
    }
  }

  /** Reads the Case Status feeds on a timer as well, so messages arrive even without the relay. */
  private scheduleWriteback(delayMs = this.deps.writebackIntervalMs ?? DEFAULT_WRITEBACK_INTERVAL_MS): void {
    this.deps.clock.clearTimeout(this.writebackTimer);
    this.writebackTimer = this.deps.clock.setTimeout(() => {
      const c = this.deps.connection;
      if (c.stack && c.signedIn && !c.notHostReason) this.startWriteback(c.stack);
      if (!this.stopped) this.scheduleWriteback();
    }, delayMs);
  }

  /** Retry of a message or document item: in the background, the view follows. */
  retryWriteback(subjectId: string): void {
    const stack = this.deps.connection.stack;
    if (!stack) return;
    void stack.writeback.retry(subjectId).then(
      () => this.deps.changed(),
      (e: unknown) => this.deps.logger.warn('Retry failed', { error: String(e) }),
    );
  }
}

function pauseGates(stack: SyncStack): void {
  stack.smokeball.gate.pause();
  stack.caseStatus.gate.pause();
}
