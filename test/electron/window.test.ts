import type { BrowserWindow, BrowserWindowConstructorOptions, Session } from 'electron';
import { describe, expect, it } from 'vitest';
import { APP_INDEX_URL, APP_ORIGIN, CONTENT_SECURITY_POLICY } from '../../electron/app-protocol.js';
import { createMainWindow, hardenSession, showWindow, trustedSenderCheck } from '../../electron/window.js';

type Listener = (...args: unknown[]) => void;

/** Records what the window factory was given and which handlers were registered; lets the test fire them. */
class FakeWindow {
  options: BrowserWindowConstructorOptions;
  windowListeners = new Map<string, Listener[]>();
  contentsListeners = new Map<string, Listener[]>();
  openHandler: ((details: { url: string }) => { action: string }) | null = null;
  loaded: string[] = [];
  visible = false;
  minimized = false;
  focused = 0;
  destroyed = false;
  webContents = {
    id: 7,
    on: (event: string, l: Listener) => this.contentsListeners.set(event, [...(this.contentsListeners.get(event) ?? []), l]),
    setWindowOpenHandler: (h: (details: { url: string }) => { action: string }) => (this.openHandler = h),
  };
  constructor(options: BrowserWindowConstructorOptions) {
    this.options = options;
  }
  on(event: string, l: Listener) {
    this.windowListeners.set(event, [...(this.windowListeners.get(event) ?? []), l]);
    return this;
  }
  once(event: string, l: Listener) {
    return this.on(event, l);
  }
  async loadURL(url: string) {
    this.loaded.push(url);
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {
    this.focused++;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  /** Fires a webContents event with a fake Electron event; returns whether the default was prevented. */
  fireContents(event: string, ...args: unknown[]): boolean {
    let prevented = false;
    const e = { preventDefault: () => (prevented = true) };
    for (const l of this.contentsListeners.get(event) ?? []) l(e, ...args);
    return prevented;
  }
  fireWindow(event: string): boolean {
    let prevented = false;
    const e = { preventDefault: () => (prevented = true) };
    for (const l of this.windowListeners.get(event) ?? []) l(e);
    return prevented;
  }
}

function setup(extra: { startHidden?: boolean } = {}) {
  let fake!: FakeWindow;
  const opened: string[] = [];
  let quitting = false;
  const win = createMainWindow(
    (options) => {
      fake = new FakeWindow(options);
      return fake as unknown as BrowserWindow;
    },
    { preload: '/app/dist/electron/preload.cjs', openExternal: (u) => opened.push(u), isQuitting: () => quitting, ...extra },
  );
  return { win, fake: () => fake, opened, quit: () => (quitting = true) };
}

describe('main window', () => {
  it('is created with the secure webPreferences and loads our page', () => {
    const { fake } = setup();
    expect(fake().options.webPreferences).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
      preload: '/app/dist/electron/preload.cjs',
    });
    expect(fake().options.show).toBe(false);
    expect(fake().loaded).toEqual([APP_INDEX_URL]);
  });

  it('blocks navigation away from the page; web links go to the system browser instead', () => {
    const { fake, opened } = setup();
    expect(fake().fireContents('will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(fake().fireContents('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fake().fireContents('will-navigate', 'app://other/index.html')).toBe(true);
    expect(fake().fireContents('will-navigate', 'javascript:alert(1)')).toBe(true);
    // Our own page (reload, another hash) is allowed.
    expect(fake().fireContents('will-navigate', `${APP_INDEX_URL}#/settings`)).toBe(false);
    expect(opened).toEqual(['https://evil.example/phish']);
    expect(fake().fireContents('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fake().fireContents('will-attach-webview', {}, {})).toBe(true);
  });

  it('denies every new window and opens only http(s) links externally', () => {
    const { fake, opened } = setup();
    const handler = fake().openHandler!;
    expect(handler({ url: 'https://help.casestatus.com/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'file:///C:/Windows/system32/calc.exe' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'smb://server/share' })).toEqual({ action: 'deny' });
    expect(handler({ url: APP_INDEX_URL })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://help.casestatus.com/']);
  });

  it('hides to the tray on close, and really closes when quitting', () => {
    const { fake, quit } = setup();
    fake().fireWindow('ready-to-show');
    expect(fake().visible).toBe(true);
    expect(fake().fireWindow('close')).toBe(true);
    expect(fake().visible).toBe(false);
    quit();
    expect(fake().fireWindow('close')).toBe(false);
  });

  it('stays hidden when launched at login, and showWindow brings it back', () => {
    const { win, fake } = setup({ startHidden: true });
    fake().fireWindow('ready-to-show');
    expect(fake().visible).toBe(false);
    fake().minimized = true;
    showWindow(win);
    expect(fake()).toMatchObject({ visible: true, minimized: false, focused: 1 });
    fake().destroyed = true;
    showWindow(win); // no throw on a destroyed window
    showWindow(null);
    expect(fake().focused).toBe(1);
  });

  it('trusts IPC only from its own webContents with our page in the top frame', () => {
    const { win } = setup();
    const check = trustedSenderCheck(() => win, APP_ORIGIN);
    const own = { url: APP_INDEX_URL, parent: null };
    expect(check({ sender: { id: 7 }, senderFrame: own })).toBe(true);
    expect(check({ sender: { id: 8 }, senderFrame: own })).toBe(false);
    expect(check({ sender: { id: 7 }, senderFrame: { url: 'https://evil.example/', parent: null } })).toBe(false);
    expect(check({ sender: { id: 7 }, senderFrame: null })).toBe(false);
    expect(trustedSenderCheck(() => null, APP_ORIGIN)({ sender: { id: 7 }, senderFrame: own })).toBe(false);
  });
});

describe('session hardening', () => {
  it('adds the CSP header to every response and refuses every permission', () => {
    let onHeaders: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
    let onPermission: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null = null;
    let onCheck: (() => boolean) | null = null;
    const session = {
      webRequest: { onHeadersReceived: (l: typeof onHeaders) => (onHeaders = l) },
      setPermissionRequestHandler: (h: typeof onPermission) => (onPermission = h),
      setPermissionCheckHandler: (h: typeof onCheck) => (onCheck = h),
    };
    hardenSession(session as unknown as Session);
    let result: unknown;
    onHeaders!({ responseHeaders: { 'content-type': ['text/html'], 'Content-Security-Policy': ['default-src *'] } }, (r) => (result = r));
    expect(result).toEqual({ responseHeaders: { 'content-type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    const grants: boolean[] = [];
    for (const p of ['media', 'notifications', 'geolocation', 'clipboard-read']) onPermission!({}, p, (g) => grants.push(g));
    expect(grants).toEqual([false, false, false, false]);
    expect(onCheck!()).toBe(false);
  });

  it('uses the same policy as renderer/index.html, without the headless host WebSocket', async () => {
    const { readFileSync } = await import('node:fs');
    const html = readFileSync(new URL('../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const directives = (csp: string) =>
      new Map(
        csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([name, ...values]) => [name!, values]),
      );
    const page = directives(meta!);
    const header = directives(CONTENT_SECURITY_POLICY);
    for (const [name, values] of page) {
      const expected = name === 'connect-src' ? values.filter((v) => !v.startsWith('ws:')) : values;
      expect(header.get(name), name).toEqual(expected);
    }
    expect(header.get('script-src')).toEqual(["'self'"]);
  });
});
