import { completedSetupView } from '../../src/app/setup-state.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/contract/settings.js';
import { buildView, type ViewInputs } from '../../src/app/view-model.js';
import { initialStatus } from '../../src/sync/status.js';
import { retryAttentionGroup, type AttentionActions } from '../../src/app/attention-actions.js';
import type { AttentionItem } from '../../src/store/attention.js';

const now = new Date('2026-12-01T10:00:00Z');
const inputs = (over: Partial<ViewInputs> = {}): ViewInputs => ({
  version: '1.2.3',
  host: 'headless',
  ready: true,
  busy: false,
  engineStatus: { ...initialStatus(), lastSyncAt: '2026-12-01T09:00:00Z', lastOutcome: 'succeeded' },
  setupProblem: null,
  setup: completedSetupView(),
  signedIn: true,
  signInPending: false,
  pausedUntil: null,
  now,
  storageProblem: null,
  dataDir: 'data',
  attention: [],
  activity: [],
  runs: [],
  realtime: null,
  realtimeProblem: null,
  settings: DEFAULT_SETTINGS,
  secretsSet: { smokeballApiKey: true, caseStatusApiKey: true, relayToken: false },
  initialImportDone: true,
  nextNightlyAt: null,
  ...over,
});

describe('view model', () => {
  it('carries the share of a shared Smokeball budget, and nothing in per-firm mode', () => {
    expect(buildView(inputs()).smokeballBudget).toBeNull();
    expect(buildView(inputs({ smokeballBudget: { ratePerSecond: 0.8, mode: 'shared' } })).smokeballBudget).toEqual({ ratePerSecond: 0.8, mode: 'shared' });
  });

  it('is synced when signed in and idle', () => {
    const v = buildView(inputs());
    expect(v.tray.state).toBe('synced');
    expect(v.setupProblem).toBeNull();
    expect(v.connections.smokeball).toEqual({ signedIn: true, apiKeySet: true, clientIdSet: false, signInPending: false });
    expect(v.connections.relay).toEqual({ configured: false, tokenSet: false });
    expect(v.realtime.state).toBe('off');
    expect(v.realtime.reason).toContain('No relay is configured');
  });

  it('explains what is missing when there is no stack', () => {
    const v = buildView(inputs({ engineStatus: null, signedIn: false, setupProblem: 'Enter the Smokeball client id in Settings → Connections.' }));
    expect(v.status.phase).toBe('signed_out');
    expect(v.status.message).toBe('Enter the Smokeball client id in Settings → Connections.');
    expect(v.tray.state).toBe('signed_out');
  });

  it('asks for sign-in when the stack is up but Smokeball is not signed in', () => {
    const v = buildView(inputs({ signedIn: false }));
    expect(v.setupProblem).toBe('Sign in to Smokeball to start syncing.');
    expect(v.tray.state).toBe('signed_out');
  });

  it('shows an idle core as paused while a pause is in force, and not after it ends', () => {
    const paused = buildView(inputs({ pausedUntil: new Date(now.getTime() + 60_000) }));
    expect(paused.status.phase).toBe('paused');
    expect(paused.pausedUntil).toBe(new Date(now.getTime() + 60_000).toISOString());
    expect(paused.tray.state).toBe('paused');
    const over = buildView(inputs({ pausedUntil: new Date(now.getTime() - 1) }));
    expect(over.status.phase).toBe('idle');
    expect(over.pausedUntil).toBeNull();
  });

  it('lists a storage problem first, as an item that cannot be dismissed or retried', () => {
    const item = { id: 7, kind: 'unmapped_stage' as const, subjectId: 's1', reason: 'Unmapped', details: {}, firstSeen: 'a', lastSeen: 'b', occurrences: 2 };
    const v = buildView(inputs({ storageProblem: { kind: 'disk_full', reason: 'The disk is full' }, attention: [item] }));
    expect(v.attention.map((a) => [a.id, a.kind, a.dismissable, a.retryable])).toEqual([
      [0, 'disk_full', false, false],
      [7, 'unmapped_stage', true, true],
    ]);
    expect(v.attention[0]!.subjectId).toBe('data');
    expect(v.tray.state).toBe('attention');
  });

  it('makes a blocked mass closure confirmable, not retryable', () => {
    const item = {
      id: 3,
      kind: 'mass_closure_blocked' as const,
      subjectId: 'firm',
      reason: 'Too many',
      details: {},
      firstSeen: 'a',
      lastSeen: 'a',
      occurrences: 1,
    };
    const [a] = buildView(inputs({ attention: [item] })).attention;
    expect([a!.confirmable, a!.retryable]).toEqual([true, false]);
  });

  it('offers no Retry on unsafe content (it was already made safe) but lets it be dismissed', () => {
    const item = {
      id: 4,
      kind: 'unsafe_content' as const,
      subjectId: 'document:d1',
      reason: 'Saved as invoice.pdf.exe.txt',
      details: {},
      firstSeen: 'a',
      lastSeen: 'a',
      occurrences: 1,
    };
    const [a] = buildView(inputs({ attention: [item] })).attention;
    expect([a!.retryable, a!.confirmable, a!.dismissable]).toEqual([false, false, true]);
  });

  it('passes the real-time status through, or says why it is off', () => {
    const live = { state: 'live' as const, reason: null, lastEventAt: null, eventsApplied: 4, subscription: 'ok' as const };
    expect(buildView(inputs({ realtime: live })).realtime).toEqual(live);
    expect(buildView(inputs({ realtimeProblem: 'Enter the relay token' })).realtime.reason).toBe('Enter the relay token');
  });

  it('drops run statistics from recent runs', () => {
    const run = { id: 1, kind: 'initial' as const, startedAt: 'a', finishedAt: 'b', outcome: 'succeeded', error: null, stats: { x: 1 } };
    expect(buildView(inputs({ runs: [run] })).recentRuns).toEqual([
      { id: 1, kind: 'initial', startedAt: 'a', finishedAt: 'b', outcome: 'succeeded', error: null },
    ]);
  });
});

