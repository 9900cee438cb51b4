import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/app/app-core.js';
import type { AttentionView } from '../../src/contract/view.js';
import { createDemoCore } from '../../src/testbed/demo.js';
import { startHeadlessHost, type HeadlessHost } from '../../src/host/headless-host.js';
import { ensureRendererBuilt, REPO_ROOT } from '../../src/host/renderer-build.js';
import { STAGES_MISSING_IN_CASE_STATUS, type World } from '../../src/testbed/world.js';
import { MemorySecretStore } from '../../src/sync/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { launchChromium, openPage } from './browser.js';
import { startUiWorld } from './demo-world.js';
import { attribute, count, hidden, text, value, visible } from './locators.js';
import type { PageGlobals } from './page-globals.js';

/**
 * The window in Debian's Chromium against the headless host, with the real app core, engine and both simulators.
 * The tests run in order on one firm: the first sync, then changes, attention items, settings and a restart.
 */
const SCREENSHOTS = join(REPO_ROOT, 'docs', 'screenshots');
const LIEN_STAGE = STAGES_MISSING_IN_CASE_STATUS[0]!;
/**
 * Big enough for several 500-record pages and slow enough (2 Smokeball requests/s) that the first sync's progress is
 * on screen for a few seconds: about 6 s for the whole import, then about 10 s copying messages and documents.
 */
const MATTERS = 1200;
const RATE = 2;
/** Tests that wait for a full pass (the first sync, a reconcile) get more than vitest's default minute. */
const LONG = 150_000;

let tmp: ReturnType<typeof tempDir>;
let world: World;
let secrets: MemorySecretStore;
let core: AppCore;
let host: HeadlessHost;
let browser: Browser;
let page: Page;
let problems: string[];

async function startCore(): Promise<AppCore> {
  // The relay is left out on purpose: with real-time updates on, a change could arrive before "Sync now" is pressed.
  return createDemoCore(world, { dataDir: tmp.dir, host: 'headless', secrets, smokeballRate: RATE, core: { viewThrottleMs: 100 } });
}

/** Pages a single test opens besides the main one; closed after each test, pass or fail, so none outlives it. */
const extraContexts: BrowserContext[] = [];
async function extraPage(options?: BrowserContextOptions): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(browser, options);
  extraContexts.push(opened.page.context());
  return opened;
}

/**
 * Saves a screenshot of the page (or of one part of it) under docs/screenshots/, only with UPDATE_SCREENSHOTS=1 (as
 * the set-up walk): a normal run, CI included, writes no files into the checkout.
 */
async function shot(target: Page | Locator, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  if ('goto' in target) await target.screenshot({ path, fullPage: options.fullPage ?? false });
  else await target.screenshot({ path });
}

const headline = (p: Page = page) => p.locator('#status-headline');
const notice = (p: Page = page) => p.locator('.notice-info');

async function goTo(section: 'Overview' | 'History' | 'Settings', tab?: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: section }).click();
  if (tab) await page.getByRole('tab', { name: tab }).click();
}

async function waitUntilIdle(): Promise<void> {
  await expect.poll(() => core.view().busy || core.view().status.phase !== 'idle', { timeout: 90_000, interval: 200 }).toBe(false);
  await text(headline(), /Up to date/, 10_000);
}

beforeAll(async () => {
  await ensureRendererBuilt();
  tmp = tempDir('css-ui-');
  world = await startUiWorld({ matters: MATTERS, seed: 11, messages: 8, documents: 4 });
  secrets = new MemorySecretStore();
  core = await startCore();
  host = await startHeadlessHost({ core, staticDir: join(REPO_ROOT, 'dist', 'renderer') });
  browser = await launchChromium();
  ({ page, problems } = await openPage(browser));
}, 120_000);

afterEach(async () => {
  for (const context of extraContexts.splice(0)) await context.close();
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await core?.stop();
  await world?.close();
  tmp?.cleanup();
});

