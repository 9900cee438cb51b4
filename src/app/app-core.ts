import { EventEmitter } from 'node:events';
import { parseCommand, type CommandName, type CommandResults, type ParsedCommandInput, type SecretName } from '../contract/commands.js';
import { applySettingsPatch, type Settings, type SettingsPatch } from '../contract/settings.js';
import {
  STORED_ATTENTION_KINDS,
  type AppView,
  type AttentionKind as ViewAttentionKind,
  type AttentionView,
  type HeldChangeView,
  type MappingOptions,
} from '../contract/view.js';
import type { SyncPreview } from '../contract/preview.js';
import { matterHistory, searchHistory } from './history-lookup.js';
import type { AttentionKind, StateStore } from '../store/index.js';
import {
  asUnleasedRead,
  previewSync,
  SECRET_KEYS,
  silentLogger,
  type Logger,
  type ReadPlan,
  type RealtimeSync,
  type RunSummary,
  type SecretStore,
  type SyncEngine,
  type SyncStack,
} from '../sync/index.js';
import { confirmAttentionItem, retryAttentionGroup, retryAttentionItem } from './attention-actions.js';
import { ConnectionManager } from './connection-manager.js';
import { loadMappingOptions } from './mapping-options.js';
import { Notifier } from './notifier.js';
import { systemClock, type AppNotification, type Clock, type SettingsStore } from './ports.js';
import { RunCoordinator, type RunStart } from './run-coordinator.js';
import { HeldReleaseTimer } from './held-release.js';
import { hostStatusOf } from './host-status.js';
import { attentionView, buildView, type ViewInputs } from './view-model.js';
import { effectiveConnections, loadBuildConfig, packageVersion, type BuildConfig } from './build-config.js';
import { SetupFlow } from './setup-flow.js';

/** Items of one kind the view lists (the group row shows the full count; the full list is one command away). */
const ATTENTION_LISTED_PER_KIND = 50;
/** The whole list behind a group: bounded only so a corrupt table cannot exhaust memory. */
const ALL_ITEMS = 100_000;

function isStoredKind(kind: ViewAttentionKind): kind is AttentionKind {
  return (STORED_ATTENTION_KINDS as readonly string[]).includes(kind);
}

export interface AppCoreDeps {
  dataDir: string;
  host: 'electron' | 'headless';
  /** Shown in the window's footer; default: package.json's version. */
  version?: string;
  /** The app's own connection defaults (src/app/build-config.ts); default: production, overridden by CSS_* variables. */
  build?: BuildConfig;
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
  /** One sync host per firm through the lease (default on; see ConnectionManagerDeps.coordinate). */
  coordinate?: boolean;
  /** This install as the firm's other installs see it (default: the computer's name and user, not preferred). */
  install?: { name?: string; user?: string; preferred?: boolean };
  /** How long Smokeball may be silent before the grant watch asks it (default 60 s; see grant-watch.ts). */
  grantWatchMs?: number;
  /** Nightly scheduler knobs (tests). */
  scheduler?: { checkEveryMs?: number; catchUpDelayMs?: number };
  /** Writes the diagnostics zip (`src/app/diagnostics-export.ts`); the host decides where. */
  exportDiagnostics?: (input: { includeClientDetails: boolean }) => Promise<{ file: string }>;
}

/** One handler per command, each typed by its command's zod schema (validated input in, contract result out). */
type CommandHandlers = { [C in CommandName]: (input: ParsedCommandInput<C>) => Promise<CommandResults[C]> };

const SECRET_KEY_BY_NAME: Record<SecretName, string> = {
  smokeballApiKey: SECRET_KEYS.smokeballApiKey,
  caseStatusApiKey: SECRET_KEYS.caseStatusApiKey,
  relayToken: SECRET_KEYS.relayToken,
  proxyPassword: SECRET_KEYS.proxyPassword,
};

