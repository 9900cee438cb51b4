import type { BrowserWindow, BrowserWindowConstructorOptions, HandlerDetails, Session, WindowOpenHandlerResponse } from 'electron';
import { APP_INDEX_URL, CONTENT_SECURITY_POLICY } from './app-protocol.js';
import { isOwnRendererFrame } from './ipc.js';

/**
 * The one window. Locked down as Electron's security checklist asks: context isolation and the sandbox on, no Node,
 * a strict CSP, no navigation away from our own pages, no new windows (http(s) links open in the system browser),
 * no webviews and no permission prompts. Closing hides it to the tray; only Quit ends the app.
 */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const satisfies BrowserWindowConstructorOptions['webPreferences'];

export interface MainWindowOptions {
  preload: string;
  /** The page to load; defaults to app://bundle/index.html. */
  url?: string;
  /** Opens http(s) links in the system browser. */
  openExternal(url: string): void;
  /** True once the app is quitting: then close really closes. */
  isQuitting(): boolean;
  /** Launched at login: stay in the tray until someone opens the window. */
  startHidden?: boolean;
  devTools?: boolean;
}

export type WindowFactory = (options: BrowserWindowConstructorOptions) => BrowserWindow;

const isHttpUrl = (url: string): boolean => /^https?:\/\//i.test(url);

export function createMainWindow(factory: WindowFactory, options: MainWindowOptions): BrowserWindow {
  const url = options.url ?? APP_INDEX_URL;
  const win = factory({
    width: 1040,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Case Status Sync',
    autoHideMenuBar: true,
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: options.preload, devTools: options.devTools ?? false },
  });
  const { webContents } = win;

  // Navigation of the top frame (a link without target, location.href = …): never leave our page.
  webContents.on('will-navigate', (event, targetUrl) => {
    if (sameDocument(targetUrl, url)) return;
    event.preventDefault();
    if (isHttpUrl(targetUrl)) options.openExternal(targetUrl);
  });
  webContents.on('will-redirect', (event, targetUrl) => {
    if (!sameDocument(targetUrl, url)) event.preventDefault();
  });
  webContents.on('will-attach-webview', (event) => event.preventDefault());
  webContents.setWindowOpenHandler((details: HandlerDetails): WindowOpenHandlerResponse => {
    if (isHttpUrl(details.url)) options.openExternal(details.url);
    return { action: 'deny' };
  });

  win.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  win.once('ready-to-show', () => {
    if (!options.startHidden) win.show();
  });
  void win.loadURL(url);
  return win;
}

/** Our own page with another hash or query (client-side routing) is fine; anything else is navigation away. */
function sameDocument(target: string, page: string): boolean {
  try {
    const a = new URL(target);
    const b = new URL(page);
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

/** Brings the window back from the tray (or from behind other windows). */
export function showWindow(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * Session-wide hardening: the CSP header on every response (file, app:// and anything else), and every permission
 * request (camera, notifications, geolocation, …) refused: the page needs none.
 */
export function hardenSession(session: Pick<Session, 'webRequest' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** The IPC sender check for this window: its own webContents, top frame, page from app://bundle. */
export function trustedSenderCheck(getWindow: () => BrowserWindow | null, appOrigin: string) {
  return (event: { sender: { id: number }; senderFrame: Parameters<typeof isOwnRendererFrame>[0] }): boolean => {
    const win = getWindow();
    if (!win || win.isDestroyed() || event.sender.id !== win.webContents.id) return false;
    return isOwnRendererFrame(event.senderFrame, appOrigin);
  };
}
