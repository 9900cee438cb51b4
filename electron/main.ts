/**
 * Electron main: the composition root of the tray app. No sync logic lives here; it wires the app core (src/app) to
 * Electron: single-instance lock, the app:// protocol, the window, the tray, IPC, power events, notifications,
 * launch at login and auto-update.
 */
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, powerMonitor, protocol, session, shell, Tray, type NativeImage } from 'electron';
import electronStore from 'electron-store';
import electronUpdater from 'electron-updater';
import { AppCore } from '../src/app/app-core.js';
import { installCrashHandlers } from '../src/app/crash-handlers.js';
import { KeytarSecretStore } from '../src/app/keychain.js';
import { applyNetworkSettings } from '../src/app/network-settings.js';
import { diagnosticsExporter } from '../src/app/diagnostics-export.js';
import { selfUpdates } from './update-policy.js';
import { rememberSecrets } from '../src/app/known-secrets.js';
import { redactText } from '../src/app/log-redaction.js';
import type { TrayState } from '../src/contract/view.js';
import { APP_ORIGIN, APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol.js';
import { forwardViews, registerIpc } from './ipc.js';
import { applyLaunchAtLogin, launchedHidden } from './login-item.js';
import { createFileLogger } from './logger.js';
import { createNotificationPresenter } from './notifications.js';
import { ElectronSettingsStore } from './settings-store.js';
import { createTrayController, type TrayController } from './tray.js';
import { createMainWindow, hardenSession, showWindow, trustedSenderCheck } from './window.js';

const APP_ID = 'com.casestatus.sync.smokeball'; // as in electron-builder.yml
const UPDATE_CHECK_EVERY_MS = 6 * 60 * 60_000;
const STOP_TIMEOUT_MS = 10_000;

// Must happen before `ready`: the scheme the window is served from.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) {
  // Another copy is running; it gets a 'second-instance' event and shows its window.
  app.quit();
} else {
  main().catch((error: unknown) => {
    // Nothing else can show this: no window or tray exists yet.
    dialog.showErrorBox('Case Status Sync could not start', redactText(error instanceof Error ? error.message : String(error)));
    app.exit(1);
  });
}

