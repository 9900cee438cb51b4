import { EventEmitter } from 'node:events';
import { parseCommand, type CommandName, type CommandResults, type SecretName } from '../contract/commands.js';
import { applySettingsPatch, type Settings, type SettingsPatch } from '../contract/settings.js';
import type { AppView, AttentionView, MappingOptions, RealtimeView, SyncStatusView } from '../contract/view.js';
import { createSyncStack, MissingSecretError, SECRET_KEYS, type ConnectionSettings, type SyncStack } from '../sync/compose.js';
import type { SyncConfig } from '../sync/config.js';
import type { ReadPlan } from '../sync/engine/full-sync.js';
import type { RunSummary } from '../sync/engine/engine.js';
import { silentLogger, type Logger, type SecretStore } from '../sync/ports.js';
import { RealtimeSync } from '../sync/realtime/index.js';
import { AuthRequiredError, TOKENS_KEY } from '../sync/smokeball/oauth.js';
import { initialStatus } from '../sync/status.js';
import type { AttentionItem } from '../store/attention.js';
import { Notifier } from './notifier.js';
import { systemClock, type AppNotification, type Clock, type SettingsStore } from './ports.js';
import { NightlyScheduler } from './scheduler.js';
import { startLoopbackSignIn, type PendingSignIn } from './sign-in.js';
import { deriveTray } from './tray-state.js';
import { loadMappingOptions } from './mapping-options.js';
import { failureOf, storageProblemOf, type StorageProblem } from './storage-problem.js';

export interface AppCoreDeps {
  dataDir: string;
  host: 'electron' | 'headless';
  version?: string;
  secrets: SecretStore;
  settings: SettingsStore;
  /** Opens a URL in the system browser (Electron: shell.openExternal). Absent in the headless host: the window opens it. */
  openExternal?: (url: string) => Promise<void>;
  logger?: Logger;
  clock?: Clock;
  plan?: ReadPlan;
  /** Delays of the automatic re-runs after a failed sync (the next one waits longer). */
  retryDelaysMs?: number[];
  /** How often the Case Status message/document feeds are read when real-time events are not flowing. */
  writebackIntervalMs?: number;
  viewThrottleMs?: number;
  realtimeOptions?: ConstructorParameters<typeof RealtimeSync>[0]['options'];
  /** Nightly scheduler knobs (tests). */
  scheduler?: { checkEveryMs?: number; catchUpDelayMs?: number };
}

type RunKind = 'sync' | 'reconcile' | 'reconcile_confirmed' | 'refresh';

const NIGHTLY_LAST_RUN = 'nightly.lastRunAt';
const DEFAULT_RETRY_DELAYS_MS = [30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000];
const SECRET_KEY_BY_NAME: Record<SecretName, string> = {
  smokeballApiKey: SECRET_KEYS.smokeballApiKey,
  caseStatusApiKey: SECRET_KEYS.caseStatusApiKey,
  relayToken: SECRET_KEYS.relayToken,
};
/** Attention kinds a full reconcile re-checks (it resolves them when the problem is gone). */
const RECONCILE_FIXES = new Set(['unmapped_stage', 'unmapped_practice_area', 'client_without_cell_phone', 'write_failed', 'writeback_waiting']);

/**
 * The app core: everything the tray app and the headless host share. It owns the settings, the secrets, the sync
 * stack (engine, store, clients), the nightly schedule, real-time updates and the message/document write-back,
 * turns them into one `AppView`, and executes the commands of the typed contract. No Electron in here: the hosts
 * inject what differs (secret store, settings store, how to open a browser).
 */
