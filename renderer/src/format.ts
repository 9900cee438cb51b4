import type { ActivityKind, AppView, AttentionKind, RunKind, SyncPhase, TrayState } from '../../src/contract/view.js';

/** Words for staff, not engine states. */

const RUNNING: ReadonlySet<SyncPhase> = new Set(['preparing', 'importing', 'reconciling', 'incremental']);

export function isRunning(phase: SyncPhase): boolean {
  return RUNNING.has(phase);
}

export function headline(view: AppView): string {
  const { phase } = view.status;
  if (!view.ready) return 'Starting…';
  // During the guided set-up nothing runs yet: "Signed out" or "Not synced yet" would read like a fault.
  if (view.setup.blockedReason && !isRunning(phase)) return 'Set-up needed';
  switch (phase) {
    case 'preparing':
      return 'Getting ready to sync…';
    case 'importing':
      return view.initialImportDone ? 'Syncing all matters…' : 'First sync in progress…';
    case 'reconciling':
      return 'Checking every matter (nightly reconcile)…';
    case 'incremental':
      return 'Syncing recent changes…';
    case 'paused':
      return 'Sync paused';
    case 'error':
      return 'The last sync failed';
    case 'signed_out':
      return 'Signed out of Smokeball';
    case 'idle':
      if (!view.initialImportDone) return 'Not synced yet';
      // Messages and documents are copied to Smokeball after the cases are synced.
      if (view.busy) return 'Copying messages and documents to Smokeball…';
      return 'Up to date';
  }
}

/** The dot's colour class: one of a handful of states, never more (too many colours stop meaning anything). */
export function dotTone(state: TrayState): 'ok' | 'busy' | 'warn' | 'bad' | 'muted' {
  switch (state) {
    case 'synced':
      return 'ok';
    case 'syncing':
      return 'busy';
    case 'attention':
      return 'warn';
    case 'signed_out':
    case 'offline':
      return 'bad';
    case 'paused':
      return 'muted';
  }
}

export function relativeTime(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return 'unknown';
  const seconds = Math.round((now - then) / 1000);
  if (seconds < -30) return `in ${duration(-seconds)}`;
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(then).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function clockTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameDay = d.toDateString() === new Date().toDateString();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${time}`;
}

export function fullTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** "about 40 s left": a rounded estimate, never a false-precision countdown. */
export function etaText(etaSeconds: number | null): string | null {
  if (etaSeconds === null || !Number.isFinite(etaSeconds)) return null;
  if (etaSeconds < 5) return 'almost done';
  const rounded = etaSeconds < 60 ? Math.ceil(etaSeconds / 5) * 5 : etaSeconds;
  return `about ${duration(rounded)} left`;
}

const numberFormat = new Intl.NumberFormat();
export function count(n: number): string {
  return numberFormat.format(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** A title for every kind of item the core can list (the Record makes a new kind without a title a type error). */
const ATTENTION_KINDS: Record<AttentionKind, string> = {
  unmapped_stage: 'Stage not mapped',
  unmapped_practice_area: 'Practice area not mapped',
  mass_closure_blocked: 'Many cases would be closed',
  mass_change_held: 'Many clients would be texted',
  matter_failed: 'Not synced',
  client_without_cell_phone: 'Client cannot be texted',
  message_failed: 'Message not written to Smokeball',
  document_failed: 'Document not copied to Smokeball',
  writeback_waiting: 'Messages waiting for their matter',
  realtime_off: 'Real-time updates are off',
  unsafe_content: 'Made safe before writing to Smokeball',
  auth_required: 'Smokeball sign-in needed',
  sign_in_lapsing: 'Smokeball sign-in lapses soon',
  sync_failed: 'Sync failed',
  disk_full: 'Disk full',
  storage_unwritable: 'Cannot save sync progress',
};

export function attentionTitle(kind: AttentionKind): string {
  return ATTENTION_KINDS[kind];
}

const ACTIVITY_KINDS: Record<ActivityKind, string> = {
  stage: 'Stage changed',
  closed: 'Case closed',
  memo: 'Memo',
  document: 'Document',
};

export function activityLabel(kind: ActivityKind): string {
  return ACTIVITY_KINDS[kind];
}

const RUN_KINDS: Record<RunKind, string> = {
  initial: 'First sync',
  incremental: 'Sync',
  reconcile: 'Nightly reconcile',
  realtime: 'Real-time update',
};

export function runLabel(kind: RunKind): string {
  return RUN_KINDS[kind];
}

/** "Smokeball budget: 0.8 req/s (shared)": this host's share of the partner-wide limit, during a sync. */
export function budgetText(budget: { ratePerSecond: number; mode: 'shared' }): string {
  const rate = budget.ratePerSecond;
  return `Smokeball budget: ${rate >= 0.1 || rate === 0 ? rate.toFixed(1) : rate.toPrecision(1)} req/s (${budget.mode})`;
}