describe('items needing attention, grouped by kind', () => {
  const stored = (id: number, kind: AttentionItem['kind'], subjectId = `s${id}`): AttentionItem => ({
    id,
    kind,
    subjectId,
    reason: `Problem ${id}`,
    details: {},
    firstSeen: 'a',
    lastSeen: 'a',
    occurrences: 1,
  });

  it('puts the one item a person must act on above 199 clients that cannot be texted, with full counts', () => {
    const phones = Array.from({ length: 50 }, (_, i) => stored(i + 1, 'client_without_cell_phone'));
    const v = buildView(
      inputs({
        attention: [...phones, stored(500, 'sync_failed'), stored(501, 'unmapped_stage')],
        attentionCounts: { client_without_cell_phone: 199, sync_failed: 1, unmapped_stage: 1 },
      }),
    );
    expect(v.attentionGroups.map((g) => [g.kind, g.count, g.needsDecision])).toEqual([
      ['unmapped_stage', 1, true],
      ['sync_failed', 1, false],
      ['client_without_cell_phone', 199, false],
    ]);
    expect(v.attentionGroups[0]!.first.reason).toBe('Problem 501');
    expect(v.attentionGroups[2]!.retryable).toBe(false);
  });

  it('offers Confirm only on a group of one refused closure, and the data folder problem as a decision', () => {
    const v = buildView(inputs({ attention: [stored(3, 'mass_closure_blocked')], storageProblem: { kind: 'disk_full', reason: 'The disk is full' } }));
    expect(v.attentionGroups.map((g) => [g.kind, g.count, g.needsDecision, g.confirmable, g.dismissable])).toEqual([
      ['disk_full', 1, true, false, false],
      ['mass_closure_blocked', 1, true, true, true],
    ]);
  });

  it('retries a group once for what fixes the kind, and each message or document of it', async () => {
    const calls: string[] = [];
    const act: AttentionActions = {
      signIn: async () => calls.push('sign-in'),
      retryWriteback: (id) => void calls.push(`writeback ${id}`),
      restartRealtime: async () => void calls.push('realtime'),
      startRun: async (kind, ids) => (calls.push(`${kind} ${(ids ?? []).join(',')}`.trim()), { started: true }),
      answerHeld: (send) => (calls.push(`answer ${send}`), { started: true }),
    };
    expect(await retryAttentionGroup([stored(1, 'unmapped_stage'), stored(2, 'unmapped_stage')], act)).toMatchObject({ retried: true });
    expect(await retryAttentionGroup([stored(3, 'matter_failed', 'm1'), stored(4, 'matter_failed', 'm2')], act)).toEqual({
      retried: true,
      message: 'Syncing 2 matters again.',
    });
    expect(await retryAttentionGroup([stored(5, 'message_failed', 'x'), stored(6, 'message_failed', 'y')], act)).toEqual({
      retried: true,
      message: 'Trying 2 again.',
    });
    expect(await retryAttentionGroup([], act)).toMatchObject({ retried: false });
    expect(calls).toEqual(['reconcile', 'refresh m1,m2', 'writeback x', 'writeback y']);
  });
});
