/**
 * .NET ticks: 100 ns intervals since 0001-01-01 UTC. Smokeball uses them for `UpdatedSince`,
 * `lastUpdated`, matter `versionId` and webhook `timestamp`.
 * Values exceed 2^53, so they travel as bigint internally and as decimal strings/JSON numbers on the wire.
 */
const EPOCH_OFFSET_TICKS = 621_355_968_000_000_000n;

export function msToTicks(unixMs: number): bigint {
  return BigInt(Math.trunc(unixMs)) * 10_000n + EPOCH_OFFSET_TICKS;
}

export function ticksToMs(ticks: bigint | string | number): number {
  const t = typeof ticks === 'bigint' ? ticks : BigInt(ticks);
  return Number((t - EPOCH_OFFSET_TICKS) / 10_000n);
}

/** Parses a ticks query value; returns undefined for anything that is not a non-negative integer. */
export function parseTicks(value: unknown): bigint | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  if (!/^\d{1,20}$/.test(s)) return undefined;
  return BigInt(s);
}
