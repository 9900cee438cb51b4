import type { CommandResults } from '../contract/commands.js';
import type { AttentionItem, AttentionKind } from '../store/attention.js';
import type { RunRequest, RunStart } from './run-coordinator.js';

/** What pressing Retry or Confirm on an item can do. */
export interface AttentionActions {
  signIn(): Promise<unknown>;
  retryWriteback(subjectId: string): void;
  restartRealtime(): Promise<void>;
  startRun(kind: RunRequest, matterIds?: string[]): Promise<RunStart>;
  /** The mass-change guard's question answered: send the held changes (true) or apply them without texting. */
  answerHeld(send: boolean): RunStart;
}

/** Attention kinds a full reconcile re-checks (it resolves them when the problem is gone). */
const RECONCILE_FIXES = new Set<AttentionKind>(['unmapped_stage', 'unmapped_practice_area', 'client_without_cell_phone', 'writeback_waiting']);

/** Retry does what fixes the item: sign-in, the outbox item, a reconnect, a re-read of one matter or a full pass. */
export async function retryAttentionItem(item: AttentionItem | undefined, act: AttentionActions): Promise<CommandResults['retryAttention']> {
  if (!item) return { retried: false, message: 'That item is already resolved.' };
  const started = (r: RunStart, message: string) => ({ retried: r.started, message: r.started ? message : (r.reason ?? '') });
  switch (item.kind) {
    case 'auth_required':
    case 'sign_in_lapsing':
      await act.signIn();
      return { retried: true, message: 'Finish signing in to Smokeball in your browser.' };
    case 'message_failed':
    case 'document_failed':
      act.retryWriteback(item.subjectId);
      return { retried: true, message: 'Trying again.' };
    case 'realtime_off':
      await act.restartRealtime();
      return { retried: true, message: 'Reconnecting real-time updates.' };
    case 'sync_failed':
      return started(await act.startRun('sync'), 'Syncing again.');
    case 'matter_failed':
      return started(await act.startRun('refresh', [item.subjectId]), 'Syncing that matter again.');
    default:
      if (!RECONCILE_FIXES.has(item.kind)) return { retried: false, message: 'This item cannot be retried.' };
      // A full pass re-maps every matter with the current settings and resolves the items that are fixed.
      return started(await act.startRun('reconcile'), 'Checking every matter again with the current settings.');
  }
}

/** Confirm approves what the sync refused to do on its own: a blocked mass closure, or many clients texted at once. */
export async function confirmAttentionItem(
  item: AttentionItem | undefined,
  act: Pick<AttentionActions, 'startRun' | 'answerHeld'>,
): Promise<CommandResults['confirmAttention']> {
  if (item?.kind === 'mass_change_held') {
    const r = act.answerHeld(true);
    return { confirmed: r.started, message: r.started ? 'Sending those updates to clients now.' : (r.reason ?? '') };
  }
  if (!item || item.kind !== 'mass_closure_blocked') return { confirmed: false, message: 'Nothing to confirm.' };
  const r = await act.startRun('reconcile_confirmed');
  return { confirmed: r.started, message: r.started ? 'Closing those cases now.' : (r.reason ?? '') };
}

/**
 * Retry on a whole group: what fixes the kind, once. One reconcile re-maps every matter, one sign-in renews the
 * grant, one refresh re-reads every failed matter; messages and documents are each tried again.
 */
export async function retryAttentionGroup(items: AttentionItem[], act: AttentionActions): Promise<CommandResults['retryAttentionGroup']> {
  const first = items[0];
  if (!first) return { retried: false, message: 'Those items are already resolved.' };
  switch (first.kind) {
    case 'message_failed':
    case 'document_failed':
      for (const item of items) act.retryWriteback(item.subjectId);
      return { retried: true, message: `Trying ${items.length} again.` };
    case 'matter_failed': {
      const r = await act.startRun(
        'refresh',
        items.map((i) => i.subjectId),
      );
      return { retried: r.started, message: r.started ? `Syncing ${items.length} matters again.` : (r.reason ?? '') };
    }
    default:
      return retryAttentionItem(first, act);
  }
}