export class AppCore {
  private settings: Settings;
  private stack: SyncStack | undefined;
  private setupProblem: string | null = null;
  private signedIn = false;
  private pendingSignIn: PendingSignIn | undefined;
  private realtime: RealtimeSync | undefined;
  private realtimeProblem: string | null = null;
  private readonly scheduler: NightlyScheduler;
  private pausedUntil: Date | null = null;
  private pauseTimer: unknown;
  private retryTimer: unknown;
  private retryAttempt = 0;
  private writebackTimer: unknown;
  private activeRun: Promise<unknown> | undefined;
  /** The message/document write-back after a sync: tracked apart from runs so it never blocks Sync now. */
  private writebackRun: Promise<void> | undefined;
  private configuring: Promise<void> = Promise.resolve();
  private started = false;
  private stopped = false;
  private readonly events = new EventEmitter<{ view: [AppView]; notify: [AppNotification] }>();
  private readonly notifier = new Notifier();
  private viewTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly clock: Clock;
  private detachStatus: (() => void) | undefined;
  private detachSignInLost: (() => void) | undefined;
  /** A full or unwritable state folder: kept in memory, because the attention list lives in that folder. */
  private storageProblem: StorageProblem | null = null;

  constructor(private readonly deps: AppCoreDeps) {
    this.log = deps.logger ?? silentLogger;
    this.clock = deps.clock ?? systemClock;
    this.settings = deps.settings.get();
    this.scheduler = new NightlyScheduler({
      time: this.settings.nightlySyncTime,
      lastRunAt: () => this.lastNightlyRunAt(),
      run: () => this.nightly(),
      clock: this.clock,
      logger: this.log,
      ...deps.scheduler,
    });
  }

  // ——— lifecycle ———

  /** Connects with what is configured, starts the schedule and real-time updates, and syncs if due. */
  async start(): Promise<void> {
    this.started = true;
    await this.reconfigure();
    this.scheduler.start();
    this.pushView();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.scheduler.stop();
    this.clock.clearTimeout(this.retryTimer);
    this.clock.clearTimeout(this.pauseTimer);
    this.clock.clearTimeout(this.writebackTimer);
    this.pendingSignIn?.cancel();
    await this.configuring.catch(() => {});
    await this.teardownStack();
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.events.removeAllListeners();
  }

  /** After sleep or unlock: catch up a missed nightly sync and check real-time updates again. */
  wake(): void {
    this.scheduler.wake();
    if (this.stack && this.signedIn && !this.isPaused()) void this.startRun('sync');
  }

  onView(listener: (view: AppView) => void): () => void {
    this.events.on('view', listener);
    return () => this.events.off('view', listener);
  }

  onNotify(listener: (n: AppNotification) => void): () => void {
    this.events.on('notify', listener);
    return () => this.events.off('notify', listener);
  }

  // ——— commands ———

  /** Executes one command of the typed contract; the input is validated here, whatever the transport. */
  async invoke(command: unknown, input: unknown): Promise<unknown> {
    const parsed = parseCommand(command, input);
    const result = await this.execute(parsed.command, parsed.input as never);
    this.pushView();
    return result;
  }

  private async execute<C extends CommandName>(command: C, input: never): Promise<CommandResults[C]> {
    const handlers: { [K in CommandName]: (input: never) => Promise<CommandResults[K]> } = {
      getView: async () => this.view(),
      syncNow: async () => this.startRun('sync'),
      reconcileNow: async () => this.startRun('reconcile'),
      pause: async (i: { minutes: number }) => this.pause(i.minutes),
      resume: async () => ({ resumed: this.resume() }),
      retryAttention: async (i: { id: number }) => this.retryAttention(i.id),
      dismissAttention: async (i: { id: number }) => ({ dismissed: this.stack?.store.attention.dismiss(i.id) ?? false }),
      confirmAttention: async (i: { id: number }) => this.confirmAttention(i.id),
      updateSettings: async (i: SettingsPatch) => this.updateSettings(i),
      setSecret: async (i: { name: SecretName; value: string }) => {
        await this.deps.secrets.set(SECRET_KEY_BY_NAME[i.name], i.value);
        await this.reconfigure();
        return { saved: true as const };
      },
      clearSecret: async (i: { name: SecretName }) => {
        await this.deps.secrets.delete(SECRET_KEY_BY_NAME[i.name]);
        await this.reconfigure();
        return { cleared: true as const };
      },
      signIn: async () => this.signIn(),
      signOut: async () => this.signOut(),
      getMappingOptions: async () => this.mappingOptions(),
      openExternal: async (i: { url: string }) => {
        if (!this.deps.openExternal) return { opened: false };
        await this.deps.openExternal(i.url);
        return { opened: true };
      },
    };
    return (handlers[command] as (input: never) => Promise<CommandResults[C]>)(input);
  }

