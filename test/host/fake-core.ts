import { completedSetupView } from '../../src/app/setup-state.js';
import { parseCommand } from '../../src/contract/commands.js';
import { initialStatus } from '../../src/sync/status.js';
import { DEFAULT_SETTINGS } from '../../src/contract/settings.js';
import type { AppView } from '../../src/contract/view.js';
import type { HostedCore } from '../../src/host/hosted-core.js';

/**
 * A stand-in for the app core in the host's own tests: the host's job is transport and access control, so these tests
 * need a core that records what reached it and can fail on demand. The UI tests use the real core.
 */
export class RecordingCore implements HostedCore {
  readonly calls: Array<{ command: string; input: unknown }> = [];
  private current: AppView = sampleView();
  private readonly listeners = new Set<(view: AppView) => void>();
  /** Makes the next syncNow throw an Error whose stack must not reach the window. */
  failNext: Error | null = null;

  async invoke(command: string, input: unknown): Promise<unknown> {
    const parsed = parseCommand(command, input);
    this.calls.push(parsed);
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    switch (parsed.command) {
      case 'getView':
        return this.current;
      case 'syncNow':
        return { started: true };
      default:
        return { ok: parsed.command };
    }
  }

  view(): AppView {
    return this.current;
  }

  onView(listener: (view: AppView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  push(patch: Partial<AppView>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener(this.current);
  }

  listenerCount(): number {
    return this.listeners.size;
  }
}

export function sampleView(): AppView {
  return {
    version: '0.0.0-test',
    host: 'headless',
    ready: true,
    busy: false,
    tray: { state: 'synced', tooltip: 'Up to date' },
    status: { ...initialStatus(), message: '' },
    pausedUntil: null,
    initialImportDone: false,
    nextNightlyAt: null,
    realtime: { state: 'off', reason: 'No relay configured', lastEventAt: null, eventsApplied: 0, subscription: 'unknown' },
    connections: {
      smokeball: { signedIn: true, apiKeySet: true, clientIdSet: true, signInPending: false },
      caseStatus: { apiKeySet: true },
      relay: { configured: false, tokenSet: false },
    },
    attention: [],
    attentionGroups: [],
    activity: [],
    recentRuns: [],
    settings: DEFAULT_SETTINGS,
    setupProblem: null,
    setup: completedSetupView(),
  };
}
