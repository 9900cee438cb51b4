import { budgetView, startBudgetFollower } from './budget-follow.js';
import type { RateLeaseFollower } from '../sync/index.js';
import type { SmokeballBudgetView } from '../contract/view.js';
import type { Settings } from '../contract/settings.js';
import type { RealtimeView, SyncStatusView } from '../contract/view.js';
import {
  AuthRequiredError,
  createSyncStack,
  describeFailure,
  errorMessageOf,
  GrantWatch,
  MissingSecretError,
  RealtimeSync,
  SECRET_KEYS,
  TOKENS_KEY,
  type ConnectionSettings,
  type Logger,
  type ReadPlan,
  type SecretStore,
  type SyncConfig,
  type SyncStack,
} from '../sync/index.js';
import { startLoopbackSignIn, type PendingSignIn } from './sign-in.js';
import { connectionSettingsOf, engineConfigOf } from './stack-settings.js';
import { storageProblemOf, type StorageProblem } from './storage-problem.js';
import { SyncRoleController, type SyncRoleDeps } from './sync-role.js';
import type { Clock } from './ports.js';

/** What the connection manager tells the rest of the core. */
export interface ConnectionEvents {
  /** Something shown in the view changed. */
  changed(): void;
  /** The engine's status changed (every run reports through it, real-time refreshes included). */
  statusChanged(status: SyncStatusView): void;
  /** A new stack exists (not necessarily signed in yet). */
  stackBuilt(stack: SyncStack): void;
  /** Signed in with a working stack (at start, or again after a lapse). */
  connected(stack: SyncStack): void;
  /** The stack is about to close: wait for whatever still uses it. */
  beforeTeardown(): Promise<void>;
}

export interface ConnectionManagerDeps {
  dataDir: string;
  secrets: SecretStore;
  settings: () => Settings;
  logger: Logger;
  plan?: ReadPlan;
  realtimeOptions?: ConstructorParameters<typeof RealtimeSync>[0]['options'];
  /** How long Smokeball may be silent before the grant watch asks it (default 60 s). */
  grantWatchMs?: number;
  /** Opens a URL in the system browser; absent in the headless host (the window opens it). */
  openExternal?: (url: string) => Promise<void>;
  events: ConnectionEvents;
  /**
   * One sync host per firm through the lease (src/app/sync-role.ts); on unless set to false. Off only for
   * development (`serve --no-coordinate`): such an install syncs on its own, as if it were the whole firm.
   */
  coordinate?: boolean;
  /** This install as other installs of the firm see it (src/app/sync-role.ts). */
  install?: SyncRoleDeps['install'];
  /** A sign-in in the browser completed (the set-up reads the firm's name with this access token). */
  onSignedIn?: (accessToken: string) => void;
  /** False while the guided set-up holds runs back: real time starts only once the import is started. */
  realtimeAllowed?: () => boolean;
  /**
   * Whether this install may ask for the firm's sync lease: once its set-up is complete or its import was started
   * (default: always). Until then it is neither host nor standby; `joinFirm` asks when the import is started.
   */
  leaseAllowed?: () => boolean;
  /** What this install publishes for the standbys while it is the firm's sync host. */
  publishStatus?: () => unknown;
  /** A standby pressed Sync now. */
  onSyncRequested?: () => void;
  /** The app's clock, passed to the sync stack, real time and the lease keeper (default: the system clock). */
  clock?: Clock;
}

/**
 * The connection side of the app core: builds the sync stack from settings and secrets, keeps real-time updates
 * running, and owns sign-in (start, lapse, sign out). Runs are not its business: it reports `connected` and the
 * run coordinator decides what to run.
 */
export class ConnectionManager {
  private current: SyncStack | undefined;
  private problem: string | null = null;
  private signed = false;
  private pending: PendingSignIn | undefined;
  private realtime: RealtimeSync | undefined;
  private realtimeProblem: string | null = null;
  private configuring: Promise<void> = Promise.resolve();
  private stopped = false;
  private detachStatus: (() => void) | undefined;
  private detachSignInLost: (() => void) | undefined;
  private syncRole: SyncRoleController | undefined;
  private grantWatch: GrantWatch | undefined;
  private budgetFollower: RateLeaseFollower | undefined;
  /** Which secrets are set, read from the keychain at each rebuild (the view never reads the keychain itself). */
  secretsSet = { smokeballApiKey: false, caseStatusApiKey: false, relayToken: false, proxyPassword: false };
  /**
   * Smokeball sign-in tokens are in the keychain. Before the stack can be built (set-up step 2 not done yet) this is
   * what "signed in" means to the set-up.
   */
  tokensSaved = false;