  // ——— the view ———

  view(): AppView {
    const store = this.stack?.store;
    const status: SyncStatusView = this.stack ? { ...this.stack.engine.status.current } : { ...initialStatus(), phase: 'signed_out', message: this.setupProblem ?? 'Not set up' };
    if (this.isPaused() && status.phase === 'idle') status.phase = 'paused';
    const attention: AttentionView[] = [...this.storageAttention(), ...(store?.attention.open(undefined, 200) ?? []).map((a) => this.attentionView(a))];
    const realtime = this.realtimeView();
    const now = this.clock.now();
    const setupProblem = this.setupProblem ?? (this.signedIn ? null : this.stack ? 'Sign in to Smokeball to start syncing.' : null);
    return {
      version: this.deps.version ?? '0.0.0',
      host: this.deps.host,
      ready: this.started,
      busy: this.activeRun !== undefined || this.writebackRun !== undefined || (this.stack?.writeback.status.running ?? false),
      tray: deriveTray({ setupProblem, signedIn: this.signedIn, status, pausedUntil: this.pausedUntil?.toISOString() ?? null, attention, realtime, now }),
      status,
      pausedUntil: this.isPaused() ? this.pausedUntil!.toISOString() : null,
      initialImportDone: this.stack?.engine.initialImportDone ?? false,
      nextNightlyAt: this.scheduler.nextRunAt?.toISOString() ?? null,
      realtime,
      connections: this.connectionsView(),
      attention,
      activity: store?.activity.recent(50) ?? [],
      recentRuns: (store?.runs.recent(10) ?? []).map((r) => ({ id: r.id, kind: r.kind, startedAt: r.startedAt, finishedAt: r.finishedAt, outcome: r.outcome, error: r.error })),
      settings: this.settings,
      setupProblem,
    };
  }

  private connectionsCache: AppView['connections'] = {
    smokeball: { signedIn: false, apiKeySet: false, clientIdSet: false, signInPending: false },
    caseStatus: { apiKeySet: false },
    relay: { configured: false, tokenSet: false },
  };

  private connectionsView(): AppView['connections'] {
    const c = this.connectionsCache;
    return {
      smokeball: { ...c.smokeball, signedIn: this.signedIn, clientIdSet: this.settings.connections.smokeballClientId !== '', signInPending: this.pendingSignIn !== undefined },
      caseStatus: { ...c.caseStatus },
      relay: { ...c.relay, configured: this.settings.connections.relayUrl !== '' },
    };
  }

  private realtimeView(): RealtimeView {
    if (this.realtime) return { ...this.realtime.status };
    const reason = this.realtimeProblem ?? (this.settings.connections.relayUrl === '' ? 'No relay is configured: changes arrive with Sync now and the nightly sync.' : 'Not connected');
    return { state: 'off', reason, lastEventAt: null, eventsApplied: 0, subscription: 'unknown' };
  }

  /** The state-folder problem as an attention item (id 0: it is not stored, so it cannot be dismissed; it clears itself). */
  private storageAttention(): AttentionView[] {
    const p = this.storageProblem;
    if (!p) return [];
    const now = this.clock.now().toISOString();
    return [{ id: 0, kind: p.kind, subjectId: this.deps.dataDir, reason: p.reason, firstSeen: now, lastSeen: now, occurrences: 1, retryable: false, confirmable: false, dismissable: false }];
  }

