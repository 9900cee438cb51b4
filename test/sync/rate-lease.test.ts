import { afterEach, describe, expect, it, vi } from 'vitest';
import { jainIndex } from '../../src/shared/budget/allocator.js';
import { DEFAULT_BUDGET_POLICY, decideBudgetRenew, emptyBudgetDoc, type BudgetConfig } from '../../src/shared/budget/rules.js';
import { PacingGate } from '../../src/sync/pacing/gate.js';
import { LeaseBucket } from '../../src/sync/pacing/lease-bucket.js';
import { RateLeaseFollower, type BudgetGrant, type BudgetRenewer, type BudgetRenewRequest } from '../../src/sync/pacing/rate-lease.js';

/** The relay's budget decisions in-process (the HTTP route is tested in test/relay/budget.test.ts). */
function budget(config: BudgetConfig) {
  let doc = emptyBudgetDoc();
  let down = false;
  const renewals: Array<{ firm: string; req: BudgetRenewRequest; grant?: BudgetGrant }> = [];
  return {
    renewals,
    doc: () => doc,
    setDown(v: boolean) {
      down = v;
    },
    client(firm: string): BudgetRenewer {
      return {
        async renew(req) {
          if (down) throw new Error('relay unreachable');
          const d = decideBudgetRenew(doc, firm, req, Date.now(), config, DEFAULT_BUDGET_POLICY);
          doc = d.doc;
          renewals.push({ firm, req, grant: d.result });
          return d.result;
        },
      };
    },
  };
}

const classify = () => ({ kind: 'fatal' as const });
const gateOf = (name: string) => new PacingGate({ name, ratePerSecond: 5, burst: 5, classify });

