import { describe, expect, it } from 'vitest';
import { allocateByClass, jainIndex, waterFill } from '../../../src/shared/budget/allocator.js';
import {
  DEFAULT_BUDGET_POLICY,
  budgetView,
  decideBudgetRenew,
  emptyBudgetDoc,
  parseBudgetRenew,
  type BudgetConfig,
  type BudgetDoc,
} from '../../../src/shared/budget/rules.js';
import type { BudgetGrant } from '../../../src/shared/budget/wire.js';

const SHARED: BudgetConfig = { mode: 'shared', ratePerSecond: 5, concurrency: 5 };
const CAPACITY = (1 - DEFAULT_BUDGET_POLICY.reserveShare) * SHARED.ratePerSecond;

type Shared = Extract<BudgetGrant, { mode: 'shared' }>;

/** A relay's budget document driven by renewals at a fake clock. */
class Budget {
  doc: BudgetDoc = emptyBudgetDoc();
  now = 1_000_000;
  renew(firm: string, realtime: number, bulk: number, config = SHARED): Shared {
    const d = decideBudgetRenew(this.doc, firm, { demand: { realtime, bulk }, usedPerSecond: 0, queueDepth: 0 }, this.now, config);
    this.doc = d.doc;
    return d.result as Shared;
  }
  /** Sum of rates and concurrency of unexpired grants. */
  held(): { rate: number; concurrency: number } {
    const live = Object.values(this.doc.hosts).filter((h) => h.expiresAt > this.now && h.ratePerSecond > 0);
    return { rate: live.reduce((a, h) => a + h.ratePerSecond, 0), concurrency: live.reduce((a, h) => a + h.concurrency, 0) };
  }
}

describe('allocator', () => {
  it('water-fills max-min fairly: small demands are met, the rest share equally, never more than the capacity', () => {
    const out = waterFill(4.5, [
      ['a', 0.5],
      ['b', 10],
      ['c', 10],
    ]);
    expect(out.get('a')).toBeCloseTo(0.5);
    expect(out.get('b')).toBeCloseTo(2);
    expect(out.get('c')).toBeCloseTo(2);
    expect(
      waterFill(4.5, [
        ['a', 1],
        ['b', 1],
      ]).get('a'),
    ).toBe(1);
  });

  it('serves real-time demand before bulk', () => {
    const out = allocateByClass(
      4.5,
      new Map([
        ['rt', { realtime: 2, bulk: 0 }],
        ['bulk1', { realtime: 0, bulk: 5 }],
        ['bulk2', { realtime: 0, bulk: 5 }],
      ]),
    );
    expect(out.get('rt')).toBeCloseTo(2);
    expect(out.get('bulk1')).toBeCloseTo(1.25);
    expect(out.get('bulk2')).toBeCloseTo(1.25);
  });

  it("Jain's index is 1 for equal shares and 1/n for one taker", () => {
    expect(jainIndex([2, 2, 2])).toBeCloseTo(1);
    expect(jainIndex([4, 0, 0, 0])).toBeCloseTo(0.25);
  });
});