  private attentionView(a: AttentionItem): AttentionView {
    return {
      id: a.id,
      kind: a.kind,
      subjectId: a.subjectId,
      reason: a.reason,
      firstSeen: a.firstSeen,
      lastSeen: a.lastSeen,
      occurrences: a.occurrences,
      retryable: a.kind !== 'client_without_cell_phone' && a.kind !== 'mass_closure_blocked',
      confirmable: a.kind === 'mass_closure_blocked',
      dismissable: true,
    };
  }

  /** Pushes the view to listeners at most every `viewThrottleMs` (progress updates arrive many times a second). */
  private pushView(): void {
    if (this.viewTimer || this.stopped) return;
    this.viewTimer = setTimeout(() => {
      this.viewTimer = undefined;
      if (this.stopped) return;
      const view = this.view();
      this.events.emit('view', view);
      for (const n of this.notifier.next(view)) this.events.emit('notify', n);
    }, this.deps.viewThrottleMs ?? 250);
    this.viewTimer.unref?.();
  }

  // ——— configuration ———

  private engineConfig(): Partial<SyncConfig> {
    return {
      statuses: this.settings.matterFilter.statuses,
      matterTypeIds: this.settings.matterFilter.matterTypeIds,
      stageMapping: this.settings.stageMapping,
      practiceAreaMapping: this.settings.practiceAreaMapping,
    };
  }

  private connectionSettings(): ConnectionSettings {
    const c = this.settings.connections;
    return {
      smokeball: { apiUrl: c.smokeballApiUrl, authUrl: c.smokeballAuthUrl, clientId: c.smokeballClientId, ratePerSecond: c.smokeballRatePerSecond, burst: c.smokeballBurst },
      caseStatus: { apiUrl: c.caseStatusApiUrl, ratePerSecond: 10, burst: 10 },
    };
  }

  /** (Re)builds the sync stack from the current settings and secrets; one at a time. */
  private reconfigure(): Promise<void> {
    this.configuring = this.configuring.catch(() => {}).then(() => this.rebuild());
    return this.configuring;
  }

  private async rebuild(): Promise<void> {
    if (this.stopped) return;
    await this.teardownStack();
    const has = async (key: string) => (await this.deps.secrets.get(key)) !== undefined;
    this.connectionsCache = {
      smokeball: { signedIn: false, apiKeySet: await has(SECRET_KEYS.smokeballApiKey), clientIdSet: this.settings.connections.smokeballClientId !== '', signInPending: false },
      caseStatus: { apiKeySet: await has(SECRET_KEYS.caseStatusApiKey) },
      relay: { configured: this.settings.connections.relayUrl !== '', tokenSet: await has(SECRET_KEYS.relayToken) },
    };
    if (!this.settings.connections.smokeballClientId) {
      this.setupProblem = 'Enter the Smokeball client id in Settings → Connections.';
      return;
    }
    try {
      this.stack = await createSyncStack({
        dataDir: this.deps.dataDir,
        connections: this.connectionSettings(),
        sync: this.engineConfig(),
        secrets: this.deps.secrets,
        logger: this.log,
        plan: this.deps.plan,
      });
      this.setupProblem = null;
    } catch (error) {
      this.setupProblem = error instanceof MissingSecretError ? error.message : `Could not start: ${(error as Error).message}`;
      this.log.warn('Sync stack not started', { reason: this.setupProblem });
      return;
    }
    this.detachStatus = (() => {
      const status = this.stack.engine.status;
      const onChange = () => {
        this.noteStorageState(status.current);
        this.pushView();
      };
      status.on('change', onChange);
      return () => status.off('change', onChange);
    })();
    const stack = this.stack;
    this.detachSignInLost = stack.tokens.onSignInLost(() => void this.markSignedOut(stack));
    if (this.isPaused()) this.pauseGates();
    if (await stack.tokens.hasTokens()) await this.connected(stack);
  }

