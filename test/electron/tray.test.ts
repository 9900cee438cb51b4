import { describe, expect, it } from 'vitest';
import type { TrayState } from '../../src/contract/view.js';
import { createTrayController, PAUSE_MINUTES, type TrayLike, type TrayMenuItem } from '../../electron/tray.js';
import { FakeCore, viewWith } from './helpers.js';

const STATES: TrayState[] = ['synced', 'syncing', 'paused', 'attention', 'offline', 'signed_out'];

class FakeTray implements TrayLike<string, TrayMenuItem[]> {
  images: string[] = [];
  tooltips: string[] = [];
  menus: TrayMenuItem[][] = [];
  clickListeners: Array<() => void> = [];
  destroyed = false;
  constructor(image: string) {
    this.images.push(image);
  }
  setImage(image: string) {
    this.images.push(image);
  }
  setToolTip(t: string) {
    this.tooltips.push(t);
  }
  setContextMenu(menu: TrayMenuItem[] | null) {
    this.menus.push(menu ?? []);
  }
  on(_event: 'click', listener: () => void) {
    this.clickListeners.push(listener);
  }
  destroy() {
    this.destroyed = true;
  }
  get menu(): TrayMenuItem[] {
    return this.menus.at(-1) ?? [];
  }
  item(id: string): TrayMenuItem {
    const found = this.menu.find((i) => i.id === id);
    if (!found) throw new Error(`no menu item ${id}; have ${this.menu.map((i) => i.id).join(',')}`);
    return found;
  }
}

function setup(initial = viewWith('synced', 'Case Status Sync — Up to date · Last sync 02:01')) {
  const core = new FakeCore(initial);
  let tray!: FakeTray;
  let shown = 0;
  let quits = 0;
  const controller = createTrayController<string, TrayMenuItem[]>(
    {
      createTray: (image) => (tray = new FakeTray(image)),
      buildMenu: (items) => items,
      iconFor: (state) => `icon:${state}`,
      showWindow: () => shown++,
      quit: () => quits++,
    },
    core,
  );
  return { core, controller, tray: () => tray, shown: () => shown, quits: () => quits };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('tray controller', () => {
  it('shows the icon and tooltip of each state', () => {
    const { core, tray } = setup();
    expect(tray().images).toEqual(['icon:synced']);
    expect(tray().tooltips).toEqual(['Case Status Sync — Up to date · Last sync 02:01']);
    for (const state of STATES) {
      core.push(viewWith(state, `Case Status Sync — ${state} · Last sync 02:01`));
      expect(tray().images.at(-1)).toBe(`icon:${state}`);
      expect(tray().tooltips.at(-1)).toBe(`Case Status Sync — ${state} · Last sync 02:01`);
      // The headline is repeated as the first (disabled) menu line for Linux, where tooltips are not shown.
      expect(tray().item('status')).toMatchObject({ label: `${state} · Last sync 02:01`, enabled: false });
    }
  });

  it('has Open, Sync now, Pause for 30 min and Quit, and each calls the right thing', async () => {
    const { core, tray, shown, quits } = setup();
    expect(
      tray()
        .menu.filter((i) => i.type !== 'separator')
        .map((i) => i.label),
    ).toEqual(['Up to date · Last sync 02:01', 'Open Case Status Sync', 'Sync now', `Pause for ${PAUSE_MINUTES} min`, 'Quit Case Status Sync']);
    tray().item('open').click!();
    expect(shown()).toBe(1);
    tray().item('sync').click!();
    tray().item('pause').click!();
    await flush();
    expect(core.calls).toEqual([
      { command: 'syncNow', input: {} },
      { command: 'pause', input: { minutes: 30 } },
    ]);
    tray().item('quit').click!();
    expect(quits()).toBe(1);
    // Clicking the icon itself (Windows, macOS) opens the window too.
    tray().clickListeners.forEach((l) => l());
    expect(shown()).toBe(2);
  });

  it('switches Pause ↔ Resume with the paused state, and Resume resumes', async () => {
    const { core, tray } = setup();
    core.push(viewWith('paused', 'Case Status Sync — Paused until 10:30 · Last sync 02:01', '2025-01-10T10:30:00.000Z'));
    expect(tray().menu.some((i) => i.id === 'pause')).toBe(false);
    expect(tray().item('sync').enabled).toBe(false);
    tray().item('resume').click!();
    await flush();
    expect(core.calls).toEqual([{ command: 'resume', input: {} }]);
    core.push(viewWith('synced', 'Case Status Sync — Up to date · Last sync 02:01'));
    expect(tray().menu.some((i) => i.id === 'resume')).toBe(false);
    expect(tray().item('pause').label).toBe('Pause for 30 min');
  });

  it('disables Sync now and Pause while signed out', () => {
    const { tray } = setup(viewWith('signed_out', 'Case Status Sync — Signed out of Smokeball · Not synced yet'));
    expect(tray().item('sync').enabled).toBe(false);
    expect(tray().item('pause').enabled).toBe(false);
    expect(tray().item('open').enabled).toBeUndefined();
  });

  it('rebuilds the menu only when something in it changed', () => {
    const { core, tray } = setup();
    const before = tray().menus.length;
    const same = viewWith('synced', 'Case Status Sync — Up to date · Last sync 02:01');
    for (let i = 0; i < 5; i++) core.push({ ...same, status: { ...same.status, requestsPerSecond: i } });
    expect(tray().menus.length).toBe(before);
    expect(tray().images).toEqual(['icon:synced']);
    core.push(viewWith('syncing', 'Case Status Sync — Syncing… · Last sync 02:01'));
    expect(tray().menus.length).toBe(before + 1);
  });

  it('logs, rather than throws, when a menu command fails', async () => {
    const { core, tray } = setup();
    core.respond = async () => {
      throw new Error('A sync is already running.');
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    tray().item('sync').click!();
    await flush();
    await flush();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    expect(core.calls).toHaveLength(1);
  });

  it('stops following the core and removes the icon on dispose', () => {
    const { core, controller, tray } = setup();
    expect(core.viewListenerCount).toBe(1);
    controller.dispose();
    expect(core.viewListenerCount).toBe(0);
    expect(tray().destroyed).toBe(true);
  });
});