/**
 * The app core: everything the tray app and the headless host share. A thin facade over three parts: the
 * connection manager (stack, real time, sign-in), the run coordinator (runs, retries, nightly, pause, write-back)
 * and the pure view model. It owns the settings, executes the commands of the typed contract and pushes the view.
 * No Electron in here: the hosts inject what differs (secret store, settings store, how to open a browser).
 */
export class AppCore {
  private settings: Settings;
  private readonly connection: ConnectionManager;
  private readonly runs: RunCoordinator;
  private readonly heldRelease: HeldReleaseTimer;
  private started = false;
  private stopped = false;
  private readonly events = new EventEmitter<{ view: [AppView]; notify: [AppNotification] }>();
  private readonly notifier = new Notifier();
  private viewTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly handlers: CommandHandlers;
  private readonly build: BuildConfig;
  private readonly setup: SetupFlow;

  constructor(private readonly deps: AppCoreDeps) {
    this.log = deps.logger ?? silentLogger;
    this.clock = deps.clock ?? systemClock;
    this.settings = deps.settings.get();
    this.build = deps.build ?? loadBuildConfig();
    const changed = () => this.pushView();
    this.connection = new ConnectionManager({
      dataDir: deps.dataDir,
      secrets: deps.secrets,
      // The connections in use: what Settings changed, else the build's defaults (staff never type a client id).
      settings: () => ({ ...this.settings, connections: effectiveConnections(this.settings.connections, this.build) }),
      // Real time applies changes as they happen: not before the set-up's import was started.
      realtimeAllowed: () => this.setup.runsAllowed,
      // Nor does it ask for the firm's sync lease before then: it would hold it without syncing.
      leaseAllowed: () => this.setup.runsAllowed,
      onSignedIn: (accessToken) => void this.setup.afterSignIn(accessToken).then(changed),
      logger: this.log,
      clock: this.clock,
      plan: deps.plan,
      realtimeOptions: deps.realtimeOptions,
      grantWatchMs: deps.grantWatchMs,
      openExternal: deps.openExternal,
      coordinate: deps.coordinate !== false,
      install: deps.install,
      // Sync now pressed on a standby reaches the host at its next renewal.
      onSyncRequested: () => void this.runs.startRun('sync'),
      publishStatus: () => hostStatusOf(this.view()),
      events: {
        changed,
        statusChanged: (status) => {
          this.runs.noteStatus(status);
          this.pushView();
        },
        stackBuilt: (stack) => {
          this.runs.stackBuilt(stack);
          this.setup.adoptEarlierImport(stack.engine.initialImportDone);
        },
        connected: () => this.runs.connected(),
        beforeTeardown: () => this.runs.settle(),
      },
    });
    this.runs = new RunCoordinator({
      connection: this.connection,
      dataDir: deps.dataDir,
      clock: this.clock,
      logger: this.log,
      nightlyTime: this.settings.nightlySyncTime,
      retryDelaysMs: deps.retryDelaysMs,
      writebackIntervalMs: deps.writebackIntervalMs,
      scheduler: deps.scheduler,
      // Until the set-up's import is started no run starts: Sync now, the nightly sync, retries, wake-up.
      blockedReason: () => this.setup.blockedReason,
      changed,
    });
    this.setup = new SetupFlow({
      settings: () => this.settings,
      saveSettings: (next) => {
        this.deps.settings.set(next);
        this.settings = next;
      },
      secrets: deps.secrets,
      build: this.build,
      logger: this.log,
      connections: () => effectiveConnections(this.settings.connections, this.build),
      reconfigure: () => this.connection.reconfigure(),
      startRealtime: () => this.connection.restartRealtime(),
      joinFirm: async () => {
        await this.connection.joinFirm();
        // Only a standby names another PC; "finding out" or an unreachable relay start the import once granted.
        const role = this.connection.role;
        return role?.view().role === 'standby' ? role.notHostReason : null;
      },
      startImport: () => this.runs.startRun('sync'),
      smokeballGate: () => this.connection.stack?.smokeballGate,
      state: () => ({
        signedIn: this.connection.signedIn || (!this.connection.stack && this.connection.tokensSaved),
        caseStatusKeySet: this.connection.secretsSet.caseStatusApiKey,
        relayPaired: this.settings.connections.relayUrl !== '' && this.connection.secretsSet.relayToken,
        initialImportDone: this.connection.stack?.engine.initialImportDone ?? false,
      }),
    });
    this.heldRelease = new HeldReleaseTimer({
      stack: () => this.connection.stack,
      canSend: () => this.connection.signedIn && !this.connection.notHostReason && this.runs.pausedUntil === null,
      clock: this.clock,
      logger: this.log,
      changed,
    });
    this.handlers = this.commandHandlers();
  }

