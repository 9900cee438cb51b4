/**
 * Is an event's version older than what was already applied? Smokeball stamps MatterStages with
 * `lastUpdated` and matters with `versionId`, both .NET ticks. An event that is not newer than the applied
 * version is a duplicate or a late copy, and can be dropped without asking Smokeball again.
 *
 * Ticks (~6.4e17) exceed 2^53. The relay client keeps 16+ digit numbers exact (as strings), but a relay or
 * proxy that re-encoded the body may have rounded them to a double (off by up to 64 ticks). Such an
 * inexact value only counts as older when it is clearly older; otherwise the event is re-read, which is
 * always safe: the engine's own guard then decides on the exact values read from Smokeball.
 */
export interface Ticks {
  value: bigint;
  /** False when the value came through a JSON double and may be rounded. */
  exact: boolean;
}

/** Rounding of a double near 6.4e17 is at most 64 ticks; 1,024 ticks (0.1 ms) is a safe margin. */
const INEXACT_SLACK = 1024n;

export function readTicks(v: unknown): Ticks | undefined {
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return { value: BigInt(v), exact: true };
  if (typeof v === 'bigint' && v >= 0n) return { value: v, exact: true };
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return { value: BigInt(v), exact: Number.isSafeInteger(v) };
  return undefined;
}

/** The newer of two hints; unknown (undefined) wins, because an unversioned hint must be re-read. */
export function newerTicks(a: Ticks | undefined, b: Ticks | undefined): Ticks | undefined {
  if (!a || !b) return undefined;
  if (a.value === b.value) return { value: a.value, exact: a.exact && b.exact };
  return a.value > b.value ? a : b;
}

/** True when `hint` is certainly not newer than the applied version (ticks as a decimal string). */
export function isAlreadyApplied(hint: Ticks | undefined, applied: string | null | undefined): boolean {
  if (!hint || !applied || !/^\d{1,20}$/.test(applied)) return false;
  const a = BigInt(applied);
  return hint.exact ? hint.value <= a : hint.value + INEXACT_SLACK < a;
}