  /** Signed in (at start, or again after a lapse): real time, the write-back timer and a catch-up sync. */
  private async connected(stack: SyncStack): Promise<void> {
    this.signedIn = true;
    this.quietly(() => stack.store.attention.resolve('auth_required', 'smokeball'));
    await this.stopRealtime();
    await this.startRealtime();
    this.scheduleWriteback(5_000);
    if (this.started && !this.isPaused()) void this.startRun('sync');
    this.pushView();
  }

  private async teardownStack(): Promise<void> {
    const stack = this.stack;
    if (!stack) return;
    await this.stopRealtime();
    stack.writeback.close();
    // Closing the database under a running sync would fail its next write: let it finish, then close.
    await this.activeRun?.catch(() => {});
    await this.writebackRun;
    this.detachStatus?.();
    this.detachStatus = undefined;
    this.detachSignInLost?.();
    this.detachSignInLost = undefined;
    this.stack = undefined;
    this.signedIn = false;
    stack.close();
  }

  private async startRealtime(): Promise<void> {
    const stack = this.stack;
    const relayUrl = this.settings.connections.relayUrl;
    this.realtimeProblem = null;
    if (!stack || relayUrl === '') return;
    const relayToken = await this.deps.secrets.get(SECRET_KEYS.relayToken);
    if (!relayToken) {
      this.realtimeProblem = 'Enter the relay token in Settings → Connections to turn on real-time updates.';
      return;
    }
    const realtime = new RealtimeSync({
      relayUrl,
      relayToken,
      engine: stack.engine,
      smokeball: stack.smokeball,
      store: stack.store,
      writeback: stack.writeback,
      logger: this.log,
      options: this.deps.realtimeOptions,
    });
    realtime.on('change', () => this.pushView());
    this.realtime = realtime;
    try {
      await realtime.start();
    } catch (error) {
      this.realtimeProblem = `Real-time updates could not start: ${(error as Error).message}`;
      this.log.warn('Real-time updates not started', { reason: this.realtimeProblem });
    }
  }

  private async stopRealtime(): Promise<void> {
    const rt = this.realtime;
    this.realtime = undefined;
    if (rt) await rt.stop().catch((e: unknown) => this.log.warn('Stopping real-time updates failed', { error: String(e) }));
  }

  private async updateSettings(patch: SettingsPatch): Promise<Settings> {
    const before = this.settings;
    const next = applySettingsPatch(before, patch);
    this.deps.settings.set(next);
    this.settings = next;
    if (next.nightlySyncTime !== before.nightlySyncTime) this.scheduler.setTime(next.nightlySyncTime);
    const connectionsChanged = JSON.stringify(next.connections) !== JSON.stringify(before.connections);
    if (connectionsChanged) {
      await this.reconfigure();
    } else if (this.stack) {
      // Mapping and filters are read at the start of each run: the next run uses them, no reconnect needed.
      Object.assign(this.stack.engine.config, this.engineConfig());
    }
    return next;
  }

  // ——— runs ———

  private isPaused(): boolean {
    return this.pausedUntil !== null && this.pausedUntil.getTime() > this.clock.now().getTime();
  }

  private pauseGates(): void {
    this.stack?.smokeball.gate.pause();
    this.stack?.caseStatus.gate.pause();
  }

  private pause(minutes: number): CommandResults['pause'] {
    this.pausedUntil = new Date(this.clock.now().getTime() + minutes * 60_000);
    this.pauseGates();
    this.clock.clearTimeout(this.pauseTimer);
    this.pauseTimer = this.clock.setTimeout(() => this.resume(), minutes * 60_000);
    this.log.info('Sync paused', { minutes });
    return { pausedUntil: this.pausedUntil.toISOString() };
  }

  private resume(): boolean {
    const was = this.pausedUntil !== null;
    this.pausedUntil = null;
    this.clock.clearTimeout(this.pauseTimer);
    this.stack?.smokeball.gate.resume();
    this.stack?.caseStatus.gate.resume();
    this.pushView();
    return was;
  }