  // ——— lifecycle ———

  /** Connects with what is configured, starts the schedule and real-time updates, and syncs if due. */
  async start(): Promise<void> {
    this.started = true;
    this.runs.enableRuns();
    await this.connection.reconfigure();
    this.runs.startSchedule();
    this.heldRelease.start();
    this.pushView();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.runs.stop();
    this.heldRelease.stop();
    await this.connection.stop();
    if (this.viewTimer) clearTimeout(this.viewTimer);
    this.events.removeAllListeners();
  }

  /** After sleep or unlock: catch up a missed nightly sync and check real-time updates again. */
  wake(): void {
    this.runs.wake();
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
    // parseCommand validated `input` against this command's schema, so it is that schema's output type.
    const handler = this.handlers[parsed.command] as (input: unknown) => Promise<unknown>;
    const result = await handler(parsed.input);
    this.pushView();
    return result;
  }

  private commandHandlers(): CommandHandlers {
    const store = () => this.connection.stack?.store;
    const actions = {
      signIn: () => this.connection.signIn(),
      retryWriteback: (subjectId: string) => this.runs.retryWriteback(subjectId),
      restartRealtime: () => this.connection.restartRealtime(),
      startRun: (kind: Parameters<RunCoordinator['startRun']>[0], ids?: string[]) => this.runs.startRun(kind, ids),
      answerHeld: (send: boolean) => this.heldAction((engine) => engine.answerHeld(send)),
    };
    return {
      getView: async () => this.view(),
      sendHeldChanges: async (i) =>
        heldReply(
          this.heldAction((engine) => engine.sendHeldNow(i.matterIds)),
          'Sending now.',
        ),
      skipHeldChanges: async (i) =>
        heldReply(
          this.heldAction((engine) => engine.dontSendHeld(i.matterIds)),
          'Applying without texting the client.',
        ),
      syncNow: async () => {
        // An unfinished set-up is the reason that matters, whichever install holds the firm's lease.
        const setupBlocked = this.setup.blockedReason;
        if (setupBlocked) return { started: false, reason: setupBlocked };
        const role = this.connection.role;
        // On a standby, Sync now asks the firm's sync host to run (it picks it up at its next renewal).
        if (role && !role.isHost) return { started: false, reason: await role.askHostToSync() };
        return this.runs.startRun('sync');
      },
      reconcileNow: () => this.runs.startRun('reconcile'),
      pause: async (i) => this.runs.pause(i.minutes),
      resume: async () => ({ resumed: this.runs.resume() }),
      retryAttention: (i) => retryAttentionItem(store()?.attention.byId(i.id), actions),
      dismissAttention: async (i) => ({ dismissed: store()?.attention.dismiss(i.id) ?? false }),
      confirmAttention: (i) => confirmAttentionItem(store()?.attention.byId(i.id), actions),
      attentionItems: async (i) => this.attentionItems(i.kind),
      retryAttentionGroup: (i) =>
        isStoredKind(i.kind)
          ? retryAttentionGroup(store()?.attention.open(i.kind, ALL_ITEMS) ?? [], actions)
          : Promise.resolve({ retried: false, message: 'This clears itself once the problem is over.' }),
      dismissAttentionGroup: async (i) => {
        const s = store();
        if (!s || !isStoredKind(i.kind)) return { dismissed: 0 };
        const kind = i.kind;
        return { dismissed: s.transaction(() => s.attention.open(kind, ALL_ITEMS).filter((item) => s.attention.dismiss(item.id)).length) };
      },
      previewSync: () => this.preview(),
      updateSettings: (i) => this.updateSettings(i),
      setSecret: async (i) => {
        await this.deps.secrets.set(SECRET_KEY_BY_NAME[i.name], i.value);
        await this.connection.reconfigure();
        return { saved: true as const };
      },
      clearSecret: async (i) => {
        await this.deps.secrets.delete(SECRET_KEY_BY_NAME[i.name]);
        await this.connection.reconfigure();
        return { cleared: true as const };
      },
      signIn: () => this.connection.signIn(),
      signOut: () => this.connection.signOut(),
      getMappingOptions: () => this.mappingOptions(),
      exportDiagnostics: async (i) => {
        if (!this.deps.exportDiagnostics) throw new Error('Diagnostics cannot be written from this window; run `cli diagnostics --data DIR`.');
        return this.deps.exportDiagnostics(i);
      },
      makeSyncHost: async () => {
        const role = this.connection.role;
        if (!role)
          return {
            requested: false,
            message:
              this.deps.coordinate !== false
                ? 'Finish the set-up first (Settings → Connections).'
                : "This install is not coordinated with the firm's other installs (it was started with --no-coordinate).",
          };
        if (!role.hasJoined) return { requested: false, message: 'Finish the set-up on this PC first: it can sync for the firm once its import is started.' };
        if (role.isHost) return { requested: false, message: 'This PC already syncs for the firm.' };
        role.makeHost();
        return { requested: true, message: 'Asked the current sync host to hand over; this PC takes over within a minute.' };
      },
      historySearch: async (i) => searchHistory(store(), i.query),
      historyMatter: async (i) => matterHistory(store(), i.matterId, this.settings.historyRetentionDays),
      connectCaseStatus: (i) => this.setup.connectCaseStatus(i.apiKey),
      pairRelay: (i) => this.setup.pairRelay(i.code),
      skipSetupStep: async (i) => this.setup.skip(i.step),
      completeSetupStep: async (i) => this.setup.complete(i.step),
      reopenSetupStep: async (i) => this.setup.reopen(i.step),
      startImport: () => this.setup.startImport(),
      finishSetup: async () => this.setup.finish(),
      openExternal: async (i) => {
        if (!this.deps.openExternal) return { opened: false };
        await this.deps.openExternal(i.url);
        return { opened: true };
      },
    };
  }

