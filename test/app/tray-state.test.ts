import { describe, expect, it } from 'vitest';
import { deriveTray, formatTime, type TrayInputs } from '../../src/app/tray-state.js';
import { initialStatus } from '../../src/sync/status.js';

const now = new Date('2026-11-27T15:00:00');
const base = (over: Partial<TrayInputs> = {}): TrayInputs => ({
  setupProblem: null,
  signedIn: true,
  status: { ...initialStatus(), lastSyncAt: '2026-11-27T14:05:00' },
  pausedUntil: null,
  attention: [],
  realtime: { state: 'live' },
  now,
  ...over,
});

describe('tray state', () => {
  it('is synced when idle, signed in and nothing needs attention, with the last sync time in the tooltip', () => {
    const t = deriveTray(base());
    expect(t.state).toBe('synced');
    expect(t.tooltip).toContain('Up to date (real-time on)');
    expect(t.tooltip).toContain(`Last sync ${formatTime('2026-11-27T14:05:00', now)}`);
  });

  it('is syncing while a run is in progress', () => {
    for (const phase of ['preparing', 'importing', 'reconciling', 'incremental'] as const) {
      expect(deriveTray(base({ status: { ...initialStatus(), phase } })).state).toBe('syncing');
    }
    expect(deriveTray(base({ status: { ...initialStatus(), phase: 'importing' } })).tooltip).toContain('Importing');
  });

  it('is paused until the pause ends, and not after', () => {
    expect(deriveTray(base({ pausedUntil: '2026-11-27T15:30:00' })).state).toBe('paused');
    expect(deriveTray(base({ pausedUntil: '2026-11-27T14:30:00' })).state).toBe('synced');
  });

  it('is offline when the last run failed', () => {
    expect(deriveTray(base({ status: { ...initialStatus(), phase: 'error', lastOutcome: 'failed' } })).state).toBe('offline');
  });

  it('needs attention for blocking items only: a client without a cell phone is information', () => {
    expect(deriveTray(base({ attention: [{ kind: 'client_without_cell_phone' }] })).state).toBe('synced');
    const t = deriveTray(base({ attention: [{ kind: 'unmapped_stage' }, { kind: 'client_without_cell_phone' }, { kind: 'document_failed' }] }));
    expect(t.state).toBe('attention');
    expect(t.tooltip).toContain('2 items need attention');
  });

  it('orders states by urgency: signed out over attention over offline over paused over syncing', () => {
    const everything = base({
      signedIn: false,
      attention: [{ kind: 'unmapped_stage' }],
      status: { ...initialStatus(), phase: 'error', lastOutcome: 'failed' },
      pausedUntil: '2026-11-27T16:00:00',
    });
    expect(deriveTray(everything).state).toBe('signed_out');
    expect(deriveTray({ ...everything, signedIn: true }).state).toBe('attention');
    expect(deriveTray({ ...everything, signedIn: true, attention: [] }).state).toBe('offline');
    expect(deriveTray({ ...everything, signedIn: true, attention: [], status: { ...initialStatus(), phase: 'importing' } }).state).toBe('paused');
  });

  it('shows the set-up problem as the signed-out tooltip', () => {
    const t = deriveTray(base({ setupProblem: 'The Case Status API key is not set up yet.' }));
    expect(t.state).toBe('signed_out');
    expect(t.tooltip).toContain('The Case Status API key is not set up yet.');
    expect(t.tooltip).toContain('Last sync');
  });

  it('formats times relative to today', () => {
    expect(formatTime('2026-11-27T09:07:00', now)).toBe('09:07');
    expect(formatTime('2026-11-25T09:07:00', now)).toMatch(/^Wed 09:07$/);
    expect(formatTime('2026-10-01T09:07:00', now)).toMatch(/Oct 1, 2026 09:07/);
  });
});
