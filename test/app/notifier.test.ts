import { completedSetupView } from '../../src/app/setup-state.js';
import { describe, expect, it } from 'vitest';
import { Notifier } from '../../src/app/notifier.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/contract/settings.js';
import type { ActivityView, AppView, AttentionView } from '../../src/contract/view.js';
import { initialStatus } from '../../src/sync/status.js';

const item = (id: number, kind: AttentionView['kind'] = 'unmapped_stage'): AttentionView => ({
  id,
  kind,
  subjectId: `s${id}`,
  reason: `Problem ${id}`,
  firstSeen: '',
  lastSeen: '',
  occurrences: 1,
  retryable: true,
  confirmable: false,
  dismissable: true,
});

function view(over: Partial<AppView> & { notifications?: Settings['notifications'] } = {}): AppView {
  const { notifications, ...rest } = over;
  return {
    version: 't',
    host: 'headless',
    ready: true,
    busy: false,
    tray: { state: 'synced', tooltip: '' },
    status: initialStatus(),
    pausedUntil: null,
    initialImportDone: true,
    nextNightlyAt: null,
    realtime: { state: 'off', reason: null, lastEventAt: null, eventsApplied: 0, subscription: 'unknown' },
    connections: {
      smokeball: { signedIn: true, apiKeySet: true, clientIdSet: true, signInPending: false },
      caseStatus: { apiKeySet: true },
      relay: { configured: false, tokenSet: false },
    },
    attention: [],
    attentionGroups: [],
    activity: [],
    recentRuns: [],
    settings: { ...DEFAULT_SETTINGS, notifications: notifications ?? 'attention' },
    setupProblem: null,
    setup: completedSetupView(),
    ...rest,
  };
}