  /**
   * Starts a run in the background and reports whether it started. One run at a time: a request while one runs
   * is answered "already running" (the running one will pick up the change or the next one will).
   */
  private async startRun(kind: RunKind, matterIds: string[] = []): Promise<{ started: boolean; reason?: string }> {
    if (!this.stack) return { started: false, reason: this.setupProblem ?? 'Not set up yet' };
    if (!this.signedIn) return { started: false, reason: 'Sign in to Smokeball first.' };
    if (this.isPaused()) return { started: false, reason: 'Syncing is paused. Resume to sync.' };
    if (this.activeRun) return { started: false, reason: 'A sync is already running.' };
    const run = this.runOnce(kind, matterIds).finally(() => {
      this.activeRun = undefined;
      this.pushView();
    });
    this.activeRun = run;
    return { started: true };
  }

  private async runOnce(kind: RunKind, matterIds: string[]): Promise<void> {
    const stack = this.stack!;
    const { engine } = stack;
    this.clock.clearTimeout(this.retryTimer);
    let summary: RunSummary;
    try {
      if (kind === 'refresh') summary = await engine.refreshMatters(matterIds);
      else if (kind === 'reconcile' || kind === 'reconcile_confirmed') summary = await engine.reconcile({ confirmMassClosure: kind === 'reconcile_confirmed' });
      else summary = await engine.syncNow();
    } catch (error) {
      // The engine reports failures in its summary; a throw here is unexpected, but it must not end the app or
      // leave the run gate shut: handle it as a failed run.
      const f = failureOf(error);
      this.log.error('Sync run threw', { error: f.message });
      await this.afterFailure(stack, { kind: kind === 'refresh' || kind === 'sync' ? 'incremental' : 'reconcile', error: f.message, errorCode: f.code, errorName: error instanceof Error ? error.name : undefined });
      return;
    }
    if (summary.outcome === 'failed') {
      await this.afterFailure(stack, summary);
      return;
    }
    this.retryAttempt = 0;
    this.storageProblem = null;
    this.quietly(() => stack.store.attention.resolve('sync_failed', 'sync'));
    if (kind !== 'refresh' && summary.kind === 'reconcile') stack.store.checkpoints.set(NIGHTLY_LAST_RUN, this.clock.now().toISOString());
    // Messages and documents follow each sync: their cases exist now, so waiting items can be written.
    this.startWriteback(stack);
  }

  private startWriteback(stack: SyncStack): void {
    if (this.writebackRun) {
      stack.writeback.poke(); // one more pass after the current one, for what this sync linked
      return;
    }
    this.writebackRun = this.runWriteback(stack).finally(() => {
      this.writebackRun = undefined;
      this.pushView();
    });
  }

  private async afterFailure(stack: SyncStack, summary: Pick<RunSummary, 'kind' | 'error' | 'errorName' | 'errorCode'>): Promise<void> {
    // Smokeball refused the grant during the run: confirm with the token endpoint, then ask for sign-in.
    if (summary.errorName === 'AuthRequiredError' && (await this.signedOutNow(stack))) return;
    const delays = this.deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const delay = delays[Math.min(this.retryAttempt, delays.length - 1)] ?? 60_000;
    this.retryAttempt += 1;
    this.log.warn('Sync failed; retrying later', { error: summary.error, inMs: delay });
    this.storageProblem = storageProblemOf({ code: summary.errorCode, message: summary.error }, this.deps.dataDir);
    if (!this.storageProblem) {
      const at = new Date(this.clock.now().getTime() + delay).toISOString().slice(11, 16);
      this.quietly(() => stack.store.attention.raise('sync_failed', 'sync', `The last sync failed: ${summary.error ?? 'unknown error'}. It is tried again automatically (next at ${at} UTC), or press Sync now.`));
    }
    this.retryTimer = this.clock.setTimeout(() => void this.startRun(summary.kind === 'reconcile' ? 'reconcile' : 'sync'), delay);
  }

