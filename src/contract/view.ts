import type { Settings } from './settings.js';

/**
 * What the window draws: one value, pushed whenever it changes. Plain data (structured-clone and JSON safe), so the
 * same shape crosses Electron IPC and the headless host's WebSocket.
 */
export type SyncPhase = 'idle' | 'preparing' | 'importing' | 'reconciling' | 'incremental' | 'paused' | 'error' | 'signed_out' | 'offline';

export interface ResourceProgressView {
  done: number;
  total: number | null;
}

export interface SyncStatusView {
  phase: SyncPhase;
  runKind: string | null;
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

export interface AttentionView {
  id: number;
  kind: string;
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
}

export interface ActivityView {
  id: number;
  at: string;
  kind: string;
  matterId: string | null;
  summary: string;
  link: string | null;
}

export interface RunView {
  id: number;
  kind: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  error: string | null;
}

export interface ConnectionsView {
  smokeball: { signedIn: boolean; apiKeySet: boolean; clientIdSet: boolean; signInPending: boolean };
  caseStatus: { apiKeySet: boolean };
  relay: { configured: boolean; tokenSet: boolean };
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
  activity: ActivityView[];
  recentRuns: RunView[];
  settings: Settings;
  /** A problem with the set-up itself (missing key, sign-in needed), in words for staff. */
  setupProblem: string | null;
}

/** Everything needed to edit the stage mapping: Case Status stages per practice area and the Smokeball stages seen. */
export interface MappingOptions {
  practiceAreas: Array<{ name: string; stages: string[] }>;
  smokeballStages: Array<{ id: string; name: string; practiceArea: string | null; mappedTo: string | null | undefined; unmapped: boolean }>;
}
