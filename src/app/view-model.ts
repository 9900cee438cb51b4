import type { Settings } from '../contract/settings.js';
import type { SetupView } from '../contract/setup.js';
import type { ActivityView, AppView, AttentionView, ConnectionsView, HeldChangeView, RealtimeView, RunView, SyncStatusView } from '../contract/view.js';
import { initialStatus } from '../sync/index.js';
import type { AttentionItem, AttentionKind } from '../store/attention.js';
import type { StorageProblem } from './storage-problem.js';
import { deriveTray } from './tray-state.js';
import { groupAttention } from './attention-groups.js';

/**
 * Everything the window's view is made from, as plain values. The app core gathers them from its parts (connection
 * manager, run coordinator, store); `buildView` turns them into the one `AppView`. Pure, like `tray-state.ts`, so
 * every combination can be unit-tested without a sync stack.
 */
export interface ViewInputs {
  version: string;
  host: AppView['host'];
  ready: boolean;
  /** A run or the write-back is in progress. */
  busy: boolean;
  /** The engine's status; null while there is no sync stack. */
  engineStatus: SyncStatusView | null;
  setupProblem: string | null;
  signedIn: boolean;
  signInPending: boolean;
  /** When a pause ends; null when not paused (an expired pause counts as not paused). */
  pausedUntil: Date | null;
  now: Date;
  storageProblem: StorageProblem | null;
  dataDir: string;
  attention: AttentionItem[];
  /** Open items per kind in the store (the `attention` list is capped; a group shows its whole count). */
  attentionCounts?: Record<string, number>;
  activity: ActivityView[];
  /** Held stage changes and closures (empty without a sync stack). */
  held?: HeldChangeView[];
  runs: RunView[];
  /** The running real-time loop's status; null when it is not running. */
  realtime: RealtimeView | null;
  realtimeProblem: string | null;
  settings: Settings;
  /** Which secrets are set, as last read from the keychain. */
  secretsSet: { smokeballApiKey: boolean; caseStatusApiKey: boolean; relayToken: boolean; proxyPassword?: boolean };
  initialImportDone: boolean;
  nextNightlyAt: Date | null;
  /** Which install of the firm syncs (src/app/sync-role.ts). */
  syncHost?: AppView['syncHost'];
  /** The guided set-up (src/app/setup-state.ts). */
  setup: SetupView;
  /** The share of the partner budget in force (src/app/budget-follow.ts). */
  smokeballBudget?: AppView['smokeballBudget'];
  /** A Smokeball client id is in use (the build's, or one set under Advanced); default: the setting's. */
  clientIdSet?: boolean;
}

export function buildView(i: ViewInputs): AppView {
  const hasStack = i.engineStatus !== null;
  const status: SyncStatusView = i.engineStatus ? { ...i.engineStatus } : { ...initialStatus(), phase: 'signed_out', message: i.setupProblem ?? 'Not set up' };
  const paused = i.pausedUntil !== null && i.pausedUntil.getTime() > i.now.getTime();
  if (paused && status.phase === 'idle') status.phase = 'paused';
  const attention: AttentionView[] = [...storageAttention(i), ...i.attention.map(attentionView)];
  const realtime = realtimeView(i);
  const setupProblem = i.setupProblem ?? (i.signedIn ? null : hasStack ? 'Sign in to Smokeball to start syncing.' : null);
  const pausedUntil = paused ? i.pausedUntil!.toISOString() : null;
  return {
    version: i.version,
    host: i.host,
    ready: i.ready,
    busy: i.busy,
    tray: deriveTray({
      setupNeeded: i.setup.blockedReason,
      setupProblem,
      signedIn: i.signedIn,
      status,
      pausedUntil: i.pausedUntil?.toISOString() ?? null,
      attention,
      realtime,
      now: i.now,
    }),
    status,
    pausedUntil,
    initialImportDone: i.initialImportDone,
    nextNightlyAt: i.nextNightlyAt?.toISOString() ?? null,
    realtime,
    connections: connectionsView(i),
    attention,
    attentionGroups: groupAttention(attention, i.attentionCounts ?? {}),
    activity: i.activity,
    held: i.held ?? [],
    recentRuns: i.runs.map((r) => ({
      id: r.id,
      kind: r.kind,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      outcome: r.outcome,
      error: r.error,
      counts: r.counts,
    })),
    settings: i.settings,
    setupProblem,
    syncHost: i.syncHost ?? null,
    setup: i.setup,
    smokeballBudget: i.smokeballBudget ?? null,
  };
}

