import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Settings } from '../contract/settings.js';
import type { SyncHostView } from '../contract/view.js';
import type { Clock } from './ports.js';
import {
  createFirmCoordinator,
  MissingSecretError,
  SECRET_KEYS,
  type FirmCoordinator,
  type Logger,
  type SecretStore,
  type SyncRole,
  type UnleasedRead,
  type WriteFence,
} from '../sync/index.js';

export type SyncRoleView = SyncHostView;

export interface SyncRoleDeps {
  dataDir: string;
  settings: Settings;
  secrets: SecretStore;
  logger: Logger;
  /** This computer's name and user as other installs show them, and whether the office manager prefers it. */
  install?: { name?: string; user?: string; preferred?: boolean };
  /** Became the host (after adopting the shared ledger): start real time and runs. */
  onHost(): void;
  /** Stopped being the host: stop real time; the fence already stops every request. */
  onNotHost(): void;
  /** A standby pressed Sync now. */
  onSyncRequested?(): void;
  /** Published at every renewal for the standbys. */
  publishStatus(): unknown;
  changed(): void;
  /** The app's clock: the lease keeper times the lease by its monotonic reading. */
  clock?: Clock;
}

/**
 * Which install of the firm syncs. Every install is coordinated — through the relay when one is configured,
 * otherwise through the same lease on Case Status (docs/casestatus-api.md) — so there is no configuration
 * in which two installs of one firm both write. The install id is per data folder, so each Windows user on a
 * Remote Desktop server is an install of its own.
 */
export class SyncRoleController {
  private role: SyncRole = { kind: 'starting' };
  /** Asked for the firm's lease (set-up complete or its import started); until then neither host nor standby. */
  private joined = false;
  private firstAnswer: Promise<void> | undefined;

  private constructor(
    private readonly coordinator: FirmCoordinator,
    readonly coordinatedBy: 'relay' | 'casestatus',
    private readonly deps: SyncRoleDeps,
    /** The identity the lease keeper sends with every request: a settings change applies from the next one. */
    private readonly identity: { preferred: boolean },
  ) {}

  /** Throws when neither coordination point can be reached with what is configured (the stack must not start). */
  static async create(deps: SyncRoleDeps): Promise<SyncRoleController> {
    const c = deps.settings.connections;
    // A configured relay is the coordination point, never silently skipped: falling back to Case Status
    // while other installs use the relay would give the firm two leases.
    const by = c.relayUrl ? ('relay' as const) : ('casestatus' as const);
    const url = by === 'relay' ? c.relayUrl : c.caseStatusApiUrl;
    const token = await deps.secrets.get(by === 'relay' ? SECRET_KEYS.relayToken : SECRET_KEYS.caseStatusApiKey);
    if (!token) throw new MissingSecretError(by === 'relay' ? 'The relay token (the relay decides which PC syncs for the firm)' : 'The Case Status API key');
    const identity = {
      installId: installIdOf(deps.dataDir),
      installName: (deps.install?.name ?? hostname()).slice(0, 100) || 'this PC',
      user: (deps.install?.user ?? safeUser()).slice(0, 200) || 'unknown',
      // `serve --preferred`, or Settings → Schedule → "Prefer this PC as the sync host".
      preferred: (deps.install?.preferred ?? false) || deps.settings.preferredSyncHost,
    };
    // The coordinator reports roles to the controller that wraps it: created right after it.
    const ref: { controller?: SyncRoleController } = {};
    const coordinator = createFirmCoordinator({
      relayUrl: url,
      relayToken: token,
      identity,
      logger: deps.logger,
      publishStatus: () => deps.publishStatus(),
      onSyncRequested: () => deps.onSyncRequested?.(),
      onRole: (role) => ref.controller?.changeRole(role),
      clock: deps.clock,
    });
    ref.controller = new SyncRoleController(coordinator, by, deps, identity);
    return ref.controller;
  }

  /**
   * The keeper's fence, which also admits the reads that need no lease: the firm's name after a sign-in (part of
   * signing in, on any install), and the set-up's preview and mapping options before this install asked for the
   * lease (it is nobody's standby yet, and they write nothing).
   */
  get fence(): WriteFence {
    const keeper = this.coordinator.keeper;
    return {
      check: () => keeper.check(),
      beforeSend: () => keeper.beforeSend(),
      admitsUnleased: (read: UnleasedRead) => read === 'sign-in' || !this.joined,
    };
  }

