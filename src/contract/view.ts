import type { Settings } from './settings.js';
import type { SetupView } from './setup.js';

/**
 * What the window draws: one value, pushed whenever it changes. Plain data (structured-clone and JSON safe), so the
 * same shape crosses Electron IPC and the headless host's WebSocket.
 */
export type SyncPhase = 'idle' | 'preparing' | 'importing' | 'reconciling' | 'incremental' | 'paused' | 'error' | 'signed_out';

/**
 * Why a run failed, decided where the error is caught (by error type and code, never by message text), so the
 * app and the window act on a value instead of parsing words:
 * - `auth`: Smokeball refused the sign-in (the grant lapsed or was revoked);
 * - `disk_full`: the app's data folder is full (SQLITE_FULL, ENOSPC, EDQUOT);
 * - `unwritable`: the data folder cannot be written (read-only, I/O error, permissions);
 * - `remote`: Smokeball, Case Status or the network failed;
 * - `not_host`: this install lost (or never had) the firm's sync lease: another PC syncs;
 * - `internal`: anything else (a bug).
 */
export const FAILURE_REASONS = ['auth', 'disk_full', 'unwritable', 'remote', 'not_host', 'internal'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Kinds of run the engine records (the store's `sync_runs.kind`). */
export type RunKind = 'initial' | 'incremental' | 'reconcile' | 'realtime';

/** Attention items the sync stores (the `attention` table). */
export const STORED_ATTENTION_KINDS = [
  'unmapped_stage',
  'unmapped_practice_area',
  'client_without_cell_phone',
  'mass_closure_blocked',
  'message_failed',
  'document_failed',
  'writeback_waiting',
  'matter_failed',
  'auth_required',
  'sign_in_lapsing',
  'sync_failed',
  'realtime_off',
  // Something from Case Status was made safe before it reached Smokeball (a renamed file, a refused link).
  'unsafe_content',
  // More stage changes or closures than the mass-change guard allows: the excess waits for a person.
  'mass_change_held',
] as const;
export type StoredAttentionKind = (typeof STORED_ATTENTION_KINDS)[number];
/** Problems with the app's own data folder: held in memory (the attention table lives on that disk). */
export type StorageProblemKind = 'disk_full' | 'storage_unwritable';
/** Every kind of item the window can list. */
export type AttentionKind = StoredAttentionKind | StorageProblemKind;
export const ATTENTION_KINDS = [...STORED_ATTENTION_KINDS, 'disk_full', 'storage_unwritable'] as const satisfies readonly AttentionKind[];

/** What recent activity records: a stage change or closure sent to Case Status, a memo or document written to Smokeball. */
export type ActivityKind = 'stage' | 'closed' | 'memo' | 'document';

export interface ResourceProgressView {
  done: number;
  total: number | null;
}

export interface SyncStatusView {
  phase: SyncPhase;
  runKind: RunKind | null;
  startedAt: string | null;
  message: string;
  progress: { matters: ResourceProgressView; contacts: ResourceProgressView; stages: ResourceProgressView; cases: ResourceProgressView };
  counts: { casesCreated: number; casesUpdated: number; casesClosed: number; casesUnchanged: number; clientsWritten: number; failed: number };
  smokeballRequests: number;
  throttled: number;
  requestsPerSecond: number;
  etaSeconds: number | null;
  firstCaseAt: string | null;
  lastSyncAt: string | null;
  lastOutcome: string | null;
  /** Why the last run failed; null unless the last outcome is failed. */
  failure: FailureReason | null;
  attentionCount: number;
}

/** The tray icon's states, most urgent first when several apply. */
export type TrayState = 'signed_out' | 'attention' | 'offline' | 'paused' | 'syncing' | 'synced';

export type RealtimeStateView = 'off' | 'connecting' | 'live' | 'degraded';

export interface RealtimeView {
  state: RealtimeStateView;
  reason: string | null;
  lastEventAt: string | null;
  eventsApplied: number;
  subscription: 'ok' | 'created' | 'recreated' | 'failed' | 'unknown';
}

/**
 * One row per kind of item needing attention (issue 15: 199 "cannot be texted" items must not bury the one a
 * person must act on). Rows that need a decision come first; the items themselves are behind the row.
 */
export interface AttentionGroupView {
  kind: AttentionKind;
  /** Every open item of this kind (the view's `attention` list holds at most the first 200 items). */
  count: number;
  /** A person must do something (map, confirm, sign in, free space); the other kinds retry themselves or only inform. */
  needsDecision: boolean;
  /** The oldest open item: the row shows its reason when the group has one item. */
  first: AttentionView;
  retryable: boolean;
  confirmable: boolean;
  dismissable: boolean;
}

export interface AttentionView {
  id: number;
  kind: AttentionKind;
  subjectId: string;
  reason: string;
  firstSeen: string;
  lastSeen: string;
  occurrences: number;
  /** Retry re-runs the failed part (a matter, a message, a document, a stage after mapping it). */
  retryable: boolean;
  /** Confirm lets a person approve what the sync refused to do on its own (mass closure). */
  confirmable: boolean;
  /** False for problems the app clears itself once they are over (a full disk): there is nothing to dismiss. */
  dismissable: boolean;
  /** A refused mass closure: the cases it would close (up to 500), for the confirmation. */
  closureCases?: { number: string; title: string }[];
}

export interface ActivityView {
  id: number;
  at: string;
  kind: ActivityKind;
  matterId: string | null;
  summary: string;
  link: string | null;
}

/**
 * A stage change or closure held back before it texts a client: by the hold (sent by itself at `releaseAt`) or by
 * the mass-change guard (`releaseAt` null: it waits for a person).
 */
export interface HeldChangeView {
  matterId: string;
  matterNumber: string | null;
  matterTitle: string | null;
  kind: 'stage' | 'close';
  from: string | null;
  to: string | null;
  reason: 'hold' | 'confirm';
  heldAt: string;
  releaseAt: string | null;
}

export interface RunView {
  id: number;
  kind: RunKind;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  error: string | null;
  /** What the run did (cases created, clients written…), as stored when it finished; absent while it runs. */
  counts?: Partial<SyncStatusView['counts']>;
}

export interface ConnectionsView {
  smokeball: { signedIn: boolean; apiKeySet: boolean; clientIdSet: boolean; signInPending: boolean };
  caseStatus: { apiKeySet: boolean };
  relay: { configured: boolean; tokenSet: boolean };
  /** The proxy password is in the keychain (Settings → Network). */
  proxy?: { passwordSet: boolean };
}

export interface AppView {
  version: string;
  /** Which host draws the window: the tray app or the headless host in a browser. */
  host: 'electron' | 'headless';
  ready: boolean;
  /** A sync or the message/document write-back is running (the status phase covers only the case sync). */
  busy: boolean;
  tray: { state: TrayState; tooltip: string };
  status: SyncStatusView;
  pausedUntil: string | null;
  initialImportDone: boolean;
  nextNightlyAt: string | null;
  realtime: RealtimeView;
  connections: ConnectionsView;
  attention: AttentionView[];
  /** `attention` grouped by kind, with each kind's full count; decisions first. */
  attentionGroups: AttentionGroupView[];
  activity: ActivityView[];
  /** Held stage changes and closures, soonest release first (absent from hosts that predate the hold). */
  held?: HeldChangeView[];
  recentRuns: RunView[];
  settings: Settings;
  /** A problem with the set-up itself (missing key, sign-in needed), in words for staff. */
  setupProblem: string | null;
  /** Which install of the firm syncs (one per firm); null before the sync stack exists. */
  syncHost?: SyncHostView | null;
  /** The guided set-up: the window shows the wizard until it is complete. */
  setup: SetupView;
  /** This host's share of a partner-wide Smokeball budget (relay in shared mode); null otherwise. */
  smokeballBudget?: SmokeballBudgetView | null;
}

/** "Smokeball budget: 0.8 req/s (shared)": the rate lease in force (or its floor while the relay is unreachable). */
export interface SmokeballBudgetView {
  ratePerSecond: number;
  mode: 'shared';
}

/** One install of a firm syncs (the host); the others stand by and show what the host published. */
export interface SyncHostView {
  /** `setup`: this install's set-up is not finished, so it has not asked to sync for the firm yet. */
  role: 'host' | 'standby' | 'starting' | 'unknown' | 'setup';
  hostName: string | null;
  hostUser: string | null;
  /** "Sync runs on FRONTDESK-PC (signed in as anna)", or why nobody syncs. */
  message: string;
  /** The host's published status (last sync, progress, attention count, recent activity). */
  hostStatus: unknown;
  hostStatusAt: string | null;
  coordinatedBy: 'relay' | 'casestatus';
}

/** Everything needed to edit the stage mapping: Case Status stages per practice area and the Smokeball stages seen. */
export interface MappingOptions {
  practiceAreas: Array<{ name: string; stages: string[] }>;
  smokeballStages: Array<{ id: string; name: string; practiceArea: string | null; mappedTo: string | null | undefined; unmapped: boolean }>;
}
