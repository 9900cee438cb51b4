import type { AttentionView, RealtimeView, SyncStatusView, TrayState } from '../contract/view.js';

/** Attention kinds that are information, not a problem with the sync: they do not turn the tray icon amber. */
const INFORMATIONAL_KINDS = new Set(['client_without_cell_phone', 'unsafe_content']);

export const isBlockingAttention = (kind: string): boolean => !INFORMATIONAL_KINDS.has(kind);

export interface TrayInputs {
  /** Why runs are held back by the guided set-up; the tray then says "Set-up needed". */
  setupNeeded?: string | null;
  setupProblem: string | null;
  signedIn: boolean;
  status: SyncStatusView;
  pausedUntil: string | null;
  attention: Pick<AttentionView, 'kind'>[];
  realtime: Pick<RealtimeView, 'state'>;
  now: Date;
}

const RUNNING = new Set(['preparing', 'importing', 'reconciling', 'incremental']);

/**
 * The tray icon and tooltip from the app's state, most urgent first: signed out, needs attention, offline,
 * paused, syncing, synced. Pure, so every combination is unit-tested.
 */
export function deriveTray(input: TrayInputs): { state: TrayState; tooltip: string } {
  const last = input.status.lastSyncAt ? `Last sync ${formatTime(input.status.lastSyncAt, input.now)}` : 'Not synced yet';
  const state = trayState(input);
  const blocking = input.attention.filter((a) => isBlockingAttention(a.kind)).length;
  const headline: Record<TrayState, string> = {
    signed_out: input.setupNeeded ? 'Set-up needed' : (input.setupProblem ?? 'Signed out of Smokeball'),
    attention: `${blocking} item${blocking === 1 ? '' : 's'} need${blocking === 1 ? 's' : ''} attention`,
    offline: 'Offline: cannot reach Smokeball or Case Status',
    paused: input.pausedUntil ? `Paused until ${formatTime(input.pausedUntil, input.now)}` : 'Paused',
    syncing: input.status.phase === 'importing' ? 'Importing matters…' : 'Syncing…',
    synced: input.realtime.state === 'live' ? 'Up to date (real-time on)' : 'Up to date',
  };
  return { state, tooltip: `Case Status Sync — ${headline[state]} · ${last}` };
}

function trayState(input: TrayInputs): TrayState {
  // The grey icon: nothing syncs until the set-up (or the sign-in) is done.
  if (input.setupNeeded || input.setupProblem || !input.signedIn || input.status.phase === 'signed_out') return 'signed_out';
  if (input.attention.some((a) => isBlockingAttention(a.kind))) return 'attention';
  if (input.status.phase === 'error' && input.status.lastOutcome === 'failed') return 'offline';
  if (input.pausedUntil && Date.parse(input.pausedUntil) > input.now.getTime()) return 'paused';
  if (RUNNING.has(input.status.phase)) return 'syncing';
  return 'synced';
}

/** "14:05" today, "Tue 14:05" within a week, else the date. */
export function formatTime(iso: string, now: Date): string {
  const d = new Date(iso);
  const hm = d.toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit', hour12: false });
  if (d.toDateString() === now.toDateString()) return hm;
  if (Math.abs(now.getTime() - d.getTime()) < 6 * 86_400_000) return `${d.toLocaleDateString('en-US', { weekday: 'short' })} ${hm}`;
  return `${d.toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' })} ${hm}`;
}
