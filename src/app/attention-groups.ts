import type { AttentionGroupView, AttentionKind, AttentionView } from '../contract/view.js';

/**
 * Kinds only a person can clear (map a stage or matter type, confirm or refuse closures, sign in, free disk
 * space), most urgent first: what stops syncing altogether, then what stops a case.
 */
const DECISION_KINDS: AttentionKind[] = [
  'disk_full',
  'storage_unwritable',
  'auth_required',
  'sign_in_lapsing',
  'mass_closure_blocked',
  'mass_change_held',
  'unmapped_stage',
  'unmapped_practice_area',
];

/** The rest, most urgent first: what stops a case, then what only limits one. */
const OTHER_KINDS: AttentionKind[] = [
  'sync_failed',
  'matter_failed',
  'message_failed',
  'document_failed',
  'writeback_waiting',
  'realtime_off',
  'unsafe_content',
  'client_without_cell_phone',
];

const NEEDS_DECISION = new Set(DECISION_KINDS);
const KIND_ORDER = [...DECISION_KINDS, ...OTHER_KINDS];

const rank = (kind: AttentionKind) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);

/**
 * One row per kind: decisions first, then by urgency. `counts` are the store's open counts per kind (the item
 * list is capped); a kind held only in memory (the data folder's problem) counts its listed items.
 */
export function groupAttention(items: AttentionView[], counts: Record<string, number>): AttentionGroupView[] {
  const byKind = new Map<AttentionKind, AttentionView[]>();
  for (const item of items) byKind.set(item.kind, [...(byKind.get(item.kind) ?? []), item]);
  const groups: AttentionGroupView[] = [];
  for (const [kind, listed] of byKind) {
    const first = listed[0]!;
    groups.push({
      kind,
      count: Math.max(listed.length, counts[kind] ?? 0),
      needsDecision: NEEDS_DECISION.has(kind),
      first,
      retryable: first.retryable,
      // Confirming approves one specific refusal: offered only when the group is that one item.
      confirmable: first.confirmable && listed.length === 1,
      dismissable: first.dismissable,
    });
  }
  return groups.sort((a, b) => Number(b.needsDecision) - Number(a.needsDecision) || rank(a.kind) - rank(b.kind));
}