  /** A failed run because Smokeball's sign-in lapsed: stop retrying and ask for sign-in instead. */
  private async signedOutNow(stack: SyncStack): Promise<boolean> {
    try {
      // A forced refresh: the cached access token may look valid while Smokeball has revoked the grant.
      await stack.tokens.refresh(await stack.tokens.accessToken());
      return false;
    } catch (error) {
      if (!(error instanceof AuthRequiredError)) return false;
      await this.markSignedOut(stack);
      return true;
    }
  }

  /**
   * Smokeball refused the refresh token (from any caller: a run, a real-time refresh, the write-back). Real-time and
   * the write-back would otherwise retry quietly for ever; staff must be asked to sign in.
   */
  private async markSignedOut(stack: SyncStack): Promise<void> {
    if (!this.signedIn || this.stack !== stack) return;
    this.signedIn = false;
    this.log.warn('Smokeball refused the sign-in; asking staff to sign in again');
    await stack.tokens.clear();
    this.quietly(() => stack.store.attention.raise('auth_required', 'smokeball', 'Smokeball sign-in has expired. Sign in again to keep syncing.'));
    await this.stopRealtime();
    this.pushView();
  }

  /**
   * Every run reports through the engine status, including real-time refreshes that never pass through `runOnce`:
   * a run failing on the state folder shows the problem, and the next good run clears it.
   */
  private noteStorageState(status: SyncStatusView): void {
    if (status.phase === 'error') this.storageProblem = storageProblemOf({ message: status.message }, this.deps.dataDir) ?? this.storageProblem;
    else if (status.phase === 'idle' && status.lastOutcome !== 'failed') this.storageProblem = null;
  }

  /** A bookkeeping write that must not turn a handled failure into a crash (it fails too when the disk is full). */
  private quietly(write: () => unknown): void {
    try {
      write();
    } catch (error) {
      this.log.warn('Could not update the attention list', { error: failureOf(error).message });
    }
  }

  private async nightly(): Promise<void> {
    // A sync started by wake-up or Sync now must not swallow the night: wait for it, then reconcile.
    while (this.activeRun) await this.activeRun.catch(() => {});
    const result = await this.startRun('reconcile');
    if (!result.started) {
      this.log.info('Nightly sync skipped', { reason: result.reason });
      return;
    }
    await this.activeRun;
  }

  private lastNightlyRunAt(): Date | null {
    const store = this.stack?.store;
    if (!store || !this.stack?.engine.initialImportDone) return this.clock.now(); // nothing to catch up before the first import
    const last = store.checkpoints.get<string>(NIGHTLY_LAST_RUN) ?? store.runs.lastSucceeded('initial')?.finishedAt ?? null;
    return last ? new Date(last) : null;
  }

  private async runWriteback(stack: SyncStack): Promise<void> {
    if (!stack.engine.initialImportDone || this.isPaused()) return;
    try {
      // A refused sign-in during the write-back reaches markSignedOut through the token manager, like any other.
      await stack.writeback.run();
    } catch (error) {
      this.log.warn('Writing messages and documents to Smokeball failed; will retry', { error: (error as Error).message });
      this.storageProblem = storageProblemOf(failureOf(error), this.deps.dataDir) ?? this.storageProblem;
    }
  }

  /** Reads the Case Status feeds on a timer as well, so messages arrive even without the relay. */
  private scheduleWriteback(delayMs = this.deps.writebackIntervalMs ?? 2 * 60_000): void {
    this.clock.clearTimeout(this.writebackTimer);
    this.writebackTimer = this.clock.setTimeout(async () => {
      const stack = this.stack;
      if (stack && this.signedIn) this.startWriteback(stack);
      if (!this.stopped) this.scheduleWriteback();
    }, delayMs);
  }

  // ——— attention items ———

