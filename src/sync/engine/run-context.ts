import type { MappingProblem } from '../mapping.js';
import { unreadableSubject } from '../smokeball/record-check.js';
import type { RunKind } from '../../store/index.js';
import { emptyCounts, type SyncCounts } from '../status.js';
import { systemClock, type Clock } from '../../shared/clock.js';

/** What one run accumulates: counts, problems seen (deduplicated), and the newest change seen per resource. */
export class RunContext {
  readonly counts: SyncCounts = emptyCounts();
  readonly problems = new Map<string, MappingProblem>();
  /** Monotonic (the clock's `monotonicMs`), like `firstCaseAtMs`: they time the run. */
  readonly startedAtMs: number;
  firstCaseAtMs: number | null = null;
  maxMatterVersion: string | null = null;
  maxStageUpdated: string | null = null;
  maxContactUpdated: string | null = null;

  constructor(
    readonly runId: number,
    readonly kind: RunKind,
    readonly clock: Clock = systemClock,
  ) {
    this.startedAtMs = clock.monotonicMs();
  }

  addProblem(p: MappingProblem): void {
    const subject =
      p.kind === 'unmapped_stage'
        ? p.stageId
        : p.kind === 'unmapped_practice_area'
          ? p.matterTypeId
          : p.kind === 'client_without_cell_phone'
            ? p.contactId
            : p.kind === 'unreadable_record'
              ? unreadableSubject(p)
              : p.matterId;
    this.problems.set(`${p.kind}:${subject}`, p);
  }

  seeMatterVersion(v: string | number | undefined | null): void {
    this.maxMatterVersion = maxTicks(this.maxMatterVersion, v);
  }
  seeStageUpdated(v: string | number | undefined | null): void {
    this.maxStageUpdated = maxTicks(this.maxStageUpdated, v);
  }
  seeContactUpdated(v: string | number | undefined | null): void {
    this.maxContactUpdated = maxTicks(this.maxContactUpdated, v);
  }
}

export function maxTicks(a: string | null, b: string | number | undefined | null): string | null {
  if (b === undefined || b === null || !/^\d+$/.test(String(b))) return a;
  if (a === null) return String(b);
  return BigInt(b) > BigInt(a) ? String(b) : a;
}
