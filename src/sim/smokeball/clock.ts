import { msToTicks } from '../common/ticks.js';

/**
 * Strictly increasing .NET ticks for `lastUpdated`/`versionId`.
 *
 * Two changes in the same millisecond must still get different ticks, otherwise a client polling with
 * `UpdatedSince=<last seen>` (a strict "greater than") could miss the second one.
 */
export class TickClock {
  private last: bigint;

  constructor(floor: bigint = 0n) {
    this.last = floor;
  }

  next(): bigint {
    const now = msToTicks(Date.now());
    this.last = now > this.last ? now : this.last + 1n;
    return this.last;
  }

  /** Raises the floor (used at startup so seeded records never look newer than later changes). */
  observe(ticks: bigint): void {
    if (ticks > this.last) this.last = ticks;
  }
}