function connectionsView(i: ViewInputs): ConnectionsView {
  const c = i.settings.connections;
  return {
    smokeball: {
      signedIn: i.signedIn,
      apiKeySet: i.secretsSet.smokeballApiKey,
      clientIdSet: i.clientIdSet ?? c.smokeballClientId !== '',
      signInPending: i.signInPending,
    },
    caseStatus: { apiKeySet: i.secretsSet.caseStatusApiKey },
    relay: { configured: c.relayUrl !== '', tokenSet: i.secretsSet.relayToken },
    proxy: { passwordSet: i.secretsSet.proxyPassword ?? false },
  };
}

function realtimeView(i: ViewInputs): RealtimeView {
  if (i.realtime) return { ...i.realtime };
  const reason =
    i.realtimeProblem ??
    (i.settings.connections.relayUrl === '' ? 'No relay is configured: changes arrive with Sync now and the nightly sync.' : 'Not connected');
  return { state: 'off', reason, lastEventAt: null, eventsApplied: 0, subscription: 'unknown' };
}

/** The state-folder problem as an attention item (id 0: it is not stored, so it cannot be dismissed; it clears itself). */
function storageAttention(i: ViewInputs): AttentionView[] {
  const p = i.storageProblem;
  if (!p) return [];
  const now = i.now.toISOString();
  return [
    {
      id: 0,
      kind: p.kind,
      subjectId: i.dataDir,
      reason: p.reason,
      firstSeen: now,
      lastSeen: now,
      occurrences: 1,
      retryable: false,
      confirmable: false,
      dismissable: false,
    },
  ];
}

/** What the sync refused to do on its own until a person confirms: a mass closure, or many clients texted at once. */
const CONFIRMABLE = new Set<string>(['mass_closure_blocked', 'mass_change_held']);

/**
 * Items that Retry cannot fix, so no Retry button (nor on the confirmable ones): a missing cell phone is fixed in
 * the client's record, and unsafe content was already made safe (renamed or left out) when it was written.
 */
const NOT_RETRYABLE: ReadonlySet<AttentionKind> = new Set<AttentionKind>(['client_without_cell_phone', 'unsafe_content']);

export function attentionView(a: AttentionItem): AttentionView {
  return {
    id: a.id,
    kind: a.kind,
    subjectId: a.subjectId,
    reason: a.reason,
    firstSeen: a.firstSeen,
    lastSeen: a.lastSeen,
    occurrences: a.occurrences,
    retryable: !NOT_RETRYABLE.has(a.kind) && !CONFIRMABLE.has(a.kind),
    confirmable: CONFIRMABLE.has(a.kind),
    dismissable: true,
    ...(a.kind === 'mass_closure_blocked' ? { closureCases: closureCasesOf(a.details) } : {}),
  };
}

/** The cases a refused mass closure names in its details (engine.ts); anything malformed is left out, not shown half. */
function closureCasesOf(details: Record<string, unknown>): { number: string; title: string }[] {
  const cases = Array.isArray(details.cases) ? (details.cases as unknown[]) : [];
  return cases.flatMap((c) => {
    const r = c as { matterNumber?: unknown; title?: unknown } | null;
    return r && typeof r === 'object'
      ? [{ number: typeof r.matterNumber === 'string' ? r.matterNumber : '', title: typeof r.title === 'string' ? r.title : '' }]
      : [];
  });
}