  constructor(private readonly deps: ConnectionManagerDeps) {}

  private get coordinated(): boolean {
    return this.deps.coordinate !== false;
  }

  get stack(): SyncStack | undefined {
    return this.current;
  }

  get signedIn(): boolean {
    return this.signed;
  }

  get setupProblem(): string | null {
    return this.problem;
  }

  get signInPending(): boolean {
    return this.pending !== undefined;
  }

  get realtimeStatus(): RealtimeView | null {
    return this.realtime ? this.realtime.status : null;
  }

  get realtimeIssue(): string | null {
    return this.realtimeProblem;
  }

  /** This host's share of the partner Smokeball budget; null in per-firm mode or without a relay. */
  get smokeballBudget(): SmokeballBudgetView | null {
    return budgetView(this.budgetFollower, this.current?.smokeballGate);
  }

  /** Which install syncs for the firm; undefined until a stack is built. */
  get role(): SyncRoleController | undefined {
    return this.syncRole;
  }

  /** The state folder failure that keeps this install from taking over as the firm's sync host (a full disk). */
  get storageProblem(): StorageProblem | null {
    const failure = this.syncRole?.storageFailure;
    if (!failure) return null;
    const f = describeFailure(failure);
    return storageProblemOf({ reason: f.reason, code: f.code }, this.deps.dataDir);
  }

  /** Null when this install may run syncs; otherwise why not (another PC is the firm's sync host). */
  get notHostReason(): string | null {
    return this.syncRole ? this.syncRole.notHostReason : null;
  }

  /** (Re)builds the sync stack from the current settings and secrets; one at a time. */
  reconfigure(): Promise<void> {
    this.configuring = this.configuring.catch(() => {}).then(() => this.rebuild());
    return this.configuring;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending?.cancel();
    await this.configuring.catch(() => {});
    await this.teardownStack();
  }

  /** Mapping and filters are read at the start of each run: the next run uses them, no reconnect needed. */
  applyEngineConfig(): void {
    if (this.current) Object.assign(this.current.engine.config, this.engineConfig());
  }

  async restartRealtime(): Promise<void> {
    await this.stopRealtime();
    if (!(this.deps.realtimeAllowed?.() ?? true)) return;
    await this.startRealtime();
  }

  private engineConfig(): Partial<SyncConfig> {
    return engineConfigOf(this.deps.settings());
  }

  private connectionSettings(): ConnectionSettings {
    return connectionSettingsOf(this.deps.settings().connections);
  }