describe('the window, driven in Chromium', () => {
  it(
    'shows the first sync progressing per resource, then "Up to date" with the counts',
    async () => {
      await page.goto(host.url);
      // The token leaves the address bar once read (it would otherwise end up in screenshots and screen shares).
      await expect.poll(() => page.url()).not.toContain('token=');
      await visible(page.getByRole('button', { name: 'Sync now' }));

      await core.start();
      // A bar with a known total that is not yet full: progress the user can watch, not a spinner.
      await page.waitForFunction(
        () =>
          Array.from((globalThis as unknown as PageGlobals).document.querySelectorAll('[role=progressbar]')).some((bar) => {
            const now = Number(bar.getAttribute('aria-valuenow'));
            const max = Number(bar.getAttribute('aria-valuemax'));
            return bar.hasAttribute('aria-valuemax') && max > 0 && now < max;
          }),
        undefined,
        { timeout: 60_000, polling: 50 },
      );
      await visible(page.getByRole('heading', { name: 'First sync in progress' }));
      await visible(page.getByText(/requests\/s to Smokeball/));
      for (const label of ['Matters', 'Clients', 'Stages']) {
        await count(page.getByRole('progressbar', { name: label }), 1);
      }
      await shot(page, '1-initial-sync');

      await waitUntilIdle();
      await count(page.getByRole('heading', { name: 'First sync in progress' }), 0);
      const cases = world.caseStatus.control.cases().size;
      expect(cases).toBeGreaterThan(0);
      const created = page.locator('#summary-title').locator('..').locator('.counts div').filter({ hasText: 'created' }).locator('dd');
      await text(created, String(cases));
      await visible(page.getByText(/First sync finished/));
      expect(problems).toEqual([]);
    },
    LONG,
  );

  it('Sync now picks up a stage change made in Smokeball and lists it under Recent activity', async () => {
    const cases = world.caseStatus.control.cases();
    const { matter, target } = pickStageChange(cases);
    world.smokeball.control.changeMatterStage(matter.id, target.id);
    await world.smokeball.control.whenIdle();

    await page.getByRole('button', { name: 'Sync now' }).click();
    await text(notice(), 'Sync started.');
    const entry = page
      .locator('#activity li')
      .filter({ hasText: `${matter.number}: stage` })
      .filter({ hasText: `→ ${target.name}` });
    await visible(entry, 60_000);
    await visible(entry.getByText('Stage changed'));
    const href = await entry.getByRole('link').getAttribute('href');
    expect(href).toBe(world.caseStatus.control.cases().get(matter.id)!.url);
    expect(world.caseStatus.control.cases().get(matter.id)!.stage).toBe(target.name);

    await waitUntilIdle();
    await shot(page, '2-synced-with-activity', { fullPage: true });
    expect(problems).toEqual([]);
  });

  it(
    'History finds a matter by number and shows its stage change, memo and document with their causes',
    async () => {
      const { matter, target } = pickStageChange(world.caseStatus.control.cases(), usedForHistory);
      usedForHistory.add(matter.id);
      const before = world.caseStatus.control.cases().get(matter.id)!;
      world.caseStatus.control.addMessage({
        matterId: matter.id,
        threadId: 'ui-history-thread',
        senderName: 'Pat Client',
        senderRole: 'client',
        body: 'Any news on my case?',
        createdAt: new Date().toISOString(),
      });
      world.caseStatus.control.addDocument({
        matterId: matter.id,
        fileName: 'History check.pdf',
        sharedByName: 'Pat Client',
        sharedByRole: 'client',
        content: 'a small scan',
      });
      world.smokeball.control.changeMatterStage(matter.id, target.id);
      await world.smokeball.control.whenIdle();
      await page.getByRole('button', { name: 'Sync now' }).click();
      await text(notice(), 'Sync started.');
      // The sync sends the stage; the write-back after it copies the message and the document.
      await waitUntilIdle();

      await goTo('History');
      await visible(page.getByRole('heading', { name: 'Matter history', level: 1 }));
      await page.getByRole('searchbox', { name: 'Matter number, title or client name' }).fill(matter.number);
      await page.getByRole('button', { name: 'Search' }).click();
      // Another number may contain this one: the matches list it, and the exact one is picked from there.
      const matches = page.getByRole('list', { name: 'Matching matters' });
      if (await matches.isVisible()) await matches.getByRole('button', { name: new RegExp(`^${matter.number} `) }).click();
      const timeline = page.locator('#history-timeline');
      await visible(timeline.getByRole('heading', { name: new RegExp(`^History of ${matter.number} `) }));
      const entries = timeline.getByRole('list', { name: /newest first/ }).locator('li');
      await visible(entries.filter({ hasText: `Stage sent: ${before.stage} → ${target.name}` }).filter({ hasText: 'incremental sync' }));
      await visible(entries.filter({ hasText: /Memo written: 1 message to memo / }).filter({ hasText: 'write-back' }));
      await visible(entries.filter({ hasText: /Document uploaded: History check\.pdf \(12 B\)/ }));
      await visible(entries.filter({ hasText: /Case created/ }).filter({ hasText: 'initial import' }));
      expect(await timeline.getByRole('link', { name: /Open the case/ }).getAttribute('href')).toBe(world.caseStatus.control.cases().get(matter.id)!.url);
      await shot(page, '2b-matter-history', { fullPage: true });

      // A client name finds it too, and a search that matches nothing says so.
      await page.getByRole('searchbox', { name: 'Matter number, title or client name' }).fill('no such matter anywhere');
      await page.getByRole('button', { name: 'Search' }).click();
      await visible(page.getByRole('status').getByText('No synced matter matches that.'));
      await goTo('Overview');
      expect(problems).toEqual([]);
    },
    LONG,
  );

  it(
    "Held changes lists each held stage with its release time; Send now sends it, Don't send applies it silently",
    async () => {
      await core.invoke('updateSettings', { stageHoldMinutes: 30 });
      const first = pickStageChange(world.caseStatus.control.cases(), usedForHistory);
      usedForHistory.add(first.matter.id);
      const second = pickStageChange(world.caseStatus.control.cases(), usedForHistory);
      usedForHistory.add(second.matter.id);
      const seqBefore = world.caseStatus.control.stageChanges().length;
      world.smokeball.control.changeMatterStage(first.matter.id, first.target.id);
      world.smokeball.control.changeMatterStage(second.matter.id, second.target.id);
      await world.smokeball.control.whenIdle();
      await page.getByRole('button', { name: 'Sync now' }).click();
      await waitUntilIdle();

      const held = page.locator('#held-changes');
      const rowOf = (m: { matter: { number: string }; target: { name: string } }) =>
        held
          .locator('li')
          .filter({ hasText: m.matter.number })
          .filter({ hasText: `→ ${m.target.name}` });
      await visible(rowOf(first));
      await visible(rowOf(second));
      // Each says when it goes out by itself: 30 minutes from now, as a clock time with the full time in dateTime.
      const releaseAt = await rowOf(first).locator('time').getAttribute('dateTime');
      expect(Date.parse(releaseAt!) - Date.now()).toBeGreaterThan(25 * 60_000);
      await visible(rowOf(first).getByText(/sends at/));
      // Held, not sent: Case Status has recorded nothing for either yet.
      expect(world.caseStatus.control.stageChanges().slice(seqBefore)).toEqual([]);
      await shot(held, '2c-held-changes');

      await rowOf(first)
        .getByRole('button', { name: /^Send now/ })
        .click();
      await count(rowOf(first), 0, 60_000);
      await rowOf(second)
        .getByRole('button', { name: /^Don't send/ })
        .click();
      await count(rowOf(second), 0, 60_000);
      await count(held, 0);
      const sent = world.caseStatus.control
        .stageChanges()
        .slice(seqBefore)
        .map((c) => [c.caseExternalId, c.to, c.notified]);
      expect(sent).toEqual([
        [first.matter.id, first.target.name, true],
        [second.matter.id, second.target.name, false],
      ]);

      await core.invoke('updateSettings', { stageHoldMinutes: 0 });
      expect(problems).toEqual([]);
    },
    LONG,
  );

  it(
    'lists the unmapped stage under Needs attention, and Retry clears it once it is mapped in Settings',
    async () => {
      const attention = page.locator('#attention');
      const item = attention.locator('li').filter({ hasText: LIEN_STAGE });
      await visible(item);
      // One row per kind, the one needing a decision first; the many clients that cannot be texted are one row whose
      // full list has a search and a CSV export.
      await attribute(attention.locator('.attention-list > li').first(), 'data-kind', 'unmapped_stage');
      const phones = attention.locator('.attention-list > li[data-kind="client_without_cell_phone"]');
      expect(core.view().attentionGroups.find((g) => g.kind === 'client_without_cell_phone')!.count).toBeGreaterThan(1);
      await phones.getByRole('button', { name: /^Show all/ }).click();
      const listed = (await core.invoke('attentionItems', { kind: 'client_without_cell_phone' })) as AttentionView[];
      const someone = listed[0]!.reason.split(' has no')[0]!;
      await phones.getByRole('searchbox').fill(someone);
      await visible(phones.locator('.attention-items-list li').filter({ hasText: someone }));
      const [download] = await Promise.all([page.waitForEvent('download'), phones.getByRole('button', { name: 'Export CSV' }).click()]);
      expect(readFileSync(await download.path(), 'utf8')).toContain(someone);
      await phones.getByRole('button', { name: 'Hide list' }).click();

      // Preview next sync: after the import and the stage change above, nothing is left to create.
      await page.getByRole('button', { name: 'Preview next sync' }).click();
      await text(page.getByTestId('preview-create'), '0', 60_000);

      await visible(item.getByRole('button', { name: 'Retry' }));
      await shot(attention, '3-needs-attention');

      await item.getByRole('button', { name: 'Map stage…' }).click();
      await attribute(page.getByRole('tab', { name: 'Stage mapping' }), 'aria-selected', 'true');
      const unmapped = page.locator('.mapping-unmapped');
      await visible(unmapped.getByRole('heading', { name: /Not mapped/ }));
      // Listed first: the first stage on the screen is the one blocking cases.
      await text(page.locator('.mapping-row').first(), new RegExp(LIEN_STAGE));
      const select = unmapped.getByLabel(new RegExp(LIEN_STAGE));
      const choices = await select.locator('option').allTextContents();
      const choice = choices.includes('Negotiation') ? 'Negotiation' : choices[2]!;
      await shot(page, '4-settings-stage-mapping');
      await select.selectOption({ label: choice });
      await page.getByRole('button', { name: 'Save mapping' }).click();
      await visible(page.getByRole('status').filter({ hasText: 'Saved.' }));
      await count(unmapped, 0);
      expect(Object.values(core.view().settings.stageMapping)).toContain(choice);

      await goTo('Overview');
      await attention.locator('li').filter({ hasText: LIEN_STAGE }).getByRole('button', { name: 'Retry' }).click();
      await text(notice(), /Checking every matter again/);
      await count(attention.locator('li').filter({ hasText: LIEN_STAGE }), 0, 90_000);
      await waitUntilIdle();

      // The cases at that stage now carry the chosen Case Status stage.
      const lienStageIds = new Set(
        world.firm.stageSets
          .flatMap((s) => s.stages)
          .filter((s) => s.name === LIEN_STAGE)
          .map((s) => s.id),
      );
      const lienMatters = world.firm.matterStages.filter((ms) => lienStageIds.has(ms.stageId)).map((ms) => ms.matterId);
      const synced = lienMatters
        .map((id) => world.caseStatus.control.cases().get(id))
        .filter((c) => c !== undefined)
        .filter((c) => c.status !== 'closed');
      expect(synced.length).toBeGreaterThan(0);
      for (const c of synced) expect(c.stage).toBe(choice);
      expect(problems).toEqual([]);
    },
    LONG,
  );

  it(
    'works from the keyboard alone: Tab reaches Sync now, Enter runs it, Escape closes a dialog',
    async () => {
      const { page: kb, problems: kbProblems } = await extraPage();
      await kb.goto(host.url);
      await visible(kb.getByRole('button', { name: 'Sync now' }));

      const focused = () =>
        kb.evaluate(() => {
          const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
          const el = document.activeElement;
          const style = el ? getComputedStyle(el) : null;
          return { text: el?.textContent?.trim() ?? '', tag: el?.tagName ?? '', outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : '' };
        });
      let presses = 0;
      for (; presses < 12; presses++) {
        await kb.keyboard.press('Tab');
        if ((await focused()).text === 'Sync now') break;
      }
      const onSyncNow = await focused();
      expect(onSyncNow).toMatchObject({ text: 'Sync now', tag: 'BUTTON' });
      expect(presses).toBeLessThanOrEqual(4); // skip link, Overview, Settings, then Sync now
      expect(onSyncNow.outline).toMatch(/^solid [1-9]/); // a visible focus ring

      const before = world.smokeball.stats.total;
      await kb.keyboard.press('Enter');
      await text(notice(kb), 'Sync started.');
      await expect.poll(() => world.smokeball.stats.total, { timeout: 30_000 }).toBeGreaterThan(before);
      await waitUntilIdle();

      // Settings → Connections by keyboard; the tab list is one Tab stop and arrow keys move between tabs.
      await kb.keyboard.press('Shift+Tab'); // back to the Settings button in the main navigation
      expect((await focused()).text).toBe('Settings');
      await kb.keyboard.press('Enter');
      await expect.poll(async () => (await focused()).tag).toBe('MAIN'); // focus lands on the new page's content
      await kb.keyboard.press('Tab');
      expect((await focused()).text).toBe('Connections');
      await kb.keyboard.press('ArrowRight');
      expect((await focused()).text).toBe('Stage mapping');
      await attribute(kb.getByRole('tab', { name: 'Stage mapping' }), 'aria-selected', 'true');
      await kb.keyboard.press('ArrowLeft');
      await kb.keyboard.press('Tab');
      expect((await focused()).text).toBe('Sign out…');
      await kb.keyboard.press('Enter');
      const dialog = kb.getByRole('dialog', { name: 'Sign out of Smokeball?' });
      await visible(dialog);
      expect((await focused()).text).toBe('Cancel'); // focus moved into the dialog
      await kb.keyboard.press('Escape');
      await hidden(dialog);
      expect((await focused()).text).toBe('Sign out…'); // and back to the button that opened it
      expect(core.view().connections.smokeball.signedIn).toBe(true);
      expect(kbProblems).toEqual([]);
    },
    LONG,
  );

  it(
    'stays readable at 125% zoom: no sideways scrolling, nothing clipped',
    async () => {
      // 125% browser zoom on a 1280 px and on a 1024 px wide window, and a narrow side-panel window.
      for (const width of [1280, 1024, 640]) {
        const { page: zoomed, problems: zoomProblems } = await extraPage({
          viewport: { width: Math.round(width / 1.25), height: 800 },
          deviceScaleFactor: 1.25,
        });
        await zoomed.goto(host.url);
        await visible(zoomed.getByRole('button', { name: 'Sync now' }));
        await visible(zoomed.locator('#attention'));
        const check = async (where: string) => {
          const overflow = await zoomed.evaluate(() => {
            const { document } = globalThis as unknown as PageGlobals;
            const doc = document.documentElement;
            // Content wider than its box: text or controls spilling out of a card, a row or a field.
            const clipped = Array.from(
              document.querySelectorAll('.card, .settings-form, .status-header, .attention-item, .activity-item, .mapping-row, .field, .tabs, .topbar'),
            )
              .filter((el) => el.scrollWidth > el.clientWidth + 1)
              .map((el) => el.className);
            const outside = Array.from(document.querySelectorAll('button, input, select, a'))
              .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1)
              .map((el) => el.textContent?.trim() || el.id);
            return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, clipped, outside };
          });
          expect(overflow.scrollWidth, `${where} at ${width}px`).toBeLessThanOrEqual(overflow.clientWidth);
          expect(overflow.clipped, where).toEqual([]);
          expect(overflow.outside, where).toEqual([]);
        };
        await check('overview');
        if (width === 1024) await shot(zoomed, '6-zoom-125');
        await zoomed.getByRole('button', { name: 'Settings' }).click();
        for (const tab of ['Connections', 'Stage mapping', 'Matters', 'Schedule']) {
          await zoomed.getByRole('tab', { name: tab }).click();
          await visible(zoomed.getByRole('tabpanel'));
          await check(`settings ${tab}`);
        }
        expect(zoomProblems).toEqual([]);
      }
      // Three windows of five screens each: on a loaded 2-core machine this outlasts the default minute.
    },
    LONG,
  );

  it("puts the core's validation message next to the field and changes nothing", async () => {
    await goTo('Settings', 'Connections');
    const rate = page.getByLabel('Smokeball requests per second');
    await value(rate, String(RATE));
    await rate.fill('500');
    await page.getByRole('button', { name: 'Save connections' }).click();
    const fieldError = page.locator('#smokeballRatePerSecond-error');
    await text(fieldError, /100/);
    await attribute(rate, 'aria-invalid', 'true');
    expect(await rate.getAttribute('aria-describedby')).toContain('smokeballRatePerSecond-error');
    await visible(page.getByRole('alert').filter({ hasText: 'Some settings need fixing' }));
    expect(core.view().settings.connections.smokeballRatePerSecond).toBe(RATE);

    await page.getByRole('button', { name: 'Undo changes' }).click();
    await value(rate, String(RATE));
    await goTo('Overview');
    expect(problems).toEqual([]);
  });

  it('shows "Not authorised" for a wrong token and never draws the sync state', async () => {
    const { page: intruder } = await extraPage();
    const wrong = new URL(host.url);
    wrong.hash = 'token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    await intruder.goto(wrong.toString());
    await visible(intruder.getByRole('alert').filter({ hasText: 'Not authorised' }), 15_000);
    await count(intruder.getByRole('button', { name: 'Sync now' }), 0);
    await expect.poll(() => host.clients()).toBe(1); // only the main test page
    await intruder.goto(wrong.toString().replace(/#.*/, ''));
    await intruder.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.clear());
    await intruder.reload();
    await visible(intruder.getByRole('alert').filter({ hasText: 'Not authorised' }));
  });

  it(
    'keeps settings across a restart, and says so plainly while the service is down',
    async () => {
      await goTo('Settings', 'Schedule');
      const time = page.getByLabel('Nightly reconcile at');
      await value(time, '02:00');
      await time.fill('03:30');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await visible(page.getByRole('status').filter({ hasText: 'Saved.' }));
      await shot(page, '5-settings-schedule');

      // Stop the service: the window must not keep showing a stale "Up to date".
      const { port, token } = host;
      await host.close();
      await core.stop();
      await visible(page.getByRole('alert').filter({ hasText: 'Disconnected from the sync service' }), 15_000);
      await text(headline(), 'Not connected to the sync service');
      await attribute(page.getByRole('button', { name: 'Sync now' }), 'aria-disabled', 'true');
      await shot(page, '7-disconnected');

      // A new core on the same data folder, on the same address: the window reconnects by itself.
      core = await startCore();
      await core.start();
      host = await startHeadlessHost({ core, port, token, staticDir: join(REPO_ROOT, 'dist', 'renderer') });
      await count(page.getByRole('alert').filter({ hasText: 'Disconnected' }), 0, 30_000);
      expect(core.view().settings.nightlySyncTime).toBe('03:30');

      // A reload draws everything from the new core: the saved time is there.
      await page.reload();
      await goTo('Settings', 'Schedule');
      await value(page.getByLabel('Nightly reconcile at'), '03:30');
    },
    LONG,
  );
});

/** A synced matter and a different live stage of its own stage set (not the one Case Status lacks). */
/** Matters the history and held-changes tests moved, so each takes a fresh one. */
const usedForHistory = new Set<string>();

function pickStageChange(cases: ReturnType<World['caseStatus']['control']['cases']>, skip: ReadonlySet<string> = new Set()) {
  for (const matter of world.firm.matters) {
    if (skip.has(matter.id)) continue;
    const synced = cases.get(matter.id);
    if (!synced?.stage || synced.status === 'closed') continue;
    const set = world.firm.stageSets.find((s) => s.id === world.firm.stageSetByMatterType[matter.matterTypeId]);
    const target = set?.stages.find((s) => !s.isDeleted && s.name !== synced.stage && s.name !== LIEN_STAGE);
    if (target) return { matter, target };
  }
  throw new Error('no synced matter with a stage to change');
}
