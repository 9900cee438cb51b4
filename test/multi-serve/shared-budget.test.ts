import { afterAll, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../src/relay/index.js';
import { PartnerBucket } from '../../src/sim/smokeball/partner-bucket.js';
import { startWorld, type World } from '../../src/testbed/world.js';
import { expectedCases } from '../helpers/firm-expectations.js';
import { QUICK_SIMULATORS } from '../helpers/quick-world.js';
import { buildWindowOnce, connectInstall, ServeInstall } from '../helpers/serve-install.js';
import { memoEntriesByMessage } from '../sync/writeback/helpers.js';

/**
 * Issue 18 with real hosts: three firms, each with its own Smokeball and Case Status simulators, whose Smokeball
 * simulators share one partner-wide bucket keyed by the app's client id (5 requests/s, burst 5, as Smokeball
 * documents "per API partner"). Each firm's sync host is a real `serve` process with its own data folder and
 * keychain, and each paces as its own contract allows (5/s): alone, three importing at once would empty the shared
 * bucket. The relay runs in `shared` budget mode and divides the 5/s among them with rate leases.
 */
const PARTNER = { ratePerSecond: 5, burst: 5 };
const FIRMS = ['Able & Co', 'Baker Legal', 'Carter Law'];

const worlds: World[] = [];
const installs: ServeInstall[] = [];
let relay: RelayServer | undefined;
afterAll(async () => {
  await Promise.allSettled(installs.map((i) => i.close()));
  await relay?.close();
  await Promise.allSettled(worlds.map((w) => w.close()));
}, 60_000);

/**
 * Every matter that syncs is a case in the firm's Case Status, in its mapped stage, and every client message is in
 * a Smokeball memo (the write-back after the import spends the same budget).
 */
function converged(w: World): boolean {
  const cases = w.caseStatus.control.cases();
  for (const [id, want] of expectedCases(w.firm)) {
    const got = cases.get(id);
    if (!got || (got.stage ?? null) !== want.stage) return false;
  }
  const memos = memoEntriesByMessage(w);
  return w.caseStatus.control.messages().every((m) => memos.has(m.id));
}

describe('three firms on one shared partner budget', () => {
  it('three serve hosts of different firms import at once: no 429 at the partner bucket, every firm converges', async () => {
    await buildWindowOnce();
    const partner = new PartnerBucket(PARTNER);
    for (const [n] of FIRMS.entries()) {
      worlds.push(
        await startWorld({
          matters: 40,
          seed: 30 + n,
          // Each firm's own bucket is generous: the partner bucket is the limit under test.
          smokeball: { ...QUICK_SIMULATORS.smokeball, partnerBucket: partner },
          caseStatus: QUICK_SIMULATORS.caseStatus,
          shapeFirm: (firm) => {
            // Some history to write back after the import, so the hosts' demand overlaps for longer.
            firm.messages = firm.messages.slice(0, 8);
            firm.documents = firm.documents.slice(0, 3);
          },
        }),
      );
    }
    const clientId = worlds[0]!.smokeball.options.clientId;
    expect(worlds.every((w) => w.smokeball.options.clientId === clientId)).toBe(true);
    relay = await startRelayServer({
      storage: 'sqlite::memory:',
      smokeballClientId: clientId,
      budget: { mode: 'shared', ratePerSecond: PARTNER.ratePerSecond, concurrency: PARTNER.burst },
    });

    installs.push(...FIRMS.map((_, n) => new ServeInstall(`FIRM${n + 1}-PC`)));
    await Promise.all(installs.map((i) => i.start()));
    for (const [n, w] of worlds.entries()) {
      const firm = await relay.admin.createFirm({ name: FIRMS[n]! });
      w.caseStatus.control.setEventWebhook(`${relay.url}/hooks/casestatus/${firm.firmId}`, firm.caseStatusSecret);
      await connectInstall(installs[n]!.app, {
        // Each host's own contract is the full 5/s: only the relay's rate lease keeps their sum within the bucket.
        smokeball: { url: w.smokeball.url, authUrl: w.smokeball.authUrl, clientId, apiKey: w.smokeball.options.apiKey, ...PARTNER },
        caseStatus: { url: w.caseStatus.url, apiKey: w.caseStatus.apiKey },
        relay: { url: relay.url, token: firm.token },
      });
    }
    // The budget the window shows during the sync ("Smokeball budget: 0.8 req/s (shared)").
    const budgetsShown = installs.map(() => new Set<number>());
    const stopWatching = installs.map((install, n) =>
      install.app.onView((v) => {
        if (v.smokeballBudget?.mode === 'shared') budgetsShown[n]!.add(v.smokeballBudget.ratePerSecond);
      }),
    );
    await Promise.all(installs.map((i) => i.app.invoke('startImport', {})));

    // Bounded by the work: 3 × 40 matters at a shared 5 requests/s, generously for a loaded machine.
    const started = Date.now();
    while (!worlds.every(converged) || !installs.every((i) => i.view?.initialImportDone)) {
      if (Date.now() - started > 150_000) {
        const state = installs.map((i, n) => `${i.name}: converged=${converged(worlds[n]!)} view=${JSON.stringify(i.view?.status.phase)}`);
        throw new Error(`The firms did not converge within 150 s:\n${state.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const stop of stopWatching) stop();
    await Promise.all(worlds.map((w) => w.smokeball.control.whenIdle()));

    const stats = partner.stats();
    const perFirm = worlds.map((w) => w.smokeball.stats.total);
    console.log(
      `shared-budget: ${stats.accepted} requests accepted at the partner bucket, ${stats.throttled} × 429, ` +
        `peak ${stats.peakPerSecond} in one second; per firm ${perFirm.join(' / ')}; ` +
        `budgets shown ${budgetsShown.map((s) => [...s].sort((a, b) => a - b).join(',')).join(' / ')} req/s`,
    );
    expect(stats.throttled, 'requests refused by the partner bucket').toBe(0);
    expect(worlds.map((w) => w.smokeball.stats.throttled)).toEqual([0, 0, 0]);
    // Every firm's host used the partner budget, and every window showed the shared budget in force.
    expect(perFirm.every((n) => n > 0)).toBe(true);
    expect(budgetsShown.every((s) => s.size > 0 && [...s].every((r) => r > 0 && r <= PARTNER.ratePerSecond))).toBe(true);

    for (const i of installs) await i.kill();
    expect(installs.flatMap((i) => i.processes())).toEqual([]);
  }, 300_000);
});