describe('partner budget decisions', () => {
  it('per-firm mode hands out nothing and changes nothing', () => {
    const b = new Budget();
    expect(b.renew('a', 1, 1, { ...SHARED, mode: 'per-firm' })).toEqual({ mode: 'per-firm', serverTime: b.now });
    expect(b.doc.hosts).toEqual({});
  });

  it('a lone busy host gets the whole grantable rate (idle share is lent), and gives it back when idle', () => {
    const b = new Budget();
    const g = b.renew('a', 0, 5);
    expect(g.ratePerSecond).toBeCloseTo(CAPACITY);
    expect(g.concurrency).toBe(5);
    expect(g.expiresAt).toBe(b.now + DEFAULT_BUDGET_POLICY.grantTtlMs);
    const idle = b.renew('a', 0, 0);
    expect(idle.ratePerSecond).toBe(0);
    expect(b.held()).toEqual({ rate: 0, concurrency: 0 });
  });

  it('takes share back within one renewal round when a second host asks, then splits it equally', () => {
    const b = new Budget();
    b.renew('a', 0, 5);
    b.now += 100;
    // Nothing is free yet: b waits rather than over-granting.
    expect(b.renew('b', 0, 5).ratePerSecond).toBe(0);
    b.now += DEFAULT_BUDGET_POLICY.renewMs;
    expect(b.renew('a', 0, 5).ratePerSecond).toBeCloseTo(CAPACITY / 2);
    b.now += DEFAULT_BUDGET_POLICY.waitRenewMs;
    const gb = b.renew('b', 0, 5);
    expect(gb.ratePerSecond).toBeCloseTo(CAPACITY / 2);
    expect(b.held().rate).toBeCloseTo(CAPACITY);
  });

  it('a host that stops renewing loses its share when its grant expires', () => {
    const b = new Budget();
    b.renew('a', 0, 5);
    b.now += DEFAULT_BUDGET_POLICY.grantTtlMs;
    expect(b.renew('b', 0, 5).ratePerSecond).toBeCloseTo(CAPACITY);
  });

  it('real-time demand displaces a bulk slot holder at its next renewal, even inside its slice', () => {
    const b = new Budget();
    for (const f of ['b1', 'b2', 'b3', 'b4', 'b5']) b.renew(f, 0, 5);
    expect(b.held().concurrency).toBe(5);
    expect(b.renew('rt', 1, 0).ratePerSecond).toBe(0);
    b.now += 200;
    // The latest bulk holder ranks last and gives its slot back.
    const losers = ['b1', 'b2', 'b3', 'b4', 'b5'].filter((f) => b.renew(f, 0, 5).ratePerSecond === 0);
    expect(losers).toEqual(['b5']);
    b.now += 50;
    const rt = b.renew('rt', 1, 0);
    expect(rt.ratePerSecond).toBeGreaterThan(0);
    expect(rt.concurrency).toBe(1);
  });

  it('more busy hosts than slots take turns: each gets a slot within a few slices', () => {
    const b = new Budget();
    const firms = Array.from({ length: 8 }, (_, i) => `f${i}`);
    const served = new Map(firms.map((f) => [f, 0]));
    for (let step = 0; step < 400; step++) {
      for (const f of firms) served.set(f, served.get(f)! + b.renew(f, 0, 5).ratePerSecond * 0.25);
      b.now += 250;
    }
    // 100 s of service split among 8 busy hosts: roughly equal.
    expect(jainIndex([...served.values()])).toBeGreaterThan(0.98);
    const total = [...served.values()].reduce((a, c) => a + c, 0);
    expect(total).toBeLessThanOrEqual(CAPACITY * 100 + 1e-6);
    expect(total).toBeGreaterThan(CAPACITY * 100 * 0.8);
  });

  it('never has more rate or concurrency granted than the total, in any order of renewals', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const b = new Budget();
    for (let i = 0; i < 3_000; i++) {
      const firm = `f${Math.floor(random() * 30)}`;
      const kind = random();
      b.renew(firm, kind < 0.2 ? random() * 3 : 0, kind > 0.5 ? random() * 6 : 0);
      b.now += Math.floor(random() * 300);
      const held = b.held();
      expect(held.rate).toBeLessThanOrEqual(CAPACITY + 1e-9);
      expect(held.concurrency).toBeLessThanOrEqual(SHARED.concurrency);
    }
  });

  it('the floor of a host that lost contact is the reserve divided among known hosts, at most 0.2 req/s', () => {
    const b = new Budget();
    expect(b.renew('a', 0, 1).floorRatePerSecond).toBeCloseTo(0.2);
    for (let i = 0; i < 99; i++) b.renew(`x${i}`, 0, 0);
    expect(b.renew('a', 0, 1).floorRatePerSecond).toBeCloseTo((0.1 * 5) / 100);
  });

  it('a thousand idle hosts keep the document small and still count for the floor', () => {
    // Every renewal reads and rewrites the whole document under the lock: idle hosts must cost little in it.
    const b = new Budget();
    for (let i = 0; i < 1_000; i++) {
      b.renew(`firm-${i}-0123456789abcdef`, 0, 1);
      b.now += 5;
      b.renew(`firm-${i}-0123456789abcdef`, 0, 0);
    }
    expect(JSON.stringify(b.doc).length / 1_000).toBeLessThan(60);
    expect(Object.keys(b.doc.hosts)).toEqual([]);
    expect(b.renew('busy', 0, 1).floorRatePerSecond).toBeCloseTo((0.1 * 5) / 1_001);
    expect(budgetView(b.doc, b.now)).toHaveLength(1_001);
    // Past knownHostMs they are forgotten: the floor goes back up.
    b.now += DEFAULT_BUDGET_POLICY.knownHostMs + 1;
    expect(b.renew('busy', 0, 1).floorRatePerSecond).toBeCloseTo(0.2);
  });

  it('waiters further back in line ask less often, always within the grant TTL', () => {
    const b = new Budget();
    const answers = Array.from({ length: 30 }, (_, i) => b.renew(`w${String(i).padStart(2, '0')}`, 1, 0));
    // The first holds every slot until others ask; the next nine are in or next in line and ask again soon;
    // the rest are told to come back later, the further back the later.
    expect(answers[0]!.concurrency).toBe(5);
    expect(answers.slice(1, 10).map((a) => a.renewInMs)).toEqual(Array(9).fill(DEFAULT_BUDGET_POLICY.waitRenewMs));
    expect(answers[10]!.renewInMs).toBe(2 * DEFAULT_BUDGET_POLICY.waitRenewMs);
    expect(Math.max(...answers.map((a) => a.renewInMs))).toBeLessThanOrEqual(DEFAULT_BUDGET_POLICY.grantTtlMs / 2);
  });

  it('reports granted and used rate and queue depth per firm', () => {
    const b = new Budget();
    b.doc = decideBudgetRenew(b.doc, 'a', { demand: { realtime: 0, bulk: 2 }, usedPerSecond: 1.5, queueDepth: 40 }, b.now, SHARED).doc;
    expect(budgetView(b.doc, b.now)).toEqual([
      { firmId: 'a', grantedPerSecond: 2, concurrency: 5, usedPerSecond: 1.5, queueDepth: 40, demandRealtime: 0, demandBulk: 2 },
    ]);
  });

  it('refuses malformed renewals with a message', () => {
    expect(() => parseBudgetRenew({ demand: { realtime: -1, bulk: 0 }, usedPerSecond: 0, queueDepth: 0 })).toThrow(/demand.realtime must be a number/);
    expect(() => parseBudgetRenew({ demand: { realtime: 0, bulk: 0 }, usedPerSecond: 0, queueDepth: 1.5 })).toThrow(/queueDepth/);
    expect(() => parseBudgetRenew([])).toThrow(/JSON object/);
    expect(parseBudgetRenew({ demand: { realtime: 1, bulk: 2 }, usedPerSecond: 0.5, queueDepth: 3 })).toEqual({
      demand: { realtime: 1, bulk: 2 },
      usedPerSecond: 0.5,
      queueDepth: 3,
    });
  });
});