describe('notifications', () => {
  it('announces new blocking items once, throttled, and never informational ones', () => {
    let t = 0;
    const n = new Notifier(60_000, () => t);
    expect(n.next(view({ attention: [item(1, 'client_without_cell_phone')] }))).toEqual([]);
    const first = n.next(view({ attention: [item(2)] }));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ kind: 'attention', body: 'Problem 2' });
    expect(n.next(view({ attention: [item(2)] }))).toEqual([]); // same item: nothing new
    t = 30_000;
    expect(n.next(view({ attention: [item(2), item(3)] }))).toEqual([]); // new, but within the quiet period
    t = 61_000;
    const later = n.next(view({ attention: [item(2), item(3), item(4), item(5)] }));
    expect(later).toHaveLength(1);
    expect(later[0]!.title).toBe('2 items need attention');
  });

  it('stays quiet when notifications are off', () => {
    const n = new Notifier(0, () => 0);
    expect(n.next(view({ notifications: 'off', attention: [item(1)] }))).toEqual([]);
  });

  it('asks to sign in once after sign-in lapses, and again only after a new sign-in lapses', () => {
    const n = new Notifier(0, () => 0);
    const out = view({
      tray: { state: 'signed_out', tooltip: '' },
      connections: { ...view().connections, smokeball: { signedIn: false, apiKeySet: true, clientIdSet: true, signInPending: false } },
    });
    expect(n.next(out).map((x) => x.kind)).toEqual(['sign_in_needed']);
    expect(n.next(out)).toEqual([]);
    n.next(view());
    expect(n.next(out).map((x) => x.kind)).toEqual(['sign_in_needed']);
  });

  it('at level "all" also reports the end of the initial import and a failed run, once each', () => {
    const n = new Notifier(0, () => 0);
    const importing = view({ notifications: 'all', initialImportDone: false, status: { ...initialStatus(), phase: 'importing', runKind: 'initial' } });
    expect(n.next(importing)).toEqual([]);
    const done = view({
      notifications: 'all',
      status: { ...initialStatus(), phase: 'idle', runKind: 'initial', counts: { ...initialStatus().counts, casesCreated: 1234 } },
    });
    expect(n.next(done)).toEqual([expect.objectContaining({ title: 'Initial sync finished', body: '1234 cases created in Case Status.' })]);
    expect(n.next(done)).toEqual([]);
    const failed = view({
      notifications: 'all',
      recentRuns: [{ id: 9, kind: 'incremental', startedAt: 'a', finishedAt: 'b', outcome: 'failed', error: 'Smokeball unreachable' }],
    });
    expect(n.next(failed)).toEqual([expect.objectContaining({ title: 'Sync failed', body: 'Smokeball unreachable' })]);
    expect(n.next(failed)).toEqual([]);
    expect(
      n.next(
        view({ notifications: 'attention', recentRuns: [{ id: 10, kind: 'incremental', startedAt: 'a', finishedAt: 'c', outcome: 'failed', error: 'x' }] }),
      ),
    ).toEqual([]);
  });

  it('shows at most one notification per kind per 10 minutes; different kinds do not hold each other back', () => {
    let t = 0;
    const n = new Notifier(10 * 60_000, () => t);
    const failedRun = (id: number, at: string) =>
      view({ notifications: 'all', recentRuns: [{ id, kind: 'incremental', startedAt: 'a', finishedAt: at, outcome: 'failed', error: `failure ${id}` }] });
    expect(n.next(failedRun(1, 'f1')).map((x) => x.kind)).toEqual(['sync_failed']);
    t = 60_000;
    // A second failure a minute later, with a new problem item: the item is announced, the failure is not.
    expect(n.next({ ...failedRun(2, 'f2'), attention: [item(7)] }).map((x) => x.kind)).toEqual(['attention']);
    t = 9 * 60_000;
    expect(n.next(failedRun(3, 'f3'))).toEqual([]);
    t = 10 * 60_000 + 1;
    expect(n.next(failedRun(4, 'f4'))).toEqual([expect.objectContaining({ kind: 'sync_failed', body: 'failure 4' })]);
  });

  it('honours "off" for failures and summaries too', () => {
    const n = new Notifier(0, () => 0);
    n.next(view({ notifications: 'off' }));
    const off = view({
      notifications: 'off',
      attention: [item(1, 'sync_failed')],
      recentRuns: [{ id: 1, kind: 'incremental', startedAt: 'a', finishedAt: 'b', outcome: 'failed', error: 'x' }],
      activity: docs(1, 5),
    });
    expect(n.next(off)).toEqual([]);
    expect(
      n.next({
        ...off,
        tray: { state: 'signed_out', tooltip: '' },
        connections: { ...off.connections, smokeball: { ...off.connections.smokeball, signedIn: false } },
      }),
    ).toEqual([]);
  });

  it('sums a write-back batch into one notification when it is over, and never re-announces what was there at start', () => {
    let t = 0;
    const n = new Notifier(10 * 60_000, () => t);
    expect(n.next(view({ notifications: 'all', activity: docs(1, 3) }))).toEqual([]); // already there when the app started
    expect(n.next(view({ notifications: 'all', busy: true, activity: docs(1, 9) }))).toEqual([]); // the batch is running
    const memo: ActivityView = { id: 16, at: '', kind: 'memo', matterId: 'm', summary: 'memo', link: null };
    const done = n.next(view({ notifications: 'all', activity: [memo, ...docs(1, 15)] }));
    expect(done).toEqual([
      { kind: 'writeback_summary', title: 'Case Status items copied to Smokeball', body: '12 documents copied, 1 message memo written to Smokeball.' },
    ]);
    expect(n.next(view({ notifications: 'all', activity: [memo, ...docs(1, 15)] }))).toEqual([]);
    // The next batch within 10 minutes waits and is summed with later ones, not dropped.
    t = 60_000;
    expect(n.next(view({ notifications: 'all', activity: docs(17, 18) }))).toEqual([]);
    t = 11 * 60_000;
    expect(n.next(view({ notifications: 'all', activity: docs(17, 20) }))).toEqual([expect.objectContaining({ body: '4 documents copied to Smokeball.' })]);
  });
});

/** Document activity entries with ids from..to, newest first (as the view lists them). */
function docs(from: number, to: number): ActivityView[] {
  const out: ActivityView[] = [];
  for (let id = to; id >= from; id--) out.push({ id, at: '', kind: 'document', matterId: 'm', summary: `doc ${id}`, link: null });
  return out;
}
