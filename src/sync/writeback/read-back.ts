import { sleep } from '../../shared/async.js';

/**
 * Smokeball applies writes later than it accepts them (202 now, visible after a delay it does not state).
 * Reading back whether a write landed therefore means polling with backoff, up to a bound that must exceed
 * that delay, before concluding "not applied".
 */
export interface ReadBackOptions {
  /** Give up (answer "not there") after this long. */
  timeoutMs: number;
  /** First wait before the first look, then doubling up to `maxIntervalMs`. */
  initialDelayMs?: number;
  maxIntervalMs?: number;
  /** The wait between the first two looks, doubling from there. Tests against a simulator with a short write delay set it low. */
  intervalMs?: number;
}

export const DEFAULT_READ_BACK: Required<ReadBackOptions> = { timeoutMs: 20_000, initialDelayMs: 0, maxIntervalMs: 2_000, intervalMs: 250 };

/** Calls `probe` until it returns a value (not undefined) or the bound passes; undefined means "never seen". */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: ReadBackOptions): Promise<T | undefined> {
  const o = { ...DEFAULT_READ_BACK, ...options };
  const deadline = performance.now() + o.timeoutMs;
  let wait = Math.max(0, o.initialDelayMs);
  let interval = o.intervalMs;
  for (;;) {
    if (wait > 0) await sleep(Math.min(wait, Math.max(0, deadline - performance.now())));
    const found = await probe();
    if (found !== undefined) return found;
    if (performance.now() >= deadline) return undefined;
    wait = interval;
    interval = Math.min(o.maxIntervalMs, interval * 2);
  }
}
