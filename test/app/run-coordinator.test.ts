import { afterEach, describe, expect, it } from 'vitest';
import { RunCoordinator, type RunConnection } from '../../src/app/run-coordinator.js';
import type { SyncStack } from '../../src/sync/compose.js';
import type { RunSummary } from '../../src/sync/engine/engine.js';
import { PacingGate } from '../../src/sync/pacing/gate.js';
import { silentLogger } from '../../src/sync/ports.js';
import { openStateStore, type StateStore } from '../../src/store/index.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/tmp.js';

type Outcome = Partial<RunSummary> & { outcome: RunSummary['outcome'] };

/**
 * A stack with a real state store and real pacing gates; the engine and the write-back are scripted, so each test
 * decides how a run ends and when it finishes.
 */
function harness(options: { retryDelaysMs?: number[] } = {}) {
  const tmp = tempDir('css-coord-');
  const store: StateStore = openStateStore(`${tmp.dir}/sync.sqlite`);
  const gate = (name: string) => new PacingGate({ name, ratePerSecond: 5, burst: 5, classify: () => ({ kind: 'fatal' }) });
  const outcomes: Outcome[] = [];
  const runs: string[] = [];
  let release: (() => void) | undefined;
  let holdRuns = false;
  const finish = (kind: string): Promise<RunSummary> =>
    new Promise((resolve) => {
      const done = () => {
        const o = outcomes.shift() ?? { outcome: 'succeeded' };
        resolve({
          runId: runs.length,
          kind: kind as RunSummary['kind'],
          counts: {} as RunSummary['counts'],
          durationMs: 1,
          firstCaseMs: null,
          problems: [],
          ...o,
        });
      };
      if (holdRuns) release = done;
      else done();
    });
  let writebackPasses = 0;
  const stack = {
    store,
    smokeball: { gate: gate('smokeball') },
    caseStatus: { gate: gate('casestatus') },
    engine: {
      initialImportDone: true,
      syncNow: () => (runs.push('sync'), finish('incremental')),
      reconcile: () => (runs.push('reconcile'), finish('reconcile')),
      refreshMatters: () => (runs.push('refresh'), finish('incremental')),
    },
    writeback: { status: { running: false }, run: async () => void (writebackPasses += 1), poke: () => {}, retry: async () => {} },
  } as unknown as SyncStack;
  const signOuts: string[] = [];
  const connection: RunConnection = {
    stack,
    signedIn: true,
    setupProblem: null,
    confirmSignedOut: async () => (signOuts.push('confirmed'), true),
  };
  const clock = new FakeClock(new Date('2026-12-01T10:00:00Z'));
  const coordinator = new RunCoordinator({ connection, dataDir: tmp.dir, clock, logger: silentLogger, nightlyTime: '02:00', changed: () => {}, ...options });
  coordinator.enableRuns();
  return {
    coordinator,
    clock,
    store,
    stack,
    runs,
    outcomes,
    signOuts,
    hold: () => void (holdRuns = true),
    release: () => release?.(),
    writebackPasses: () => writebackPasses,
    close: () => {
      coordinator.stop();
      store.close();
      tmp.cleanup();
    },
  };
}

let h: ReturnType<typeof harness> | undefined;
afterEach(() => h?.close());

describe('run coordinator', () => {
  it('runs one at a time, then writes messages and documents', async () => {
    h = harness();
    h.hold();
    expect(await h.coordinator.startRun('sync')).toEqual({ started: true });
    expect(await h.coordinator.startRun('reconcile')).toEqual({ started: false, reason: 'A sync is already running.' });
    expect(h.coordinator.busy).toBe(true);
    h.release();
    await h.coordinator.settle();
    expect(h.runs).toEqual(['sync']);
    expect(h.writebackPasses()).toBe(1);
    expect(h.coordinator.busy).toBe(false);
  });

  it('raises a sync_failed item, retries along the ladder, and resolves the item after a good run', async () => {
    h = harness({ retryDelaysMs: [1_000, 5_000] });
    h.outcomes.push({ outcome: 'failed', error: 'HTTP 503' }, { outcome: 'failed', error: 'HTTP 503' });
    await h.coordinator.startRun('sync');
    await h.coordinator.settle();
    expect(h.store.attention.open().map((a) => a.kind)).toEqual(['sync_failed']);
    await h.clock.advance(999);
    expect(h.runs).toHaveLength(1);
    await h.clock.advance(1);
    await h.coordinator.settle();
    expect(h.runs).toHaveLength(2);
    // The second failure waits the next step of the ladder.
    await h.clock.advance(4_999);
    expect(h.runs).toHaveLength(2);
    await h.clock.advance(1);
    await h.coordinator.settle();
    expect(h.runs).toHaveLength(3);
    expect(h.store.attention.open()).toEqual([]);
    expect(h.writebackPasses()).toBe(1);
  });

  it('shows a full disk as a storage problem (not a sync item) until the next good run', async () => {
    h = harness({ retryDelaysMs: [1_000] });
    h.outcomes.push({ outcome: 'failed', error: 'database or disk is full', failure: 'disk_full', errorCode: 'SQLITE_FULL' });
    await h.coordinator.startRun('sync');
    await h.coordinator.settle();
    expect(h.coordinator.storageProblem?.kind).toBe('disk_full');
    expect(h.store.attention.open()).toEqual([]);
    await h.clock.advance(1_000);
    await h.coordinator.settle();
    expect(h.coordinator.storageProblem).toBeNull();
  });

  it('stops retrying when the failure is a lapsed sign-in that Smokeball confirms', async () => {
    h = harness({ retryDelaysMs: [1_000] });
    h.outcomes.push({ outcome: 'failed', error: 'Sign in again', failure: 'auth' });
    await h.coordinator.startRun('sync');
    await h.coordinator.settle();
    expect(h.signOuts).toEqual(['confirmed']);
    await h.clock.advance(60_000);
    expect(h.runs).toEqual(['sync']);
    expect(h.store.attention.open()).toEqual([]);
  });

  it('pauses both gates and refuses runs until the pause ends on its own', async () => {
    h = harness();
    const { pausedUntil } = h.coordinator.pause(30);
    expect(pausedUntil).toBe('2026-12-01T10:30:00.000Z');
    expect(h.stack.smokeball.gate.paused && h.stack.caseStatus.gate.paused).toBe(true);
    expect(await h.coordinator.startRun('sync')).toEqual({ started: false, reason: 'Syncing is paused. Resume to sync.' });
    await h.clock.advance(30 * 60_000);
    await flush();
    expect(h.coordinator.pausedUntil).toBeNull();
    expect(h.stack.smokeball.gate.paused || h.stack.caseStatus.gate.paused).toBe(false);
    expect(await h.coordinator.startRun('sync')).toEqual({ started: true });
  });
});