describe('rate lease follower', () => {
  it('two hosts on one 5/s budget share it fairly and together stay within burst + granted rate', async () => {
    const b = budget({ mode: 'shared', ratePerSecond: 5, concurrency: 5 });
    const starts: number[] = [];
    const perHost = new Map<string, number>();
    const hosts = ['a', 'b'].map((firm) => {
      const gate = gateOf(firm);
      const follower = new RateLeaseFollower({ gate, client: b.client(firm) });
      follower.start();
      return { firm, gate, follower };
    });
    const t0 = performance.now();
    await Promise.all(
      hosts.map(({ firm, gate }) =>
        Promise.all(
          Array.from({ length: 12 }, () =>
            gate.run(
              async () => {
                starts.push(performance.now() - t0);
                perHost.set(firm, (perHost.get(firm) ?? 0) + 1);
              },
              { idempotent: true },
            ),
          ),
        ),
      ),
    );
    const elapsedS = (performance.now() - t0) / 1000;
    for (const h of hosts) await h.follower.stop();
    hosts.forEach((h) => h.gate.dispose());
    expect(starts).toHaveLength(24);
    // The token bound of the budget: at most the partner burst plus the grantable rate × time.
    for (const from of starts) {
      const inSecond = starts.filter((s) => s >= from && s < from + 1000).length;
      expect(inSecond).toBeLessThanOrEqual(5 + 5);
    }
    expect(starts.length).toBeLessThanOrEqual(5 + 4.5 * elapsedS + 1e-9);
    expect(hosts.every((h) => h.follower.mode === 'shared')).toBe(true);
    // Demand went in by class (bulk here) and the idle renewal at the end gave the share back.
    expect(b.renewals.some((r) => r.req.demand.bulk > 0)).toBe(true);
    expect(b.renewals.filter((r) => r.firm === 'a').at(-1)?.req.demand).toEqual({ realtime: 0, bulk: 0 });
    expect(jainIndex([perHost.get('a')!, perHost.get('b')!])).toBe(1);
  });

  it('acknowledges each grant it applied, and its idle answer at once, so the relay frees its share', async () => {
    const b = budget({ mode: 'shared', ratePerSecond: 5, concurrency: 5 });
    const gate = gateOf('a');
    const follower = new RateLeaseFollower({ gate, client: b.client('a') });
    follower.start();
    for (let i = 0; i < 3; i++) await gate.run(async () => undefined, { idempotent: true });
    // Bounded by the mechanism: the idle renewal and its acknowledgement follow the last call at once.
    const started = Date.now();
    const acknowledgedIdle = (): boolean => {
      const last = b.renewals.at(-1);
      const before = b.renewals.at(-2);
      return !!last && !!before && last.req.demand.bulk === 0 && before.req.demand.bulk === 0 && b.doc().hosts.a === undefined;
    };
    while (!acknowledgedIdle()) {
      if (Date.now() - started > 20_000) throw new Error(`no acknowledged idle answer: ${JSON.stringify(b.renewals.map((r) => r.req))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await follower.stop();
    gate.dispose();
    expect(b.renewals[0]!.req.appliedGrantSeq).toBeUndefined();
    for (let i = 1; i < b.renewals.length; i++) {
      const previous = b.renewals[i - 1]!.grant;
      expect(b.renewals[i]!.req.appliedGrantSeq).toBe(previous?.mode === 'shared' ? previous.grantSeq : undefined);
    }
    // The busy host held a share; once idle and acknowledged it holds nothing and asks no more.
    expect(b.renewals.some((r) => r.grant?.mode === 'shared' && r.grant.ratePerSecond > 0)).toBe(true);
    expect(Object.keys(b.doc().hosts)).toEqual([]);
  });

  it('a host that loses the relay falls to the floor the relay gave, not the full budget', async () => {
    const b = budget({ mode: 'shared', ratePerSecond: 5, concurrency: 5 });
    const gate = gateOf('a');
    const follower = new RateLeaseFollower({ gate, client: b.client('a'), retryMs: 100 });
    follower.start();
    await gate.run(async () => undefined, { idempotent: true });
    expect(gate.snapshot().budgetRatePerSecond).toBeGreaterThan(0);
    b.setDown(true);
    const pending = gate.run(async () => undefined, { idempotent: true });
    // The last grant (TTL 3 s) lapses; then the floor (0.2 req/s for a lone host) is what applies.
    const deadline = Date.now() + 10_000;
    while (gate.snapshot().budgetRatePerSecond !== 0.2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(gate.snapshot().budgetRatePerSecond).toBe(0.2);
    b.setDown(false);
    await pending;
    await follower.stop();
    gate.dispose();
  });

  it("per-firm mode lifts the lease: the gate paces at the firm's own rate only", async () => {
    const b = budget({ mode: 'per-firm', ratePerSecond: 5, concurrency: 5 });
    const gate = gateOf('a');
    const follower = new RateLeaseFollower({ gate, client: b.client('a') });
    follower.start();
    // Until the relay answers, the floor applies; the answer lifts it.
    const deadline = Date.now() + 10_000;
    while (follower.mode !== 'per-firm' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(follower.mode).toBe('per-firm');
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => gate.run(async () => undefined, { idempotent: true })));
    // At the floor (0.2 req/s) five calls would take 25 s.
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(gate.snapshot().budgetRatePerSecond).toBeUndefined();
    await follower.stop();
    gate.dispose();
  });

  describe('a request that waited past its rate lease (fake clock)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('does not go out at the lapsed rate: it waits for the renewed lease (or the floor)', async () => {
      vi.useFakeTimers({ now: 0 });
      class Throttled extends Error {}
      const gate = new PacingGate({
        name: 'a',
        ratePerSecond: 5,
        burst: 5,
        now: () => Date.now(),
        classify: (e) => (e instanceof Throttled ? { kind: 'throttled', retryAfterMs: 3_000 } : { kind: 'fatal' }),
      });
      // Granted 5/s until t = 1.1 s; the relay is then unreachable (no renewal), floor 0.2/s.
      gate.setRateLease({ ratePerSecond: 5, concurrency: 5, validUntil: 1_100, floorRatePerSecond: 0.2 });
      const sends: number[] = [];
      let first = true;
      const calls = Array.from({ length: 5 }, () =>
        gate.run(
          async () => {
            sends.push(Date.now());
            if (first) {
              // Smokeball holds everyone back for 3 s: the others took their lease tokens (at 0.4–1.0 s) and wait
              // for the firm's own window until 3.2 s, past the lease's end.
              first = false;
              throw new Throttled('429');
            }
          },
          { idempotent: true },
        ),
      );
      await vi.advanceTimersByTimeAsync(4_000);
      // Nothing went out after the lapse: the tokens taken under the lease are void, the floor has none yet (5 s).
      expect(sends).toEqual([200]);
      expect(gate.snapshot().budgetRatePerSecond).toBe(0.2);

      // The relay answers again: a renewed lease at 1/s. The waiting requests go at that rate (what was left of the
      // floor's token, plus 1 a second), not at the lapsed 5/s; the firm's own window (halved by the 429) would
      // let 2 a second through.
      gate.setRateLease({ ratePerSecond: 1, concurrency: 5, validUntil: 60_000, floorRatePerSecond: 0.2 });
      await vi.advanceTimersByTimeAsync(6_000);
      await Promise.all(calls);
      const after = sends.slice(1);
      expect(after).toHaveLength(5); // the four waiting, and the retry of the refused one
      after.forEach((t, i) => expect(i + 1, `send ${i + 1} at ${t} ms`).toBeLessThanOrEqual(1 + (t - 4_000) / 1_000));
      gate.dispose();
    });
  });
});

describe('gate demand signal', () => {
  it('tells the rate lease when demand appears and when the last pending call ends', async () => {
    const gate = gateOf('a');
    const signals: Array<{ realtime: number; bulk: number }> = [];
    gate.onDemand(() => signals.push(gate.demand()));
    await Promise.all([gate.run(async () => undefined, { idempotent: true }), gate.run(async () => undefined, { idempotent: true, priority: 10 })]);
    // Bulk rose, real time rose, then nothing pending: the follower gives its share back at once.
    expect(signals).toHaveLength(3);
    expect(signals.at(-1)).toEqual({ realtime: 0, bulk: 0 });
    gate.dispose();
  });
});

describe('lease bucket floor', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an idle host banks no floor tokens; a waiting one is paid at the floor', async () => {
    vi.useFakeTimers();
    const now = (): number => Date.now();
    // No lease (lapsed at once), floor 0.2 req/s: what a host runs on before the relay answers.
    const bucket = new LeaseBucket({ ratePerSecond: 0, concurrency: 0, validUntil: 0, floorRatePerSecond: 0.2 }, now);
    // An hour idle: at 0.2 req/s it would have earned a token long ago, to be spent outside any grant.
    vi.advanceTimersByTime(3_600_000);
    let taken = 0;
    void bucket.take().then(() => (taken += 1));
    await Promise.resolve();
    expect(bucket.waiting).toBe(1);
    expect(taken).toBe(0);
    // While it waits, the floor pays it: one token after 1 / 0.2 s.
    await vi.advanceTimersByTimeAsync(4_900);
    expect(taken).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(taken).toBe(1);
    bucket.dispose();
  });
});
