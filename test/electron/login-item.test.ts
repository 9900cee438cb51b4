import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTOSTART_FILE, applyLaunchAtLogin, HIDDEN_ARG, launchedHidden } from '../../electron/login-item.js';
import { createNotificationPresenter, type NotificationLike } from '../../electron/notifications.js';
import { tempDir } from '../helpers/tmp.js';

describe('launch at login', () => {
  it('macOS and Windows: the login item, started hidden', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const calls: unknown[] = [];
      const deps = { platform, setLoginItemSettings: (s: unknown) => calls.push(s), autostartDir: '/nonexistent', executable: '/x' };
      applyLaunchAtLogin(true, deps);
      applyLaunchAtLogin(false, deps);
      expect(calls).toEqual([
        { openAtLogin: true, openAsHidden: true, args: [HIDDEN_ARG] },
        { openAtLogin: false, openAsHidden: true, args: [HIDDEN_ARG] },
      ]);
    }
  });

  it('Linux: writes and removes an XDG autostart entry (Electron has no login items there)', () => {
    const tmp = tempDir('css-autostart-');
    const autostartDir = join(tmp.dir, 'config', 'autostart');
    const calls: unknown[] = [];
    const deps = {
      platform: 'linux' as const,
      setLoginItemSettings: (s: unknown) => calls.push(s),
      autostartDir,
      executable: '/opt/Case Status Sync/case-status-$ync.AppImage',
    };
    applyLaunchAtLogin(true, deps);
    const file = join(autostartDir, AUTOSTART_FILE);
    const entry = readFileSync(file, 'utf8');
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=Case Status Sync\n');
    expect(entry).toContain('Exec="/opt/Case Status Sync/case-status-\\$ync.AppImage" --hidden\n');
    applyLaunchAtLogin(true, deps); // idempotent
    applyLaunchAtLogin(false, deps);
    expect(existsSync(file)).toBe(false);
    applyLaunchAtLogin(false, deps); // removing twice is fine
    expect(calls).toEqual([]);
    tmp.cleanup();
  });

  it('knows a login launch from the flag or from macOS', () => {
    expect(launchedHidden(['/app/case-status-sync', HIDDEN_ARG], false)).toBe(true);
    expect(launchedHidden(['/app/case-status-sync'], true)).toBe(true);
    expect(launchedHidden(['/app/case-status-sync'], false)).toBe(false);
  });
});

describe('notifications', () => {
  function setup(supported = true) {
    const created: Array<{ options: unknown; n: NotificationLike & { fire(e: string): void; shown: boolean } }> = [];
    let clicks = 0;
    const show = createNotificationPresenter({
      isSupported: () => supported,
      create: (options) => {
        const handlers = new Map<string, () => void>();
        const n = {
          shown: false,
          show() {
            this.shown = true;
          },
          on(e: 'click' | 'close' | 'failed', l: () => void) {
            handlers.set(e, l);
          },
          fire(e: string) {
            handlers.get(e)?.();
          },
        };
        created.push({ options, n });
        return n;
      },
      onClick: () => clicks++,
    });
    return { show, created, clicks: () => clicks };
  }

  it('shows the title and body; attention is not silent, the rest is; a click opens the window', () => {
    const { show, created, clicks } = setup();
    show({ kind: 'attention', title: '3 items need attention', body: 'Stage "Intake" has no Case Status stage' });
    show({ kind: 'sync_finished', title: 'Initial sync finished', body: '2000 cases created in Case Status.' });
    expect(created.map((c) => c.options)).toEqual([
      { title: '3 items need attention', body: 'Stage "Intake" has no Case Status stage', silent: false },
      { title: 'Initial sync finished', body: '2000 cases created in Case Status.', silent: true },
    ]);
    expect(created.every((c) => c.n.shown)).toBe(true);
    created[0]!.n.fire('click');
    expect(clicks()).toBe(1);
  });

  it('does nothing where notifications are not supported', () => {
    const { show, created } = setup(false);
    show({ kind: 'attention', title: 't', body: 'b' });
    expect(created).toEqual([]);
  });
});