  private async retryAttention(id: number): Promise<CommandResults['retryAttention']> {
    const item = this.stack?.store.attention.byId(id);
    if (!this.stack || !item) return { retried: false, message: 'That item is already resolved.' };
    const stack = this.stack;
    switch (item.kind) {
      case 'auth_required':
        await this.signIn();
        return { retried: true, message: 'Finish signing in to Smokeball in your browser.' };
      case 'message_failed':
      case 'document_failed':
        void stack.writeback.retry(item.subjectId).then(() => this.pushView(), (e: unknown) => this.log.warn('Retry failed', { error: String(e) }));
        return { retried: true, message: 'Trying again.' };
      case 'realtime_off':
        await this.stopRealtime();
        await this.startRealtime();
        return { retried: true, message: 'Reconnecting real-time updates.' };
      case 'sync_failed': {
        const r = await this.startRun('sync');
        return { retried: r.started, message: r.started ? 'Syncing again.' : (r.reason ?? '') };
      }
      case 'matter_failed': {
        const r = await this.startRun('refresh', [item.subjectId]);
        return { retried: r.started, message: r.started ? 'Syncing that matter again.' : (r.reason ?? '') };
      }
      default: {
        if (!RECONCILE_FIXES.has(item.kind)) return { retried: false, message: 'This item cannot be retried.' };
        // A full pass re-maps every matter with the current settings and resolves the items that are fixed.
        const r = await this.startRun('reconcile');
        return { retried: r.started, message: r.started ? 'Checking every matter again with the current settings.' : (r.reason ?? '') };
      }
    }
  }

  private async confirmAttention(id: number): Promise<CommandResults['confirmAttention']> {
    const item = this.stack?.store.attention.byId(id);
    if (!item || item.kind !== 'mass_closure_blocked') return { confirmed: false, message: 'Nothing to confirm.' };
    const r = await this.startRun('reconcile_confirmed');
    return { confirmed: r.started, message: r.started ? 'Closing those cases now.' : (r.reason ?? '') };
  }

  // ——— sign-in ———

  private async signIn(): Promise<CommandResults['signIn']> {
    const c = this.settings.connections;
    if (!c.smokeballClientId) throw new Error('Enter the Smokeball client id in Settings → Connections first.');
    this.pendingSignIn?.cancel();
    const pending = await startLoopbackSignIn({ authUrl: c.smokeballAuthUrl, clientId: c.smokeballClientId });
    this.pendingSignIn = pending;
    pending.result.then(
      async (tokens) => {
        if (this.pendingSignIn === pending) this.pendingSignIn = undefined;
        this.log.info('Signed in to Smokeball');
        const stack = this.stack;
        if (stack && this.settings.connections.smokeballClientId === c.smokeballClientId && this.settings.connections.smokeballAuthUrl === c.smokeballAuthUrl) {
          // The same connection with a new grant: keep the stack (a write-back in progress finishes on its own),
          // so staff are back in sync at once; real time re-checks the webhook subscription.
          await stack.tokens.save(tokens);
          await this.connected(stack);
        } else {
          await this.deps.secrets.set(TOKENS_KEY, JSON.stringify(tokens));
          await this.reconfigure();
        }
      },
      (error: unknown) => {
        if (this.pendingSignIn === pending) this.pendingSignIn = undefined;
        this.log.warn('Sign-in did not complete', { reason: (error as Error).message });
        this.pushView();
      },
    );
    if (this.deps.openExternal) await this.deps.openExternal(pending.authorizeUrl);
    return { authorizeUrl: pending.authorizeUrl };
  }

  private async signOut(): Promise<CommandResults['signOut']> {
    await this.stopRealtime();
    if (this.stack) await this.stack.tokens.clear();
    else await this.deps.secrets.delete(TOKENS_KEY);
    this.signedIn = false;
    return { signedOut: true };
  }

  private async mappingOptions(): Promise<MappingOptions> {
    if (!this.stack || !this.signedIn) throw new Error('Connect to Smokeball and Case Status first.');
    return loadMappingOptions(this.stack, this.settings);
  }
}