  private async updateSettings(patch: SettingsPatch): Promise<Settings> {
    const before = this.settings;
    const next = applySettingsPatch(before, patch);
    this.deps.settings.set(next);
    this.settings = next;
    if (next.nightlySyncTime !== before.nightlySyncTime) this.runs.setNightlyTime(next.nightlySyncTime);
    if (next.preferredSyncHost !== before.preferredSyncHost) this.connection.role?.setPreferred(next.preferredSyncHost);
    const connectionsChanged = JSON.stringify(next.connections) !== JSON.stringify(before.connections);
    if (connectionsChanged) await this.connection.reconfigure();
    else this.connection.applyEngineConfig();
    return next;
  }

  private async mappingOptions(): Promise<MappingOptions> {
    const stack = this.connection.stack;
    if (!stack || !this.connection.signedIn) throw new Error('Connect to Smokeball and Case Status first.');
    return asUnleasedRead('set-up', () => loadMappingOptions(stack, this.settings));
  }

  // ——— the view ———

  /**
   * Starts a person's choice on held changes (send, or apply without texting). It runs as a real-time run, queued
   * behind a sync in progress; the view shows the outcome.
   */
  private heldAction(act: (engine: SyncEngine) => Promise<RunSummary>): RunStart {
    const c = this.connection;
    if (!c.stack || !c.signedIn) return { started: false, reason: 'Connect to Smokeball and Case Status first.' };
    if (c.notHostReason) return { started: false, reason: c.notHostReason };
    void act(c.stack.engine)
      .catch((error: unknown) => this.log.warn('Held changes not sent', { error: String(error) }))
      .finally(() => this.pushView());
    return { started: true };
  }