  private async rebuild(): Promise<void> {
    if (this.stopped) return;
    await this.teardownStack();
    const has = async (key: string) => (await this.deps.secrets.get(key)) !== undefined;
    this.secretsSet = {
      smokeballApiKey: await has(SECRET_KEYS.smokeballApiKey),
      caseStatusApiKey: await has(SECRET_KEYS.caseStatusApiKey),
      relayToken: await has(SECRET_KEYS.relayToken),
      proxyPassword: await has(SECRET_KEYS.proxyPassword),
    };
    this.tokensSaved = await has(TOKENS_KEY);
    if (!this.deps.settings().connections.smokeballClientId) {
      this.problem = 'No Smokeball client id: set CSS_SMOKEBALL_CLIENT_ID or Settings → Connections → Advanced.';
      return;
    }
    let stack: SyncStack;
    let role: SyncRoleController | undefined;
    try {
      // Every request of the stack passes the firm's lease (no lease, no request): created first.
      if (this.coordinated && !this.secretsSet.smokeballApiKey) throw new MissingSecretError('The Smokeball API key');
      role = !this.coordinated
        ? undefined
        : await SyncRoleController.create({
            dataDir: this.deps.dataDir,
            settings: this.deps.settings(),
            secrets: this.deps.secrets,
            logger: this.deps.logger,
            install: this.deps.install,
            publishStatus: () => this.deps.publishStatus?.() ?? null,
            onSyncRequested: () => this.deps.onSyncRequested?.(),
            onHost: () => void this.becameHost(),
            onNotHost: () => void this.stopRealtime().then(() => this.deps.events.changed()),
            changed: () => this.deps.events.changed(),
            clock: this.deps.clock,
          });
      stack = await createSyncStack({
        fence: role?.fence,
        dataDir: this.deps.dataDir,
        connections: this.connectionSettings(),
        sync: this.engineConfig(),
        secrets: this.deps.secrets,
        logger: this.deps.logger,
        plan: this.deps.plan,
        clock: this.deps.clock,
      });
      this.problem = null;
    } catch (error) {
      this.problem = error instanceof MissingSecretError ? error.message : `Could not start: ${(error as Error).message}`;
      this.deps.logger.warn('Sync stack not started', { reason: this.problem });
      return;
    }
    this.current = stack;
    this.syncRole = role;
    role?.attach(stack.store.db);
    // Asked without waiting for the answer: a relay that is slow or silent must not hold the window up for the
    // lease call's timeout. The fence stays closed until this install is granted the lease, so nothing is sent
    // meanwhile, and the window says it is finding out which PC syncs. An install in the middle of its set-up
    // does not ask yet (see joinFirm).
    if (role && (this.deps.leaseAllowed?.() ?? true)) this.askForLease(role);
    const status = stack.engine.status;
    const onChange = () => this.deps.events.statusChanged(status.current);
    status.on('change', onChange);
    this.detachStatus = () => status.off('change', onChange);
    this.detachSignInLost = stack.tokens.onSignInLost(() => void this.markSignedOut(stack));
    // A lapsed or revoked grant is noticed within two minutes even when nothing else talks to Smokeball (the
    // watch skips while signed out, while paused (the run coordinator pauses the gate) and on a standby, which makes
    // no Smokeball requests: the host's watch covers the firm's grant).
    this.grantWatch = new GrantWatch({
      smokeball: stack.smokeball,
      active: () => this.signed && (this.syncRole?.isHost ?? true),
      intervalMs: this.deps.grantWatchMs,
      logger: this.deps.logger,
    });
    this.grantWatch.start();
    // A partner-wide budget is divided at the relay, between coordinated hosts.
    const relayToken = role ? await this.deps.secrets.get(SECRET_KEYS.relayToken) : undefined;
    const relayUrl = this.deps.settings().connections.relayUrl;
    if (role && relayUrl !== '' && relayToken)
      this.budgetFollower = startBudgetFollower({ gate: stack.smokeballGate, relayUrl, relayToken, logger: this.deps.logger });
    this.deps.events.stackBuilt(stack);
    if (await stack.tokens.hasTokens()) await this.connected(stack);
  }

  /**
   * The set-up's import was started: from now on this install asks for the firm's lease. Resolves once the first
   * answer is in (host: the import starts; standby: the view names the host), bounded by the lease call's timeout.
   */
  async joinFirm(): Promise<void> {
    await this.configuring.catch(() => {});
    await this.syncRole?.start();
  }

  private askForLease(role: SyncRoleController): void {
    role.start().catch((error: unknown) => this.deps.logger.warn('Could not ask for the sync lease', { error: errorMessageOf(error) }));
  }

  /** Signed in (at start, or again after a lapse): real time, then whatever the run coordinator starts. */
  private async connected(stack: SyncStack): Promise<void> {
    this.signed = true;
    quietly(this.deps.logger, () => stack.store.attention.resolve('auth_required', 'smokeball'));
    // A standby makes no Smokeball requests: real time and runs start when it becomes the host.
    if (this.syncRole && !this.syncRole.isHost) return this.deps.events.changed();
    await this.restartRealtime();
    this.deps.events.connected(stack);
    this.deps.events.changed();
  }

  /** The firm's lease was granted (the shared ledger is adopted): a signed-in install starts syncing. */
  private async becameHost(): Promise<void> {
    const stack = this.current;
    if (stack && this.signed) await this.connected(stack);
  }

