/**
 * Max-min fair division of a rate among demands (water-filling): nobody gets more than it asked for, and
 * what a small demand leaves unused is shared equally by the larger ones. Pure; used by the relay's
 * partner budget (src/shared/budget/rules.ts).
 */
export function waterFill(capacity: number, demands: ReadonlyArray<readonly [string, number]>): Map<string, number> {
  const out = new Map<string, number>();
  const sorted = [...demands].map(([id, d]) => [id, Math.max(0, d)] as const).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  let remaining = Math.max(0, capacity);
  for (let i = 0; i < sorted.length; i++) {
    const [id, demand] = sorted[i]!;
    const share = remaining / (sorted.length - i);
    const given = Math.min(demand, share);
    out.set(id, given);
    remaining -= given;
  }
  return out;
}

/** Requests per second a host wants, by class: real-time event reads, and everything else (bulk). */
export interface ClassDemand {
  realtime: number;
  bulk: number;
}

/**
 * Real-time reads first: the capacity is water-filled among the real-time demands, and what they leave is
 * water-filled among the bulk demands (import, reconcile, history write-back). Each host's rate is the sum
 * of its two parts.
 */
export function allocateByClass(capacity: number, demands: ReadonlyMap<string, ClassDemand>): Map<string, number> {
  const realtime = waterFill(
    capacity,
    [...demands].map(([id, d]) => [id, d.realtime] as const),
  );
  const used = [...realtime.values()].reduce((a, b) => a + b, 0);
  const bulk = waterFill(
    capacity - used,
    [...demands].map(([id, d]) => [id, d.bulk] as const),
  );
  const out = new Map<string, number>();
  for (const id of demands.keys()) out.set(id, (realtime.get(id) ?? 0) + (bulk.get(id) ?? 0));
  return out;
}

/** Jain's fairness index of some amounts: 1 when all equal, 1/n when one gets everything. */
export function jainIndex(values: readonly number[]): number {
  if (values.length === 0) return 1;
  const sum = values.reduce((a, b) => a + b, 0);
  const squares = values.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (values.length * squares);
}
