import type { Settings } from '../../../src/contract/settings.js';

export type MatterFilter = Settings['matterFilter'];
export type MatterStatus = MatterFilter['statuses'][number];

/** The statuses staff may choose, in the order both Settings → Matters and set-up step 4 list them. */
export const MATTER_STATUSES: readonly MatterStatus[] = ['Open', 'Pending', 'Closed', 'Cancelled', 'Deleted'];

/** The chosen statuses after one box was ticked or cleared, kept in MATTER_STATUSES order. */
export function toggleStatus(statuses: readonly MatterStatus[], status: MatterStatus, on: boolean): MatterStatus[] {
  const next = on ? [...statuses, status] : statuses.filter((s) => s !== status);
  return MATTER_STATUSES.filter((s) => next.includes(s));
}

/**
 * The matter type ids to save when `ticked` of `all` types are chosen. Every type ticked saves no list at all ("every
 * matter type"), so a type the firm adds later syncs too.
 */
export function matterTypeIdsFor(ticked: ReadonlySet<string>, all: readonly string[]): string[] {
  return all.every((id) => ticked.has(id)) ? [] : all.filter((id) => ticked.has(id));
}
