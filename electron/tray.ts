import type { AppView, TrayState } from '../src/contract/view.js';
import { silentLogger, type Logger } from '../src/sync/index.js';
import type { DesktopCore } from './core-port.js';

/**
 * The tray icon, tooltip and menu, drawn from the core's view (the state itself is derived in src/app/tray-state.ts).
 * Electron's Tray and Menu are injected, so the controller is tested without the Electron binary.
 */

/** The subset of Electron's Tray used here. */
export interface TrayLike<Image, Menu> {
  setImage(image: Image): void;
  setToolTip(toolTip: string): void;
  setContextMenu(menu: Menu | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

/** One menu entry (a subset of Electron's MenuItemConstructorOptions). */
export interface TrayMenuItem {
  id?: string;
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

export interface TrayControllerDeps<Image, Menu> {
  createTray(image: Image): TrayLike<Image, Menu>;
  buildMenu(items: TrayMenuItem[]): Menu;
  iconFor(state: TrayState): Image;
  showWindow(): void;
  quit(): void;
  logger?: Logger;
}

export const PAUSE_MINUTES = 30;

export interface TrayController {
  /** Redraws from a view; the menu is rebuilt only when something it shows changed. */
  update(view: AppView): void;
  /** The entries of the current menu (for tests and diagnostics). */
  readonly items: readonly TrayMenuItem[];
  dispose(): void;
}

export function createTrayController<Image, Menu>(
  deps: TrayControllerDeps<Image, Menu>,
  core: Pick<DesktopCore, 'invoke' | 'onView' | 'view'>,
): TrayController {
  const logger = deps.logger ?? silentLogger;
  const initial = core.view();
  const tray = deps.createTray(deps.iconFor(initial.tray.state));
  let shownState: TrayState = initial.tray.state;
  let shownTooltip = '';
  let menuKey = '';
  let items: TrayMenuItem[] = [];

  const run = (command: 'syncNow' | 'pause' | 'resume') => () => {
    const call = command === 'pause' ? core.invoke('pause', { minutes: PAUSE_MINUTES }) : core.invoke(command, {});
    // A menu click has nobody to show an error to: log it; the window shows the state.
    call.catch((error: unknown) => logger.warn('Tray command failed', { command, error: error instanceof Error ? error.message : String(error) }));
  };

  function menuFor(view: AppView): TrayMenuItem[] {
    const paused = view.pausedUntil !== null;
    const canSync = view.tray.state !== 'signed_out' && !paused;
    return [
      // The headline as a disabled first line: Linux app indicators show no tooltip.
      { id: 'status', label: view.tray.tooltip.replace(/^Case Status Sync — /, ''), enabled: false },
      { type: 'separator' },
      { id: 'open', label: 'Open Case Status Sync', click: deps.showWindow },
      { id: 'sync', label: 'Sync now', enabled: canSync, click: run('syncNow') },
      paused
        ? { id: 'resume', label: 'Resume', click: run('resume') }
        : { id: 'pause', label: `Pause for ${PAUSE_MINUTES} min`, enabled: view.tray.state !== 'signed_out', click: run('pause') },
      { type: 'separator' },
      { id: 'quit', label: 'Quit Case Status Sync', click: deps.quit },
    ];
  }

  function update(view: AppView): void {
    if (view.tray.state !== shownState) {
      tray.setImage(deps.iconFor(view.tray.state));
      shownState = view.tray.state;
    }
    if (view.tray.tooltip !== shownTooltip) {
      tray.setToolTip(view.tray.tooltip);
      shownTooltip = view.tray.tooltip;
    }
    const next = menuFor(view);
    const key = JSON.stringify(next.map(({ id, label, enabled, type }) => [id, label, enabled, type]));
    if (key !== menuKey) {
      // Rebuilding a menu on every progress tick makes some Linux indicators flicker: only when it changed.
      menuKey = key;
      items = next;
      tray.setContextMenu(deps.buildMenu(next));
    }
  }

  tray.on('click', deps.showWindow);
  update(initial);
  const unsubscribe = core.onView(update);
  return {
    update,
    get items() {
      return items;
    },
    dispose() {
      unsubscribe();
      tray.destroy();
    },
  };
}
