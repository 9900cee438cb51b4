import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Launch at login. macOS and Windows have `app.setLoginItemSettings`; on Linux Electron does not implement it, so the
 * freedesktop way is used: a .desktop file in ~/.config/autostart. Either way the app is started with `--hidden`, so
 * it goes straight to the tray.
 */
export const HIDDEN_ARG = '--hidden';
export const AUTOSTART_FILE = 'case-status-sync.desktop';

export interface LoginItemDeps {
  platform: NodeJS.Platform;
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void;
  /** Linux: the autostart folder ($XDG_CONFIG_HOME/autostart). */
  autostartDir: string;
  /** Linux: what to run ($APPIMAGE for an AppImage, else the executable). */
  executable: string;
}

export function applyLaunchAtLogin(enabled: boolean, deps: LoginItemDeps): void {
  if (deps.platform === 'linux') {
    const file = join(deps.autostartDir, AUTOSTART_FILE);
    if (!enabled) {
      rmSync(file, { force: true });
      return;
    }
    mkdirSync(deps.autostartDir, { recursive: true });
    writeFileSync(file, desktopEntry(deps.executable), { mode: 0o644 });
    return;
  }
  deps.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true, args: [HIDDEN_ARG] });
}

/** Quotes per the Desktop Entry spec: the Exec value in double quotes with \, ", ` and $ escaped. */
function desktopEntry(executable: string): string {
  const quoted = `"${executable.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Case Status Sync',
    `Exec=${quoted} ${HIDDEN_ARG}`,
    'X-GNOME-Autostart-enabled=true',
    'Terminal=false',
    '',
  ].join('\n');
}

/** True when this launch came from the login item (start in the tray, no window). */
export function launchedHidden(argv: readonly string[], wasOpenedAtLogin: boolean): boolean {
  return wasOpenedAtLogin || argv.includes(HIDDEN_ARG);
}