async function main(): Promise<void> {
  let window: BrowserWindow | null = null;
  let tray: TrayController | null = null;
  let quitting = false;
  let stopped = false;

  app.on('second-instance', () => showWindow(window));
  // The tray app keeps running with no window; only Quit ends it.
  app.on('window-all-closed', () => {});

  // Windows shows notifications only for an app with an AppUserModelID (the installer registers this one).
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  await app.whenReady();
  const appRoot = app.getAppPath();
  // Every secret value read from or written to the keychain is blanked out of the log wherever it appears.
  const secrets = rememberSecrets(new KeytarSecretStore());
  const logger = createFileLogger(join(app.getPath('logs'), 'main.log'), undefined, secrets.knownSecrets);
  // Logged redacted, and the app keeps running (Electron's own default, minus its dialog showing the raw stack).
  installCrashHandlers({
    report: (kind, text) => logger.error(kind === 'uncaughtException' ? 'Uncaught exception' : 'Unhandled rejection', { report: text }),
    knownSecrets: secrets.knownSecrets,
  });

  protocol.handle(APP_SCHEME, createAppProtocolHandler(join(appRoot, 'dist', 'renderer')));
  hardenSession(session.defaultSession);

  const settings = new ElectronSettingsStore({ Store: electronStore, cwd: app.getPath('userData'), logger });
  // Every request follows the system's proxy (settings, PAC, WPAD) as Chromium resolves it for that URL.
  applyNetworkSettings({ settings, secrets, resolveProxy: (url) => session.defaultSession.resolveProxy(url) });
  const core = new AppCore({
    dataDir: app.getPath('userData'),
    host: 'electron',
    version: app.getVersion(),
    secrets,
    settings,
    openExternal: async (url) => {
      // Only web links leave the app (no file:, no custom schemes that launch other programs).
      if (!/^https?:\/\//i.test(url)) throw new Error('Only http(s) links can be opened');
      await shell.openExternal(url);
    },
    logger,
    exportDiagnostics: diagnosticsExporter({
      dataDir: app.getPath('userData'),
      logDirs: [app.getPath('logs')],
      outDir: app.getPath('downloads'),
      settings,
      secrets,
      version: app.getVersion(),
    }),
  });

  const open = () => showWindow(window);
  window = createMainWindow((options) => new BrowserWindow(options), {
    preload: join(import.meta.dirname, 'preload.cjs'),
    openExternal: (url) => void shell.openExternal(url),
    isQuitting: () => quitting,
    startHidden: launchedHidden(process.argv, app.getLoginItemSettings().wasOpenedAtLogin),
    devTools: !app.isPackaged,
  });
  window.on('closed', () => {
    window = null;
  });

  registerIpc({ ipcMain, core, isTrustedSender: trustedSenderCheck(() => window, APP_ORIGIN), logger });
  forwardViews(core, () => (window ? window.webContents : null));

  const icons = new Map<TrayState, NativeImage>();
  tray = createTrayController<NativeImage, Menu>(
    {
      createTray: (image) => new Tray(image),
      buildMenu: (items) => Menu.buildFromTemplate(items),
      // tray-<state>.png plus tray-<state>@2x.png: Electron picks the @2x file on high-DPI screens.
      iconFor: (state) => {
        let icon = icons.get(state);
        if (!icon) {
          icon = nativeImage.createFromPath(join(appRoot, 'electron', 'assets', `tray-${state}.png`));
          icons.set(state, icon);
        }
        return icon;
      },
      showWindow: open,
      quit: () => app.quit(),
      logger,
    },
    core,
  );

  core.onNotify(
    createNotificationPresenter({
      isSupported: () => Notification.isSupported(),
      create: (options) => new Notification(options),
      onClick: open,
    }),
  );

  // Launch at login: applied at start and whenever the setting changes.
  let loginItem: boolean | null = null;
  const syncLoginItem = (enabled: boolean) => {
    if (enabled === loginItem) return;
    loginItem = enabled;
    try {
      applyLaunchAtLogin(enabled, {
        platform: process.platform,
        setLoginItemSettings: (s) => app.setLoginItemSettings(s),
        autostartDir: join(process.env.XDG_CONFIG_HOME ?? join(app.getPath('home'), '.config'), 'autostart'),
        executable: process.env.APPIMAGE ?? process.execPath,
      });
    } catch (error) {
      logger.warn('Could not change launch at login', { error: (error as Error).message });
    }
  };
  syncLoginItem(settings.get().launchAtLogin);
  core.onView((view) => syncLoginItem(view.settings.launchAtLogin));

  // A laptop that slept through the nightly time catches up when it wakes.
  powerMonitor.on('resume', () => core.wake());
  powerMonitor.on('unlock-screen', () => core.wake());

  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped) return;
    // Stop the core first (finish the SQLite transaction in flight, close the database), then really quit.
    event.preventDefault();
    stopped = true;
    tray?.dispose();
    tray = null;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref());
    void Promise.race([core.stop(), timeout])
      .catch((error: unknown) => logger.error('Stopping the sync failed', { error: (error as Error).message }))
      .finally(() => app.quit());
  });

  // MSI (per-machine) installs are updated by IT; see electron/update-policy.ts and docs/it-admin.md.
  if (app.isPackaged && selfUpdates(process.platform, process.execPath, process.env)) {
    const { autoUpdater } = electronUpdater;
    autoUpdater.logger = {
      info: (m: unknown) => logger.info(String(m)),
      warn: (m: unknown) => logger.warn(String(m)),
      error: (m: unknown) => logger.error(String(m)),
      debug: () => {},
    };
    const check = () =>
      void autoUpdater.checkForUpdatesAndNotify().catch((error: unknown) => logger.warn('Update check failed', { error: (error as Error).message }));
    check();
    setInterval(check, UPDATE_CHECK_EVERY_MS).unref();
  }

  await core.start();
}
