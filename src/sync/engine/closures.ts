import type { MatterLink } from '../../store/index.js';
import type { SyncConfig } from '../config.js';

/**
 * Which linked cases a complete scan would close, and whether the mass-closure guard refuses that without a
 * person's confirmation. Shared by the reconcile and the dry-run preview, so the preview names the same cases.
 */
export interface ClosurePlan {
  /** Linked cases still open in Case Status. */
  open: MatterLink[];
  /** Open cases whose matter was not among the eligible ones listed (re-read before anything is closed). */
  candidates: MatterLink[];
  /** More than the threshold share of cases: nothing is closed until a person confirms. */
  needsConfirmation: boolean;
}

export function planClosures(links: Iterable<MatterLink>, seen: ReadonlySet<string>, config: Pick<SyncConfig, 'massClosureThreshold'>): ClosurePlan {
  const open = [...links].filter((l) => l.status !== 'Closed');
  const candidates = open.filter((l) => !seen.has(l.matterId));
  const needsConfirmation = candidates.length > Math.max(1, config.massClosureThreshold * open.length);
  return { open, candidates, needsConfirmation };
}
