import { describe, expect, it } from 'vitest';
import { PacingGate, type FailureClass } from '../../src/sync/pacing/gate.js';
import { SlidingWindowLimiter } from '../../src/sync/pacing/sliding-window.js';

class Throttled extends Error {
  constructor(readonly retryAfterMs?: number) {
    super('429');
  }
}
class Transient extends Error {}

const classify = (e: unknown): FailureClass =>
  e instanceof Throttled ? { kind: 'throttled', retryAfterMs: e.retryAfterMs } : e instanceof Transient ? { kind: 'transient' } : { kind: 'fatal' };

function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

describe('sliding window limiter', () => {
  it('never lets more than cap starts into any window', async () => {
    const limiter = new SlidingWindowLimiter(4, 200);
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 14 }, () =>
        limiter.acquire().then((started) => {
          started();
          starts.push(performance.now());
        }),
      ),
    );
    expect(starts).toHaveLength(14);
    expect(maxInWindow(starts, 199)).toBeLessThanOrEqual(4);
    // and it does not crawl: 14 starts at 4 per 200 ms, 50 ms apart, take 650 ms
    expect((starts.at(-1) as number) - (starts[0] as number)).toBeLessThan(1200);
  });

  it('spaces starts a window over cap apart, from each start’s real send, so a burst never empties the server’s bucket', async () => {
    const limiter = new SlidingWindowLimiter(5, 1000);
    const sends: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        limiter.acquire().then(async (started) => {
          // The third request leaves 120 ms after its grant (a busy event loop): the next ones keep their distance from it.
          if (i === 2) await new Promise((r) => setTimeout(r, 120));
          started();
          sends.push(performance.now());
        }),
      ),
    );
    const gaps = sends.slice(1).map((t, i) => t - sends[i]!);
    // 200 ms at 5 per second; a timer may fire up to a millisecond early against performance.now().
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(199);
  });

  it('holds every start until a block ends', async () => {
    const limiter = new SlidingWindowLimiter(10, 1000);
    const t0 = performance.now();
    limiter.blockUntil(t0 + 150);
    await limiter.acquire();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
  });
});

describe('pacing gate', () => {
  it('keeps starts under the rate in every second and in-flight calls under the burst', async () => {
    const gate = new PacingGate({ name: 't', ratePerSecond: 10, burst: 3, classify, windowMarginMs: 0 });
    const starts: number[] = [];
    let inFlight = 0;
    let peakInFlight = 0;
    await Promise.all(
      Array.from({ length: 25 }, () =>
        gate.run(
          async () => {
            starts.push(performance.now());
            inFlight++;
            peakInFlight = Math.max(peakInFlight, inFlight);
            // Longer than three starts' spacing (100 ms at 10/s), so three are in flight at once.
            await new Promise((r) => setTimeout(r, 350));
            inFlight--;
          },
          { idempotent: true },
        ),
      ),
    );
    expect(maxInWindow(starts, 999)).toBeLessThanOrEqual(10);
    expect(peakInFlight).toBeLessThanOrEqual(3);
    expect(peakInFlight).toBe(3); // latency does not serialise calls
    expect(gate.metrics.sent).toBe(25);
  });

  it('on 429 backs off for everyone, halves its rate, retries and recovers', async () => {
    const gate = new PacingGate({ name: 't', ratePerSecond: 8, burst: 4, classify, recoveryIntervalMs: 50, random: () => 0.5 });
    let calls = 0;
    const t0 = performance.now();
    const results = await Promise.all(
      // Few enough that the successes after the hold (each a recovery step) do not bring the rate all the way back.
      Array.from({ length: 4 }, (_, i) =>
        gate.run(
          async () => {
            calls++;
            if (calls === 2) throw new Throttled(300);
            return i;
          },
          { idempotent: false }, // a 429 was not processed: safe to resend even for a create
        ),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3]);
    expect(gate.metrics.throttled).toBe(1);
    expect(gate.metrics.retried).toBe(1);
    expect(gate.snapshot().currentRatePerSecond).toBeLessThan(8);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290); // the Retry-After hold applied
    await new Promise((r) => setTimeout(r, 60));
    await gate.run(async () => 1, { idempotent: true });
    expect(gate.snapshot().currentRatePerSecond).toBeGreaterThan(4); // additive recovery started
  });

  it('retries transient failures only for idempotent calls, with a cap', async () => {
    const gate = new PacingGate({ name: 't', ratePerSecond: 100, burst: 5, classify, baseBackoffMs: 5, maxAttempts: 3 });
    let n = 0;
    await expect(
      gate.run(
        async () => {
          n++;
          if (n < 3) throw new Transient('reset');
          return 'ok';
        },
        { idempotent: true },
      ),
    ).resolves.toBe('ok');
    expect(n).toBe(3);

    let posts = 0;
    await expect(
      gate.run(
        async () => {
          posts++;
          throw new Transient('timeout');
        },
        { idempotent: false },
      ),
    ).rejects.toThrow('timeout');
    expect(posts).toBe(1); // an unknown outcome of a create is not blindly repeated

    let always = 0;
    await expect(
      gate.run(
        async () => {
          always++;
          throw new Transient('down');
        },
        { idempotent: true },
      ),
    ).rejects.toThrow('down');
    expect(always).toBe(3);
  });

  it('does not retry fatal errors', async () => {
    const gate = new PacingGate({ name: 't', ratePerSecond: 100, burst: 5, classify });
    let n = 0;
    await expect(
      gate.run(
        async () => {
          n++;
          throw new Error('400');
        },
        { idempotent: true },
      ),
    ).rejects.toThrow('400');
    expect(n).toBe(1);
  });
});
