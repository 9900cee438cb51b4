/**
 * The one sleep and the named backoff policies. Part of the shared leaf (`src/shared/`): imports nothing of ours,
 * so every layer (engine, relay, app, tools) may use it.
 */

/** Resolves after `ms`, or at once when `signal` aborts (a stopping loop must not wait out its backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A delay before the next try, given how many tries failed in a row. */
export type BackoffPolicy = (failures: number, random?: () => number) => number;

/**
 * Full-jitter exponential backoff (AWS): uniform in [0, min(cap, base * 2^failures)], at least base. For many
 * callers sharing one server's limit (the pacing gate), so their retries spread out as widely as possible.
 */
export function fullJitter(baseMs: number, capMs: number): BackoffPolicy {
  return (failures, random = Math.random) => {
    const ceiling = Math.min(capMs, baseMs * 2 ** failures);
    return Math.max(baseMs, Math.floor(random() * ceiling));
  };
}

/**
 * Exponential backoff with half jitter: half fixed, half random, starting at `baseMs` for the first failure. For
 * one loop per app (the relay poll), where a floor matters more than spread, yet many apps must not retry in step.
 */
export function halfJitter(baseMs: number, capMs: number): BackoffPolicy {
  return (failures, random = Math.random) => {
    const d = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
    return d / 2 + random() * (d / 2);
  };
}

/** Fixed steps, the last one repeated: for retries a person may watch (the app's "next try at 14:05"). */
export function ladder(stepsMs: readonly number[]): BackoffPolicy {
  return (failures) => stepsMs[Math.min(Math.max(0, failures), stepsMs.length - 1)] ?? 60_000;
}

/** The pacing gate's retries of a throttled or transient request. */
export const PACING_BACKOFF = { baseMs: 250, capMs: 30_000 } as const;
/** The real-time loops' retries of a failed relay poll or refresh. */
export const RELAY_BACKOFF = { baseMs: 500, capMs: 30_000 } as const;
/** The app's automatic re-runs after a failed sync: 30 s, then 2, 10 and 30 minutes. */
export const SYNC_RETRY_STEPS_MS = [30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000] as const;
