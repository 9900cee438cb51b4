import type { RunSummary } from '../sync/index.js';

/** Problems that stop a matter from syncing at all (an unmapped stage still syncs the case, without the stage). */
const BLOCKING = new Set(['unmapped_practice_area', 'unreadable_record']);

/**
 * Why `sync` must exit non-zero although the run itself finished: it synced no matter while some were refused or
 * could not be mapped (every matter type without a practice area, say). One line; null when something synced, or
 * when there was simply nothing to do.
 */
export function nothingSyncedReason(summary: Pick<RunSummary, 'counts' | 'problems'>): string | null {
  const c = summary.counts;
  const synced = c.casesCreated + c.casesUpdated + c.casesUnchanged + c.casesClosed;
  const blocking = summary.problems.filter((p) => BLOCKING.has(p.kind));
  if (synced > 0 || (c.failed === 0 && blocking.length === 0)) return null;
  const parts: string[] = [];
  if (c.failed > 0) parts.push(`${c.failed} refused`);
  const types = blocking.filter((p) => p.kind === 'unmapped_practice_area').map((p) => (p.kind === 'unmapped_practice_area' ? p.matterTypeName : ''));
  if (types.length > 0)
    parts.push(
      `${types.length} matter type${types.length === 1 ? '' : 's'} without a Case Status practice area (${types.slice(0, 3).join(', ')}${types.length > 3 ? ', …' : ''})`,
    );
  const unreadable = blocking.length - types.length;
  if (unreadable > 0) parts.push(`${unreadable} unreadable record${unreadable === 1 ? '' : 's'}`);
  return `No matter could be synced: ${parts.join('; ')}. Map the practice areas (sync.practiceAreaMapping) or see the attention list.`;
}
