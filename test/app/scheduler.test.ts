// The DST cases need a zone with DST; fix it before any Date is built (each test file runs in its own process).
process.env.TZ = 'America/New_York';

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../helpers/fake-clock.js';
import { NightlyScheduler, nextOccurrence, previousOccurrence, type NightlySchedulerOptions } from '../../src/app/scheduler.js';

/** Local wall time in the test's zone. */
function local(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date {
  return new Date(y, mo - 1, d, h, mi, s);
}

const MIN = 60_000;
const HOUR = 60 * MIN;

type HarnessOptions = { start: Date; time?: string; lastRunAt?: Date | null; run?: () => Promise<void> } & Omit<
  Partial<NightlySchedulerOptions>,
  'lastRunAt' | 'run' | 'time'
>;

function harness({ start, time, lastRunAt: initialLastRun, run, ...rest }: HarnessOptions) {
  const clock = new FakeClock(start);
  const runsAt: Date[] = [];
  let lastRunAt: Date | null = initialLastRun ?? null;
  const scheduler = new NightlyScheduler({
    time: time ?? '02:00',
    clock,
    lastRunAt: () => lastRunAt,
    retryDelaysMs: [],
    ...rest,
    run: async () => {
      runsAt.push(clock.now());
      await (run ?? (async () => {}))();
      lastRunAt = clock.now();
    },
  });
  return { clock, scheduler, runsAt };
}

describe('occurrences', () => {
  it('finds the previous and next local occurrence of a time', () => {
    expect(previousOccurrence(local(2025, 1, 10, 1, 59), '02:00')).toEqual(local(2025, 1, 9, 2, 0));
    expect(previousOccurrence(local(2025, 1, 10, 2, 0), '02:00')).toEqual(local(2025, 1, 10, 2, 0));
    expect(nextOccurrence(local(2025, 1, 10, 2, 0), '02:00')).toEqual(local(2025, 1, 11, 2, 0));
    expect(nextOccurrence(local(2025, 12, 31, 23, 0), '02:00')).toEqual(local(2026, 1, 1, 2, 0));
  });

  it('rejects a time that is not HH:MM', () => {
    expect(() => new NightlyScheduler({ time: '2am', lastRunAt: () => null, run: async () => {} })).toThrow(/Invalid nightly sync time "2am"/);
    const { scheduler } = harness({ start: local(2025, 1, 10, 12) });
    expect(() => scheduler.setTime('24:00')).toThrow(RangeError);
  });
});

describe('NightlyScheduler', () => {
  it('runs once a night at the chosen local time, with no timer longer than checkEveryMs', async () => {
    const { clock, scheduler, runsAt } = harness({ start: local(2025, 1, 10, 12), lastRunAt: local(2025, 1, 10, 2, 5) });
    scheduler.start();
    expect(scheduler.nextRunAt).toEqual(local(2025, 1, 11, 2, 0));
    await clock.advanceTo(local(2025, 1, 11, 1, 59, 59));
    expect(runsAt).toEqual([]);
    await clock.advanceTo(local(2025, 1, 11, 12));
    expect(runsAt).toEqual([local(2025, 1, 11, 2, 0)]);
    await clock.advanceTo(local(2025, 1, 13, 12));
    expect(runsAt).toEqual([local(2025, 1, 11, 2, 0), local(2025, 1, 12, 2, 0), local(2025, 1, 13, 2, 0)]);
    expect(clock.maxDelayMs).toBeLessThanOrEqual(60_000);
    scheduler.stop();
    expect(scheduler.nextRunAt).toBeNull();
    await clock.advanceTo(local(2025, 1, 15, 12));
    expect(runsAt).toHaveLength(3);
  });

  it('follows a changed time, and changing it never starts a run by itself', async () => {
    const { clock, scheduler, runsAt } = harness({ start: local(2025, 1, 10, 10), lastRunAt: local(2025, 1, 10, 2, 5) });
    scheduler.start();
    scheduler.setTime('09:00'); // already past today: tomorrow at 09:00
    expect(scheduler.nextRunAt).toEqual(local(2025, 1, 11, 9, 0));
    await clock.advance(HOUR);
    expect(runsAt).toEqual([]);
    scheduler.setTime('23:30'); // still ahead today: tonight
    expect(scheduler.nextRunAt).toEqual(local(2025, 1, 10, 23, 30));
    await clock.advanceTo(local(2025, 1, 12, 0, 0));
    expect(runsAt).toEqual([local(2025, 1, 10, 23, 30), local(2025, 1, 11, 23, 30)]);
  });

  it('catches up a missed night at start, after the catch-up delay', async () => {
    const { clock, scheduler, runsAt } = harness({ start: local(2025, 1, 11, 8), lastRunAt: local(2025, 1, 10, 2, 5), catchUpDelayMs: 30_000 });
    scheduler.start();
    expect(scheduler.nextRunAt).toEqual(local(2025, 1, 11, 8, 0, 30));
    await clock.advance(29_000);
    expect(runsAt).toEqual([]);
    await clock.advance(1_000);
    expect(runsAt).toEqual([local(2025, 1, 11, 8, 0, 30)]);
    // The next one is tomorrow night as usual.
    await clock.advanceTo(local(2025, 1, 12, 12));
    expect(runsAt).toEqual([local(2025, 1, 11, 8, 0, 30), local(2025, 1, 12, 2, 0)]);
  });

  it('does not catch up when the last run already covers the latest night, nor on a first start (never run)', async () => {
    const covered = harness({ start: local(2025, 1, 11, 8), lastRunAt: local(2025, 1, 11, 2, 3) });
    covered.scheduler.start();
    await covered.clock.advance(HOUR);
    expect(covered.runsAt).toEqual([]);

    const fresh = harness({ start: local(2025, 1, 11, 8), lastRunAt: null });
    fresh.scheduler.start();
    await fresh.clock.advance(HOUR);
    expect(fresh.runsAt).toEqual([]);
    await fresh.clock.advanceTo(local(2025, 1, 12, 3));
    expect(fresh.runsAt).toEqual([local(2025, 1, 12, 2, 0)]);
  });

  it('several missed nights give exactly one catch-up run', async () => {
    const { clock, scheduler, runsAt } = harness({ start: local(2025, 1, 15, 9), lastRunAt: local(2025, 1, 10, 2, 5) });
    scheduler.start();
    await clock.advanceTo(local(2025, 1, 15, 23));
    expect(runsAt).toEqual([local(2025, 1, 15, 9, 0, 30)]);
    expect(scheduler.stats.runs).toBe(1);
  });

  it('sleep across the scheduled time, then wake: one catch-up run', async () => {
    const { clock, scheduler, runsAt } = harness({ start: local(2025, 1, 10, 23), lastRunAt: local(2025, 1, 10, 2, 5), catchUpDelayMs: 30_000 });
    scheduler.start();
    await clock.advance(30 * MIN);
    clock.sleep(7 * HOUR); // lid closed 23:30 → 06:30
    scheduler.wake();
    scheduler.wake(); // resume and unlock-screen both fire
    await clock.advance(29_000);
    expect(runsAt).toEqual([]);
    await clock.advance(HOUR);
    expect(runsAt).toEqual([local(2025, 1, 11, 6, 30, 30)]);
    await clock.advanceTo(local(2025, 1, 12, 12));
    expect(runsAt).toEqual([local(2025, 1, 11, 6, 30, 30), local(2025, 1, 12, 2, 0)]);
  });

  it('sleep across the scheduled time without a wake event: the next check notices it', async () => {
    const { clock, scheduler, runsAt } = harness({ start: local(2025, 1, 10, 23), lastRunAt: local(2025, 1, 10, 2, 5), checkEveryMs: 60_000 });
    scheduler.start();
    await clock.advance(30 * MIN);
    clock.sleep(7 * HOUR);
    await clock.advance(60_000);
    expect(runsAt).toHaveLength(1);
    expect(runsAt[0]!.getTime() - local(2025, 1, 11, 6, 30).getTime()).toBeLessThanOrEqual(60_000);
    scheduler.wake(); // a late wake event does not add a second run
    await clock.advance(HOUR);
    expect(runsAt).toHaveLength(1);
  });

  it('never runs twice concurrently: a wake during a run and an occurrence during a run are not doubled', async () => {
    let release!: () => void;
    const { clock, scheduler, runsAt } = harness({
      start: local(2025, 1, 10, 12),
      lastRunAt: local(2025, 1, 10, 2, 5),
      run: () => new Promise<void>((r) => (release = r)),
    });
    scheduler.start();
    await clock.advanceTo(local(2025, 1, 11, 2, 1));
    expect(runsAt).toHaveLength(1);
    expect(scheduler.isRunning).toBe(true);
    scheduler.wake();
    await clock.advance(HOUR);
    expect(runsAt).toHaveLength(1);
    // Still going a day later (a stuck run): the next night is skipped and counted, not started alongside.
    await clock.advanceTo(local(2025, 1, 12, 3));
    expect(runsAt).toHaveLength(1);
    expect(scheduler.stats.skipped).toBe(1);
    release();
    await clock.advance(1);
    expect(scheduler.isRunning).toBe(false);
    await clock.advanceTo(local(2025, 1, 13, 3));
    expect(runsAt).toHaveLength(2);
  });

  it('a failing run is counted and the next night still runs', async () => {
    let fail = true;
    const { clock, scheduler, runsAt } = harness({
      start: local(2025, 1, 10, 12),
      lastRunAt: local(2025, 1, 10, 2, 5),
      run: async () => {
        if (fail) throw new Error('Smokeball unreachable');
      },
    });
    scheduler.start();
    await clock.advanceTo(local(2025, 1, 11, 12));
    expect(scheduler.stats).toMatchObject({ runs: 1, failures: 1, lastError: 'Smokeball unreachable' });
    scheduler.wake(); // a failed night is not re-run by a wake in the same session
    await clock.advance(HOUR);
    expect(runsAt).toHaveLength(1);
    fail = false;
    await clock.advanceTo(local(2025, 1, 12, 12));
    expect(runsAt).toEqual([local(2025, 1, 11, 2, 0), local(2025, 1, 12, 2, 0)]);
    expect(scheduler.stats).toMatchObject({ runs: 2, failures: 1, lastError: null });
  });

  it('retries a failed run after the configured delays, then gives up until the next night', async () => {
    const { clock, scheduler, runsAt } = harness({
      start: local(2025, 1, 10, 12),
      lastRunAt: local(2025, 1, 10, 2, 5),
      retryDelaysMs: [15 * MIN, HOUR],
      run: async () => {
        throw new Error('boom');
      },
    });
    scheduler.start();
    await clock.advanceTo(local(2025, 1, 11, 2, 0));
    expect(scheduler.nextRunAt).toEqual(local(2025, 1, 11, 2, 15));
    await clock.advanceTo(local(2025, 1, 11, 12));
    expect(runsAt).toEqual([local(2025, 1, 11, 2, 0), local(2025, 1, 11, 2, 15), local(2025, 1, 11, 3, 15)]);
    await clock.advanceTo(local(2025, 1, 12, 2, 1));
    expect(runsAt).toHaveLength(4);
    expect(scheduler.stats.failures).toBe(4);
  });

  it('DST spring forward: a time that does not exist that night runs once, an hour later on the wall clock', async () => {
    // 2025-03-09: clocks in New York jump from 02:00 to 03:00.
    const { clock, scheduler, runsAt } = harness({ start: local(2025, 3, 8, 12), time: '02:30', lastRunAt: local(2025, 3, 8, 2, 35) });
    scheduler.start();
    await clock.advanceTo(local(2025, 3, 10, 12));
    expect(runsAt.map((d) => [d.getDate(), d.getHours(), d.getMinutes()])).toEqual([
      [9, 3, 30],
      [10, 2, 30],
    ]);
    // 2025-03-09 02:30 does not exist; the run happened 23 hours of real time after the previous night's.
    expect(runsAt[1]!.getTime() - runsAt[0]!.getTime()).toBe(23 * HOUR);
  });

  it('DST fall back: a time that happens twice that night runs once', async () => {
    // 2025-11-02: clocks in New York go from 02:00 back to 01:00, so 01:30 happens twice.
    const { clock, scheduler, runsAt } = harness({ start: local(2025, 11, 1, 12), time: '01:30', lastRunAt: local(2025, 11, 1, 1, 35) });
    scheduler.start();
    await clock.advanceTo(local(2025, 11, 3, 12));
    expect(runsAt).toHaveLength(2);
    expect(runsAt.map((d) => [d.getDate(), d.getHours(), d.getMinutes()])).toEqual([
      [2, 1, 30],
      [3, 1, 30],
    ]);
    expect(runsAt[1]!.getTime() - runsAt[0]!.getTime()).toBe(25 * HOUR);
  });
});
