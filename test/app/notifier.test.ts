import { completedSetupView } from '../../src/app/setup-state.js';
import { describe, expect, it } from 'vitest';
import { Notifier } from '../../src/app/notifier.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/contract/settings.js';
import type { AppView, AttentionView } from '../../src/contract/view.js';
import { initialStatus } from '../../src/sync/status.js';

const item = (id: number, kind: AttentionView['kind'] = 'unmapped_stage'): AttentionView => ({
  id, kind, subjectId: `s${id}`, reason: `Problem ${id}`, firstSeen: '', lastSeen: '', occurrences: 1, retryable: true, confirmable: false, dismissable: true,
});

function view(over: Partial<AppView> & { notifications?: Settings['notifications'] } = {}): AppView {
  const { notifications, ...rest } = over;
  return {
    version: 't', host: 'headless', ready: true, busy: false,
    tray: { state: 'synced', tooltip: '' },
    status: initialStatus(),
    pausedUntil: null, initialImportDone: true, nextNightlyAt: null,
    realtime: { state: 'off', reason: null, lastEventAt: null, eventsApplied: 0, subscription: 'unknown' },
    connections: { smokeball: { signedIn: true, apiKeySet: true, clientIdSet: true, signInPending: false }, caseStatus: { apiKeySet: true }, relay: { configured: false, tokenSet: false } },
    attention: [], attentionGroups: [], activity: [], recentRuns: [],
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
    const out = view({ tray: { state: 'signed_out', tooltip: '' }, connections: { ...view().connections, smokeball: { signedIn: false, apiKeySet: true, clientIdSet: true, signInPending: false } } });
    expect(n.next(out).map((x) => x.kind)).toEqual(['sign_in_needed']);
    expect(n.next(out)).toEqual([]);
    n.next(view());
    expect(n.next(out).map((x) => x.kind)).toEqual(['sign_in_needed']);
  });

  it('at level "all" also reports the end of the initial import and a failed run, once each', () => {
    const n = new Notifier(0, () => 0);
    const importing = view({ notifications: 'all', initialImportDone: false, status: { ...initialStatus(), phase: 'importing', runKind: 'initial' } });
    expect(n.next(importing)).toEqual([]);
    const done = view({ notifications: 'all', status: { ...initialStatus(), phase: 'idle', runKind: 'initial', counts: { ...initialStatus().counts, casesCreated: 1234 } } });
    expect(n.next(done)).toEqual([expect.objectContaining({ title: 'Initial sync finished', body: '1234 cases created in Case Status.' })]);
    expect(n.next(done)).toEqual([]);
    const failed = view({ notifications: 'all', recentRuns: [{ id: 9, kind: 'incremental', startedAt: 'a', finishedAt: 'b', outcome: 'failed', error: 'Smokeball unreachable' }] });
    expect(n.next(failed)).toEqual([expect.objectContaining({ title: 'Sync failed', body: 'Smokeball unreachable' })]);
    expect(n.next(failed)).toEqual([]);
    expect(n.next(view({ notifications: 'attention', recentRuns: [{ id: 10, kind: 'incremental', startedAt: 'a', finishedAt: 'c', outcome: 'failed', error: 'x' }] }))).toEqual([]);
  });
});
