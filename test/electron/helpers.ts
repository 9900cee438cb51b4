import { AppCore } from '../../src/app/app-core.js';
import type { AppNotification } from '../../src/app/ports.js';
import { MemorySettingsStore } from '../../src/app/settings-store.js';
import type { AppView, TrayState } from '../../src/contract/view.js';
import { MemorySecretStore } from '../../src/sync/ports.js';
import type { DesktopCore } from '../../electron/core-port.js';
import { tempDir } from '../helpers/tmp.js';

/** A real AppView (from a real, never-started AppCore), so fakes stay in step with the contract. */
export function baseView(): AppView {
  const tmp = tempDir('css-view-');
  try {
    return new AppCore({ dataDir: tmp.dir, host: 'electron', secrets: new MemorySecretStore(), settings: new MemorySettingsStore() }).view();
  } finally {
    tmp.cleanup();
  }
}

export function viewWith(state: TrayState, tooltip: string, pausedUntil: string | null = null): AppView {
  const view = baseView();
  return { ...view, tray: { state, tooltip }, pausedUntil };
}

/** The core as the Electron shell sees it: records commands, pushes views on demand. */
export class FakeCore implements DesktopCore {
  readonly calls: Array<{ command: unknown; input: unknown }> = [];
  private readonly viewListeners = new Set<(view: AppView) => void>();
  private readonly notifyListeners = new Set<(n: AppNotification) => void>();
  wakes = 0;
  respond: (command: unknown, input: unknown) => Promise<unknown> = async () => ({ ok: true });

  constructor(public current: AppView = baseView()) {}

  async invoke(command: unknown, input: unknown): Promise<unknown> {
    this.calls.push({ command, input });
    return this.respond(command, input);
  }
  onView(listener: (view: AppView) => void): () => void {
    this.viewListeners.add(listener);
    return () => this.viewListeners.delete(listener);
  }
  onNotify(listener: (n: AppNotification) => void): () => void {
    this.notifyListeners.add(listener);
    return () => this.notifyListeners.delete(listener);
  }
  view(): AppView {
    return this.current;
  }
  wake(): void {
    this.wakes++;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  push(view: AppView): void {
    this.current = view;
    for (const l of this.viewListeners) l(view);
  }
  get viewListenerCount(): number {
    return this.viewListeners.size;
  }
}