  view(): AppView {
    const c = this.connection;
    const stack = c.stack;
    return buildView({
      version: this.deps.version ?? packageVersion(),
      host: this.deps.host,
      ready: this.started,
      busy: this.runs.busy,
      engineStatus: stack ? stack.engine.status.current : null,
      setupProblem: c.setupProblem,
      signedIn: c.signedIn,
      signInPending: c.signInPending,
      pausedUntil: this.runs.pausedUntil,
      now: this.clock.now(),
      // A run that failed on the state folder, or a take-over that waits for disk space (no run starts then).
      storageProblem: this.runs.storageProblem ?? c.storageProblem,
      dataDir: this.deps.dataDir,
      ...this.attentionInputs(stack?.store),
      activity: stack?.store.activity.recent(50) ?? [],
      held: stack ? heldView(stack) : [],
      runs: stack?.store.runs.recent(10).map((r) => ({ ...r, counts: r.stats })) ?? [],
      realtime: c.realtimeStatus,
      realtimeProblem: c.realtimeIssue,
      syncHost: c.role?.view() ?? null,
      smokeballBudget: c.smokeballBudget,
      settings: this.settings,
      secretsSet: c.secretsSet,
      initialImportDone: stack?.engine.initialImportDone ?? false,
      nextNightlyAt: this.runs.nextNightlyAt,
      setup: this.setup.view(),
      clientIdSet: effectiveConnections(this.settings.connections, this.build).smokeballClientId !== '',
    });
  }

  /** The whole list behind a group row: every open item of the kind (the data folder's problem is held in memory). */
  private attentionItems(kind: ViewAttentionKind): AttentionView[] {
    if (!isStoredKind(kind)) return this.view().attention.filter((a) => a.kind === kind);
    return (this.connection.stack?.store.attention.open(kind, ALL_ITEMS) ?? []).map(attentionView);
  }

  /** The dry run against the connected firm; refused while a run writes links the preview would read half-done. */
  private async preview(): Promise<SyncPreview> {
    const stack = this.connection.stack;
    if (!stack || !this.connection.signedIn) throw new Error('Sign in to Smokeball and connect Case Status first.');
    if (this.runs.busy) throw new Error('A sync is running: preview again when it has finished.');
    // Reads only: allowed during the set-up before this install asks for the firm's lease (src/app/sync-role.ts).
    return asUnleasedRead('set-up', () =>
      previewSync({ smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store, config: stack.engine.config }),
    );
  }

  /**
   * Open items, the first ATTENTION_LISTED_PER_KIND of each kind (so 199 of one kind cannot push another out of the
   * list), and every kind's full count for its group row.
   */
  private attentionInputs(store: StateStore | undefined): Pick<ViewInputs, 'attention' | 'attentionCounts'> {
    if (!store) return { attention: [], attentionCounts: {} };
    const counts = store.attention.countOpen();
    const attention = Object.keys(counts).flatMap((kind) => store.attention.open(kind as AttentionKind, ATTENTION_LISTED_PER_KIND));
    return { attention: attention.sort((a, b) => a.id - b.id), attentionCounts: counts };
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
}

function heldReply(r: RunStart, message: string): { started: boolean; message: string } {
  return { started: r.started, message: r.started ? message : (r.reason ?? '') };
}

/** Held changes for the window, with the matter number and title staff search by (first 500). */
function heldView(stack: SyncStack): HeldChangeView[] {
  return stack.engine
    .heldChanges()
    .slice(0, 500)
    .map((c) => {
      const link = stack.store.links.matter(c.matterId);
      return {
        matterId: c.matterId,
        matterNumber: link?.matterNumber ?? null,
        matterTitle: link?.matterTitle ?? null,
        kind: c.kind,
        from: c.fromStage,
        to: c.stageName,
        reason: c.reason,
        heldAt: new Date(c.heldAt).toISOString(),
        releaseAt: c.releaseAt === null ? null : new Date(c.releaseAt).toISOString(),
      };
    });
}
