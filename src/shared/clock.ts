/**
 * Time, injected so that code which reads it can be tested with a fake clock. One type for the app layer
 * (scheduler, run coordinator) and the engine (`src/sync`): the app passes its clock down to the stack.
 */
export interface Clock {
  /** Wall time: what is stored, shown and compared with stored times. */
  now(): Date;
  /** A monotonic reading in ms (like `performance.now()`): for durations and deadlines the wall clock must not move. */
  monotonicMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Its timers are unref'd: a pending timer alone does not keep the process alive. */
export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A clock whose wall time is `nowMs()` (a test's stepped time, a benchmark's skewed PC); the rest is `base`'s. */
export function clockWithWallTime(nowMs: () => number, base: Clock = systemClock): Clock {
  return { ...base, now: () => new Date(nowMs()) };
}