  private async teardownStack(): Promise<void> {
    const stack = this.current;
    if (!stack) return;
    await this.stopRealtime();
    await this.grantWatch?.stop();
    this.grantWatch = undefined;
    await this.budgetFollower?.stop();
    this.budgetFollower = undefined;
    stack.writeback.close();
    // Closing the database under a running sync would fail its next write: let it finish, then close.
    await this.deps.events.beforeTeardown();
    // Then hand the lease back, so another install takes over at once instead of after the TTL.
    await this.syncRole?.stop();
    this.syncRole = undefined;
    this.detachStatus?.();
    this.detachStatus = undefined;
    this.detachSignInLost?.();
    this.detachSignInLost = undefined;
    this.current = undefined;
    this.signed = false;
    stack.close();
  }

  private async startRealtime(): Promise<void> {
    const stack = this.current;
    const relayUrl = this.deps.settings().connections.relayUrl;
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
      logger: this.deps.logger,
      options: this.deps.realtimeOptions,
      clock: this.deps.clock,
    });
    realtime.on('change', () => this.deps.events.changed());
    this.realtime = realtime;
    try {
      await realtime.start();
    } catch (error) {
      this.realtimeProblem = `Real-time updates could not start: ${(error as Error).message}`;
      this.deps.logger.warn('Real-time updates not started', { reason: this.realtimeProblem });
    }
  }

  private async stopRealtime(): Promise<void> {
    const rt = this.realtime;
    this.realtime = undefined;
    if (rt) await rt.stop().catch((e: unknown) => this.deps.logger.warn('Stopping real-time updates failed', { error: String(e) }));
  }

  /**
   * A run failed on Smokeball's sign-in: confirm with a forced refresh (the cached access token may look valid while
   * Smokeball has revoked the grant) and, when it is refused, ask for sign-in. True when signed out.
   */
  async confirmSignedOut(stack: SyncStack): Promise<boolean> {
    try {
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
    if (!this.signed || this.current !== stack) return;
    this.signed = false;
    this.deps.logger.warn('Smokeball refused the sign-in; asking staff to sign in again');
    await stack.tokens.clear();
    this.tokensSaved = false;
    quietly(this.deps.logger, () => stack.store.attention.raise('auth_required', 'smokeball', 'Smokeball sign-in has expired. Sign in again to keep syncing.'));
    await this.stopRealtime();
    this.deps.events.changed();
  }

  async signIn(): Promise<{ authorizeUrl: string }> {
    const c = this.deps.settings().connections;
    if (!c.smokeballClientId) throw new Error('No Smokeball client id: set CSS_SMOKEBALL_CLIENT_ID or Settings → Connections → Advanced.');
    this.pending?.cancel();
    const pending = await startLoopbackSignIn({ authUrl: c.smokeballAuthUrl, clientId: c.smokeballClientId });
    this.pending = pending;
    pending.result.then(
      async (tokens) => {
        if (this.pending === pending) this.pending = undefined;
        this.deps.logger.info('Signed in to Smokeball');
        this.tokensSaved = true;
        this.deps.onSignedIn?.(tokens.accessToken);
        const stack = this.current;
        const now = this.deps.settings().connections;
        if (stack && now.smokeballClientId === c.smokeballClientId && now.smokeballAuthUrl === c.smokeballAuthUrl) {
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
        if (this.pending === pending) this.pending = undefined;
        this.deps.logger.warn('Sign-in did not complete', { reason: (error as Error).message });
        this.deps.events.changed();
      },
    );
    if (this.deps.openExternal) await this.deps.openExternal(pending.authorizeUrl);
    return { authorizeUrl: pending.authorizeUrl };
  }

  async signOut(): Promise<{ signedOut: true }> {
    await this.stopRealtime();
    if (this.current) await this.current.tokens.clear();
    else await this.deps.secrets.delete(TOKENS_KEY);
    this.signed = false;
    this.tokensSaved = false;
    return { signedOut: true };
  }
}

/** A bookkeeping write that must not turn a handled failure into a crash (it fails too when the disk is full). */
export function quietly(log: Logger, write: () => unknown): void {
  try {
    write();
  } catch (error) {
    log.warn('Could not update the attention list', { error: errorMessageOf(error) });
  }
}