  /** Whether this install asked for the firm's lease (see start). */
  get hasJoined(): boolean {
    return this.joined;
  }

  get isHost(): boolean {
    return this.role.kind === 'host';
  }

  /** Holds the lease but cannot take over yet because this PC cannot write its state (a full disk); else null. */
  get storageFailure(): unknown {
    return this.coordinator.keeper.storageFailure;
  }

  /** Null on the host; otherwise why this install does not sync (shown instead of starting a run). */
  get notHostReason(): string | null {
    return this.isHost ? null : this.view().message;
  }

  attach(db: Database): void {
    this.coordinator.attach(db);
  }

  /**
   * Asks for the firm's lease from now on: called once this install's set-up is complete or its import was
   * started, never before (an install in the middle of its set-up holding the lease would keep a finished
   * standby from syncing). Resolves once the first answer is in (host, standby, or why neither).
   */
  start(): Promise<void> {
    if (!this.firstAnswer) {
      this.joined = true;
      this.firstAnswer = this.coordinator.start();
    }
    return this.firstAnswer;
  }

  /** Releases the lease when held, so a standby takes over at once (app quit, settings change). */
  stop(): Promise<void> {
    return this.coordinator.stop();
  }

  /** The Settings field changed: the relay ranks this install by it from its next request (no reconnect). */
  setPreferred(preferred: boolean): void {
    this.identity.preferred = (this.deps.install?.preferred ?? false) || preferred;
  }

  /** "Make this PC the sync host". */
  makeHost(): void {
    this.coordinator.keeper.requestHost();
  }

  /** Sync now on a standby: the host runs at its next renewal (within 20 s). */
  async askHostToSync(): Promise<string> {
    // No answer yet about who syncs: say so now rather than wait for a second call to the same silent relay.
    if (this.role.kind === 'starting') return this.view().message;
    try {
      const holder = await this.coordinator.keeper.requestSync();
      return `Sync runs on ${holder.installName}; it was asked to sync now.`;
    } catch (error) {
      return `No PC is syncing for the firm right now (${(error as Error).message}).`;
    }
  }

  view(): SyncRoleView {
    const base = { coordinatedBy: this.coordinatedBy, hostStatus: null, hostStatusAt: null };
    if (!this.joined)
      return {
        ...base,
        role: 'setup',
        hostName: null,
        hostUser: null,
        message: 'Set-up not finished on this PC: it asks to sync for the firm once its import is started.',
      };
    const r = this.role;
    if (r.kind === 'host') return { ...base, role: 'host', hostName: null, hostUser: null, message: 'This PC syncs for the firm.' };
    if (r.kind === 'standby') {
      if (!r.holder) return { ...base, role: 'standby', hostName: null, hostUser: null, message: 'Another PC is taking over syncing for the firm.' };
      return {
        ...base,
        role: 'standby',
        hostName: r.holder.installName,
        hostUser: r.holder.user,
        message: `Sync runs on ${r.holder.installName} (signed in as ${r.holder.user}).`,
        hostStatus: r.status,
        hostStatusAt: r.statusAt === null ? null : new Date(r.statusAt).toISOString(),
      };
    }
    if (r.kind === 'starting') return { ...base, role: 'starting', hostName: null, hostUser: null, message: 'Finding out which PC syncs for the firm…' };
    return { ...base, role: 'unknown', hostName: null, hostUser: null, message: `Not syncing: ${r.reason}` };
  }

  private changeRole(role: SyncRole): void {
    const wasHost = this.isHost;
    this.role = role;
    if (role.kind === 'host' && !wasHost) this.deps.onHost();
    else if (role.kind !== 'host' && wasHost) this.deps.onNotHost();
    this.deps.changed();
  }
}

/** Random per data folder, kept in it: the same install after a restart, a new one for another user. */
function installIdOf(dataDir: string): string {
  const file = join(dataDir, 'install-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9-]{8,100}$/.test(id)) return id;
  }
  const id = randomUUID();
  writeFileSync(file, id, { mode: 0o600 });
  return id;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
