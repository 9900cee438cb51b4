/**
 * The fault soak: one scripted day of a law firm, with everything that goes wrong in real life, against the real
 * app process (`serve`, secrets in the OS keychain, state in SQLite on a small disk), the real relay and both
 * simulators. At the end it checks the product's promises and prints them with the count of every fault injected.
 *
 *   npm run soak                          # 2,000 matters, about 15–25 minutes
 *   npm run soak -- --matters 150 --live-seconds 90 --report out.json   # the bounded run CI does
 *
 * Run it through scripts/soak.sh (npm run soak does): it needs its own D-Bus session with gnome-keyring (the app
 * keeps its secrets in the keychain) and root for the tmpfs whose filling stands in for a full disk.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AppView } from '../src/contract/view.js';
import { startRelayServer, type RelayServer } from '../src/relay/index.js';
import { createRng, pick, type Rng } from '../src/sim/common/random.js';
import { startWorld, STAGES_MISSING_IN_CASE_STATUS, type World } from '../src/testbed/world.js';
import { AppProcess } from './app-process.js';
import type { AppRemote } from './app-remote.js';
import { summarizeView, ViewTrail } from './view-summary.js';
import {
  casesMatchSmokeball,
  documentsExactlyOnce,
  inStorms,
  messagesExactlyOnce,
  noStageRegressions,
  withinRateLimit,
  type InvariantResult,
} from './invariants.js';
import { analyseSends, judgeRateLimit, readTrace, watchStalls } from './send-analysis.js';
import { sleep } from '../src/shared/async.js';

const { values } = parseArgs({
  options: {
    matters: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '11' },
    'live-seconds': { type: 'string', default: '420' },
    'history-share': { type: 'string', default: '0.15' },
    'import-kills': { type: 'string', default: '2' },
    report: { type: 'string' },
    keep: { type: 'boolean', default: false },
    // One sync host per firm (the app's lease on the relay), as every install runs it.
    coordinate: { type: 'boolean', default: false },
  },
});
const MATTERS = Number(values.matters);
const SEED = Number(values.seed);
const LIVE_MS = Number(values['live-seconds']) * 1000;
const HISTORY_SHARE = Number(values['history-share']);
const IMPORT_KILLS = Number(values['import-kills']);
const REPO = join(import.meta.dirname, '..');
const RATE = { ratePerSecond: 5, burst: 5 }; // Smokeball's documented default, stricter than the firm's contract
const HTTP_FAULTS = { serverErrorRate: 0.05, resetRate: 0.03, hangRate: 0.02 }; // 10% of Smokeball requests
const WEBHOOK_FAULTS = { duplicateRate: 0.2, reorderRate: 0.2, dropRate: 0.05, holdBackMs: 3_000 };
const CS_EVENT_FAULTS = { duplicateRate: 0.2, dropRate: 0.05 };

const rng: Rng = createRng(SEED);
const started = Date.now();
const log = (line: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
const between = (min: number, max: number) => min + rng() * (max - min);

// ——— preconditions ———
if (!process.env.DBUS_SESSION_BUS_ADDRESS)
  throw new Error('Run the soak through scripts/soak.sh: the app keeps its secrets in the keychain, which needs a D-Bus session with gnome-keyring.');
const uid = process.getuid?.() ?? 0;
/** mount and umount need root: as root directly, otherwise through passwordless sudo (as on many CI machines). */
const privileged = (cmd: string, args: string[]) => (uid === 0 ? execFileSync(cmd, args) : execFileSync('sudo', ['-n', cmd, ...args]));

// ——— counters: every fault injected, and what staff were shown ———
const faults = {
  appKills: 0,
  relayRestarts: 0,
  rateLimitStorms: 0,
  accessTokensExpired: 0,
  refreshTokensExpired: 0,
  grantsRevoked: 0,
  reSignIns: 0,
  diskFullEpisodes: 0,
};
const visible: Array<{ fault: string; shown: string; afterMs: number }> = [];
const storms: Array<{ from: number; to: number }> = [];
const stageHistory = new Map<string, string[]>();
const actions = { stageChanges: 0, matterEdits: 0, newMatters: 0, newClients: 0, closedMatters: 0, messages: 0, documents: 0 };
const viewLog: Array<{ at: number; view: AppView }> = [];
// Event-loop stalls of this process, which hosts the simulators: with the app's send trace they tell whether a 429
// came from the app sending too fast or from requests bunched on arrival.
const soakStalls = watchStalls();
let importMs: number | null = null;

// ——— the disk ———
const work = mkdtempSync('/tmp/css-soak-');
const disk = join(work, 'disk');
const logDir = join(work, 'logs');
mkdirSync(disk);
mkdirSync(logDir);
try {
  privileged('mount', ['-t', 'tmpfs', '-o', `size=256m,mode=0700,uid=${uid},gid=${process.getgid?.() ?? 0}`, 'tmpfs', disk]);
} catch (error) {
  throw new Error(`The soak mounts a small tmpfs for its disk-full fault and needs root or passwordless sudo for that: ${(error as Error).message}`);
}
const dataDir = join(disk, 'app');
const ballast = join(disk, 'ballast');

let world: World | undefined;
let relay: RelayServer | undefined;
const app = new AppProcess({ repoRoot: REPO, dataDir, logDir, serveArgs: values.coordinate ? ['--coordinate'] : [] });

async function soak(): Promise<number> {
  log(`Starting a ${MATTERS}-matter firm (seed ${SEED}) with Smokeball at ${RATE.ratePerSecond}/s, 10% faults, webhooks duplicated/reordered/dropped`);
  world = await startWorld({
    matters: MATTERS,
    seed: SEED,
    smokeball: { seed: SEED, rateLimit: RATE, faults: { latencyMs: 150, latencyJitterMs: 50, ...HTTP_FAULTS }, webhookFaults: WEBHOOK_FAULTS },
    shapeFirm: (firm) => {
      // A share of the seeded conversation history, so the write-back's catch-up stays a part of the day, not all of it.
      firm.messages = firm.messages.filter(() => rng() < HISTORY_SHARE);
      firm.documents = firm.documents.filter(() => rng() < HISTORY_SHARE);
    },
  });
  world.caseStatus.control.setEventFaults(CS_EVENT_FAULTS);
  const w = world;
  const matterIds = w.firm.matters.map((m) => m.id);

  relay = await startRelayServer({ storage: `sqlite:${join(work, 'relay.sqlite')}`, smokeballClientId: w.smokeball.options.clientId });
  const relayPort = Number(new URL(relay.url).port);
  const firm = await relay.admin.createFirm({ name: w.firm.name });
  w.caseStatus.control.setEventWebhook(`${relay.url}/hooks/casestatus/${firm.firmId}`, firm.caseStatusSecret);

  // ——— morning: install, set up, sign in, first import (killed mid-way) ———
  let remote = await startApp();
  const importStarted = Date.now();
  await remote.invoke('setSecret', { name: 'smokeballApiKey', value: w.smokeball.options.apiKey });
  await remote.invoke('setSecret', { name: 'caseStatusApiKey', value: w.caseStatus.apiKey });
  await remote.invoke('setSecret', { name: 'relayToken', value: firm.token });
  await remote.invoke('updateSettings', {
    connections: {
      smokeballApiUrl: w.smokeball.url,
      smokeballAuthUrl: w.smokeball.authUrl,
      smokeballClientId: w.smokeball.options.clientId,
      smokeballRatePerSecond: RATE.ratePerSecond,
      smokeballBurst: RATE.burst,
      caseStatusApiUrl: w.caseStatus.url,
      relayUrl: relay.url,
    },
    // The soak's edits move many matters within 10 minutes on purpose; the mass-change guard would hold them for a person.
    massChangeLimit: 10_000,
  });
  await signIn(remote, 'first sign-in');
  // The guided set-up holds every run back until its import is started (step 7).
  await remote.invoke('startImport', {});
  for (let k = 0; k < IMPORT_KILLS; k++) {
    const v = await remote.waitFor(
      (x) => x.initialImportDone || (x.status.phase === 'importing' && (x.status.progress.matters.done > 0 || x.status.progress.cases.done > 0)),
      300_000,
      'the import to start',
    );
    if (v.initialImportDone) break;
    await sleep(between(300, 2_500));
    remote = await killAndRestart('during the initial import');
  }
  await remote.waitFor((x) => x.initialImportDone, 30 * 60_000, 'the initial import to finish');
  importMs = Date.now() - importStarted;
  log(`Initial import done in ${(importMs / 1000).toFixed(1)} s (${faults.appKills} kills and restarts during it)`);

  // ——— the working day: changes on both sides while things break ———
  const dayStart = Date.now();
  let working = true;
  const actionLoop = (async () => {
    while (working) {
      act(w, matterIds);
      await sleep(between(250, 750));
    }
  })();
  const at = async (share: number) => {
    const due = dayStart + share * LIVE_MS;
    if (Date.now() < due) await sleep(due - Date.now());
  };

  await at(0.1);
  log('Fault: relay restart');
  await relay.close();
  await sleep(3_000);
  relay = await startRelayServer({ storage: `sqlite:${join(work, 'relay.sqlite')}`, port: relayPort, smokeballClientId: w.smokeball.options.clientId });
  faults.relayRestarts += 1;

  await at(0.18);
  remote = await killAndRestart('during the working day');

  await at(0.28);
  log('Fault: every access token expires');
  w.smokeball.control.expireAccessTokens();
  faults.accessTokensExpired += 1;

  await at(0.35);
  log('Fault: 429 storm (Smokeball allows 1 request/s for 15 s)');
  storms.push({ from: performance.now(), to: Number.POSITIVE_INFINITY });
  w.smokeball.control.setRateLimit({ ratePerSecond: 1, burst: 1 });
  faults.rateLimitStorms += 1;
  await sleep(15_000);
  w.smokeball.control.setRateLimit(RATE);
  storms[storms.length - 1]!.to = performance.now();

  await at(0.45);
  remote = await grantLost(remote, 'refresh token expired', 'the refresh token expires (30 days unused)', () => {
    w.smokeball.control.expireRefreshTokens();
    w.smokeball.control.expireAccessTokens();
    faults.refreshTokensExpired += 1;
  });

  await at(0.58);
  remote = await killAndRestart('while messages and documents are written back');

  await at(0.66);
  remote = await diskFull(remote, w, matterIds);

  await at(0.8);
  remote = await grantLost(remote, 'grant revoked', 'the firm administrator revokes the app’s access', () => {
    w.smokeball.control.revokeAllGrants();
    faults.grantsRevoked += 1;
  });

  await at(0.9);
  remote = await killAndRestart('late in the day');

  await at(1);
  working = false;
  await actionLoop;
  log(`Day over: ${JSON.stringify(actions)}`);

  // ——— night: the faults stop, the nightly reconcile runs, everything must converge ———
  w.smokeball.control.setFaults({ serverErrorRate: 0, resetRate: 0, hangRate: 0 });
  w.smokeball.control.setWebhookFaults({ duplicateRate: 0, reorderRate: 0, dropRate: 0 });
  w.caseStatus.control.setEventFaults({ duplicateRate: 0, dropRate: 0 });
  await w.smokeball.control.whenIdle();
  remote = await nightlyReconcile(remote);
  const converged = await converge(w, matterIds);
  log(converged.ok ? `Converged ${(converged.ms / 1000).toFixed(0)} s after the reconcile` : 'Did not converge within the bound');

  // Items from the day's faults clear on their own once the faults are over (a failed check is retried within a
  // minute): give them a bounded while before judging what is left for staff.
  const final = await remote.waitFor((v) => unexplainedItems(v).length === 0, 180_000, 'the fault items to clear').catch(() => remote.latest!);

  // ——— the checks ———
  const regression = noStageRegressions(w, stageHistory);
  const rate = withinRateLimit(w, storms);
  const trace = readTrace(app.traceFiles);
  const sends = analyseSends({
    sends: trace.sends,
    appStalls: trace.stalls,
    soakStalls: soakStalls.stalls,
    smokeballHost: new URL(w.smokeball.url).host,
    arrivals: w.smokeball.stats.log,
    inStorm: inStorms(storms),
    rate: RATE.ratePerSecond,
    burst: RATE.burst,
  });
  const results: InvariantResult[] = [
    casesMatchSmokeball(w, matterIds),
    regression.result,
    messagesExactlyOnce(w, matterIds),
    await documentsExactlyOnce(w),
    judgeRateLimit(rate.result, sends),
    failuresWereVisible(),
    noUnexplainedItems(final),
    noCrashes(),
  ];
  await app.stop();
  results.push(noSecretsLeaked(w, firm.token));

  const counts = {
    ...faultCounts(w),
    throttledInStorms: rate.throttledInStorms,
    duplicateStageSends: regression.duplicates,
  };
  const report = {
    ...reportHeader(),
    faults: counts,
    visible,
    peakRequestsPerSecond: rate.peakPerSecond,
    sends,
    invariants: results,
    ok: results.every((r) => r.ok),
  };
  printReport(report);
  writeReport(report);
  return report.ok ? 0 : 1;
}

/** What every report starts with, finished or aborted. */
function reportHeader() {
  return {
    matters: MATTERS,
    seed: SEED,
    liveSeconds: LIVE_MS / 1000,
    importSeconds: importMs === null ? null : importMs / 1000,
    totalSeconds: (Date.now() - started) / 1000,
    actions,
  };
}

/** The faults injected so far: the soak's own counters and what the simulators counted. */
function faultCounts(w: World | undefined) {
  if (!w) return { ...faults };
  const injected = w.smokeball.faults.injected;
  const deliveries = w.smokeball.control.deliveries();
  return {
    ...faults,
    smokeballServerErrors: injected.serverError,
    smokeballResets: injected.reset,
    smokeballHangs: injected.hang,
    smokeballRequests: w.smokeball.stats.total,
    webhookDuplicates: deliveries.filter((d) => d.duplicate).length,
    webhookHeldBack: deliveries.filter((d) => d.heldBack).length,
    webhookDropped: deliveries.filter((d) => d.outcome === 'dropped').length,
    caseStatusEvents: w.caseStatus.control.eventStats(),
  };
}

function writeReport(report: object): void {
  if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
}

/** An aborted soak still leaves its report: how far it got, what was injected and shown, and what the window showed last. */
function writeAbortReport(error: unknown): void {
  try {
    writeReport({
      ...reportHeader(),
      aborted: error instanceof Error ? error.message : String(error),
      faults: faultCounts(world),
      visible,
      lastView: summarizeView(viewLog[viewLog.length - 1]?.view),
      invariants: [],
      ok: false,
    });
  } catch (reportError) {
    log(`Could not write the report: ${(reportError as Error).message}`);
  }
}

// ——— the app: start, kill, sign in ———

async function startApp(): Promise<AppRemote> {
  const remote = await app.start();
  remote.onView((view) => viewLog.push({ at: Date.now(), view }));
  if (remote.latest) viewLog.push({ at: Date.now(), view: remote.latest });
  return remote;
}

async function killAndRestart(when: string): Promise<AppRemote> {
  log(`Fault: SIGKILL the app ${when}`);
  await app.kill();
  faults.appKills += 1;
  await sleep(between(200, 1_500));
  return startApp();
}

/** Sign-in as staff do it: the app opens Smokeball's sign-in page, the browser comes back to the app's loopback. */
async function signIn(remote: AppRemote, what: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { authorizeUrl } = await remote.invoke('signIn');
      const page = await fetch(authorizeUrl, { redirect: 'manual' });
      const back = page.headers.get('location');
      if (!back) throw new Error(`sign-in page answered HTTP ${page.status}`);
      const done = await fetch(back);
      if (!done.ok) throw new Error(`the app's loopback answered HTTP ${done.status}`);
      await remote.waitFor((v) => v.connections.smokeball.signedIn, 60_000, 'sign-in to complete');
      if (what !== 'first sign-in') faults.reSignIns += 1;
      log(`Signed in (${what})`);
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      log(`Sign-in attempt ${attempt} failed (${(error as Error).message}); trying again`);
      await sleep(2_000);
    }
  }
}

/**
 * Waits until staff can see the fault in the window; records how long that took. On a timeout the error names what
 * the window showed instead (the last few distinct views), so a failed soak says what staff were looking at.
 */
async function expectShown(remote: AppRemote, fault: string, test: (v: AppView) => boolean, timeoutMs: number): Promise<AppRemote> {
  const from = Date.now();
  const trail = new ViewTrail();
  if (remote.latest) trail.add(remote.latest);
  const off = remote.onView((v) => trail.add(v));
  const view = await remote
    .waitFor(test, timeoutMs, `the window to show "${fault}"`)
    .catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; the window showed instead: ${trail.lines.map((l, i) => `(${i + 1}) ${l}`).join(' → ')}`);
    })
    .finally(off);
  const shown =
    view.attention
      .filter((a) => a.kind !== 'client_without_cell_phone')
      .map((a) => a.kind)
      .join(', ') ||
    view.setupProblem ||
    view.status.message;
  visible.push({ fault, shown, afterMs: Date.now() - from });
  log(`  shown to staff after ${((Date.now() - from) / 1000).toFixed(1)} s: ${shown}`);
  return remote;
}

/** Fills the tmpfs to the last block: one large allocation, then small writes until the file system refuses. */
function fillDisk(): void {
  const fs = statfsSync(disk);
  execFileSync('fallocate', ['-l', String(Math.max(0, fs.bavail - 16) * fs.bsize), ballast]);
  for (const bs of ['65536', '4096', '512']) {
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${ballast}`, `bs=${bs}`, 'oflag=append', 'conv=notrunc'], { stdio: 'ignore' });
    } catch {
      // "No space left on device": full at this block size, try a smaller one
    }
  }
  const left = statfsSync(disk);
  log(`  ${left.bavail * left.bsize} bytes left on the app's disk`);
}

/** Smokeball ends the app's grant: staff must be asked to sign in (within 3 minutes), and then they do. */
async function grantLost(remote: AppRemote, fault: string, what: string, inject: () => void): Promise<AppRemote> {
  log(`Fault: ${what}`);
  inject();
  const shown = await expectShown(remote, fault, (v) => hasItem(v, 'auth_required') || !v.connections.smokeball.signedIn, 180_000);
  await signIn(shown, `sign-in after: ${fault}`);
  return shown;
}

const hasItem = (v: AppView, ...kinds: string[]) => v.attention.some((a) => kinds.includes(a.kind));

/**
 * Fills the disk the app keeps its state on, while Case Status sends messages and documents and Smokeball
 * changes stages. Staff must be told; once space is freed, everything must go through without a person.
 */
async function diskFull(remote: AppRemote, w: World, matterIds: string[]): Promise<AppRemote> {
  log('Fault: the disk holding the app’s data fills up');
  fillDisk();
  faults.diskFullEpisodes += 1;
  for (let i = 0; i < 4; i++) addDocument(w, matterIds); // documents need staging space: these fail for sure
  const shown = await expectShown(
    remote,
    'disk full',
    (v) => hasItem(v, 'disk_full') || v.attention.some((a) => (a.kind === 'document_failed' || a.kind === 'message_failed') && /space|full/i.test(a.reason)),
    240_000,
  ).catch(async (error: unknown) => {
    visible.push({ fault: 'disk full', shown: `NOT SHOWN: ${(error as Error).message}`, afterMs: NaN });
    return remote;
  });
  await sleep(10_000);
  rmSync(ballast);
  log('  space freed');
  return shown;
}

// ——— the firm's day: what people do in Smokeball and Case Status ———

function act(w: World, matterIds: string[]): void {
  const roll = rng();
  try {
    if (roll < 0.4) changeStage(w, matterIds);
    else if (roll < 0.62) addMessage(w, matterIds);
    else if (roll < 0.7) addDocument(w, matterIds);
    else if (roll < 0.8) {
      const id = openMatter(w, matterIds);
      if (id) {
        w.smokeball.control.updateMatter(id, {
          title: `${w.smokeball.control.matter(id).title.replace(/ \(rev \d+\)$/, '')} (rev ${actions.matterEdits + 1})`,
        });
        actions.matterEdits += 1;
      }
    } else if (roll < 0.86) {
      const contactId = w.smokeball.control.createContact({
        person: {
          firstName: 'Dana',
          lastName: `Newclient${actions.newMatters}`,
          email: `dana${actions.newMatters}@example.com`,
          cell: { areaCode: '555', number: String(1000000 + actions.newMatters).slice(-7) },
        },
      });
      matterIds.push(w.smokeball.control.createMatter({ clientIds: [contactId], title: `New matter ${actions.newMatters + 1}` }));
      actions.newMatters += 1;
    } else if (roll < 0.92) {
      const id = openMatter(w, matterIds);
      if (id) {
        // No phone at all: Case Status cannot text this client, which staff are told about (not an error).
        w.smokeball.control.addClientToMatter(id, { person: { firstName: 'Sam', lastName: `Coclient${actions.newClients}` } });
        actions.newClients += 1;
      }
    } else {
      const id = openMatter(w, matterIds);
      if (id && rng() < 0.5) {
        w.smokeball.control.closeMatter(id);
        actions.closedMatters += 1;
      }
    }
  } catch (error) {
    log(`  (a scripted change was refused by the simulator: ${(error as Error).message})`);
  }
}

function openMatter(w: World, matterIds: string[]): string | undefined {
  for (let i = 0; i < 20; i++) {
    const id = pick(rng, matterIds);
    const m = w.smokeball.control.matter(id);
    if (!m.isLead && (m.status === 'Open' || m.status === 'Pending')) return id;
  }
  return undefined;
}

/** A stage the matter has never had today, so the order Case Status sees can be checked without ambiguity. */
function changeStage(w: World, matterIds: string[]): void {
  const id = openMatter(w, matterIds);
  if (!id) return;
  const m = w.smokeball.control.matter(id);
  if (!m.stage) return;
  const set = w.firm.stageSets.find((s) => s.id === m.stage!.stageSetId);
  if (!set) return;
  const current = set.stages.find((s) => s.id === m.stage!.stageId)?.name ?? '';
  const history = stageHistory.get(id) ?? [current];
  // Staff pick from the stages Smokeball offers: not deleted ones, and (for a clean check) ones Case Status has.
  const options = set.stages.filter((s) => !s.isDeleted && !history.includes(s.name) && !STAGES_MISSING_IN_CASE_STATUS.includes(s.name));
  if (options.length === 0) return;
  const next = pick(rng, options);
  w.smokeball.control.changeMatterStage(id, next.id);
  stageHistory.set(id, [...history, next.name]);
  actions.stageChanges += 1;
}

const HOSTILE_BODIES = [
  'Hi, any news on my case?',
  'Please call me <b>today</b> <script>alert(1)</script>',
  '{\\rtf1 \\par injected} and a backslash \\ and braces { }',
  'Line one\nLine two\r\nTab\there, emoji 👍, nul\u0000 and bell\u0007',
];

function addMessage(w: World, matterIds: string[]): void {
  const id = openMatter(w, matterIds);
  if (!id) return;
  w.caseStatus.control.addMessage({
    matterId: id,
    senderName: rng() < 0.7 ? 'Client Person' : 'Paralegal <i>Staff</i>',
    senderRole: rng() < 0.7 ? 'client' : 'staff',
    body: `${pick(rng, HOSTILE_BODIES)} (#${actions.messages + 1})`,
  });
  actions.messages += 1;
}

const FILE_NAMES = [
  'Medical records.pdf',
  'photo.JPG',
  '../../etc/passwd',
  'CON.txt',
  'report.',
  'a<b>c?.docx',
  'Ünïcödé résumé.pdf',
  'x'.repeat(300) + '.txt',
];

function addDocument(w: World, matterIds: string[]): void {
  const id = openMatter(w, matterIds);
  if (!id) return;
  w.caseStatus.control.addDocument({
    matterId: id,
    fileName: pick(rng, FILE_NAMES),
    sharedByName: 'Client Person',
    sharedByRole: 'client',
    sizeBytes: Math.round(between(1_000, 400_000)),
    contentSeed: actions.documents + 1,
  });
  actions.documents += 1;
}

// ——— the night and the end ———

async function nightlyReconcile(remote: AppRemote): Promise<AppRemote> {
  log('Night: the nightly reconcile');
  for (;;) {
    await remote.waitFor((v) => !v.busy, 30 * 60_000, 'the app to be idle');
    const before = remote.latest!.recentRuns[0]?.id ?? 0;
    const r = await remote.invoke('reconcileNow');
    if (!r.started) {
      await sleep(2_000);
      continue;
    }
    // Real-time refreshes are runs too: look for the reconcile among the recent ones, not just the newest.
    await remote.waitFor(
      (v) => v.recentRuns.some((r) => r.id > before && r.kind === 'reconcile' && r.finishedAt !== null),
      30 * 60_000,
      'the reconcile to finish',
    );
    return remote;
  }
}

/** The write-back runs every 2 minutes on its own (and on events): wait until the checks pass, at most 10 minutes. */
async function converge(w: World, matterIds: string[]): Promise<{ ok: boolean; ms: number }> {
  const from = Date.now();
  let lastReport = 0;
  while (Date.now() - from < 10 * 60_000) {
    const checks = [casesMatchSmokeball(w, matterIds), messagesExactlyOnce(w, matterIds), await documentsExactlyOnce(w)];
    if (checks.every((c) => c.ok)) return { ok: true, ms: Date.now() - from };
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      for (const c of checks.filter((x) => !x.ok)) log(`  not yet: ${c.name}: ${c.detail}`);
    }
    await sleep(5_000);
  }
  return { ok: false, ms: Date.now() - from };
}

/** Each fault that needs a person, or that stops the sync, was shown in the window. */
function failuresWereVisible(): InvariantResult {
  const missing = visible.filter((v) => v.shown.startsWith('NOT SHOWN'));
  // A failed run is a failure too: whenever the window said the last sync failed, it also listed why.
  const silent = viewLog.filter(
    ({ view }) => view.status.phase === 'error' && view.attention.every((a) => a.kind === 'client_without_cell_phone') && !view.setupProblem,
  );
  const problems = [
    ...missing.map((m) => `${m.fault}: ${m.shown}`),
    ...(silent.length > 0 ? [`${silent.length} views showed a failed sync with no item needing attention: "${silent[0]!.view.status.message}"`] : []),
  ];
  return {
    name: 'every failure visible as an item needing attention',
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `${visible.length} faults shown to staff (${visible.map((v) => `${v.fault} → ${v.shown} in ${(v.afterMs / 1000).toFixed(0)} s`).join('; ')}); every failed run came with an item`
        : problems.join('; '),
  };
}

/** After the night, what is left for staff is only what a person must decide (mapping, missing phone numbers). */
const LEFT_FOR_STAFF = new Set(['client_without_cell_phone', 'unmapped_stage', 'unmapped_practice_area', 'mass_closure_blocked']);
const unexplainedItems = (view: AppView) => view.attention.filter((a) => !LEFT_FOR_STAFF.has(a.kind));

function noUnexplainedItems(view: AppView): InvariantResult {
  const left = unexplainedItems(view);
  const kinds = new Map<string, number>();
  for (const a of view.attention) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
  return {
    name: 'faults leave no item behind once they are over',
    ok: left.length === 0 && view.connections.smokeball.signedIn,
    detail:
      left.length === 0
        ? `open items at the end: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`
        : `left: ${left
            .map((a) => `${a.kind}: ${a.reason}`)
            .slice(0, 5)
            .join('; ')}`,
  };
}

/** The app never died on its own: every exit was one of the soak's kills. */
function noCrashes(): InvariantResult {
  const crashes = app.outputFiles
    .filter((f) => f.endsWith('.stderr.log'))
    .filter((f) => /Uncaught|UnhandledPromiseRejection|FATAL|Segmentation/.test(readFileSync(f, 'utf8')));
  return {
    name: 'the app never crashed',
    ok: crashes.length === 0,
    detail:
      crashes.length === 0 ? `${app.starts} starts, ${app.kills} of them ended by SIGKILL, no crash in any output` : `crash output in ${crashes.join(', ')}`,
  };
}

/**
 * No secret in the state folder (SQLite file, WAL, settings) or in anything the app printed, across all its starts.
 * The secrets: both API keys, the relay token, and every code, access and refresh token Smokeball ever issued.
 */
function noSecretsLeaked(w: World, relayToken: string): InvariantResult {
  const secrets = [w.smokeball.options.apiKey, w.caseStatus.apiKey, relayToken, ...w.smokeball.control.issuedSecrets()].filter((s) => s.length >= 8);
  const files = [...filesUnder(dataDir), ...app.outputFiles];
  const leaks: string[] = [];
  let bytes = 0;
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    const text = content.toString('latin1');
    for (const secret of secrets) if (text.includes(secret)) leaks.push(`${file.replace(work, '…')} holds a secret (${secret.slice(0, 4)}…)`);
  }
  return {
    name: 'no secret in SQLite, settings, logs or crash output',
    ok: leaks.length === 0 && files.length > 0,
    detail:
      leaks.length === 0
        ? `${secrets.length} secrets searched in ${files.length} files (${(bytes / 1e6).toFixed(1)} MB): none found`
        : leaks.slice(0, 5).join('; '),
  };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function printReport(report: { faults: Record<string, unknown>; invariants: InvariantResult[]; ok: boolean; [k: string]: unknown }): void {
  log('');
  log(
    `Soak of ${report.matters} matters, seed ${report.seed}: ${(report.totalSeconds as number).toFixed(0)} s in all, import ${(report.importSeconds as number).toFixed(1)} s, day ${report.liveSeconds} s`,
  );
  log(`Scripted changes: ${JSON.stringify(report.actions)}`);
  log('Faults injected (all survived unless an invariant below failed):');
  for (const [k, v] of Object.entries(report.faults)) log(`  ${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  log(`Peak Smokeball requests in any 1 s outside the storms: ${String(report.peakRequestsPerSecond)}`);
  const sends = report.sends as ReturnType<typeof analyseSends> | undefined;
  if (sends) {
    log(
      `Rate limit judged on both ends (token bucket ${RATE.ratePerSecond}/s, burst ${RATE.burst}, outside the storms): ${sends.clientOverLimit} of the app's ${sends.clientRequests} sends over it by the app's own send times, ${sends.arrivalOverLimit} by the simulator's arrival times, ${sends.refusedOutsideStorms} refused`,
    );
    log(
      `  the app's sends left the server's bucket at ${sends.clientBucketLow} tokens at the least (${sends.clientSendsBelowOneToken} sends left it under 1): the room for arrivals to bunch`,
    );
    log(
      `  send → arrival: p50 ${sends.transitMs.p50} ms, p99 ${sends.transitMs.p99} ms, max ${sends.transitMs.max} ms (${sends.transitMs.matched} matched by RequestId); largest event-loop stall: app ${sends.largestStallMs.app} ms, soak and simulators ${sends.largestStallMs.soak} ms`,
    );
    for (const r of sends.refusals.slice(0, 5)) {
      log(`  429 on ${r.request} at ${r.at}; the second before it (times relative to the 429's arrival):`);
      for (const line of r.before) log(`    ${line}`);
    }
  }
  log('Invariants:');
  for (const r of report.invariants) log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name}: ${r.detail}`);
  log(report.ok ? 'SOAK PASSED' : 'SOAK FAILED');
}

// Last, so every constant above is initialised before the day starts.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // Interrupted: leave no app process and no mount behind.
    app.killNow();
    try {
      privileged('umount', ['-l', disk]);
    } catch {
      // already unmounted
    }
    process.exit(130);
  });
}
let exitCode = 1;
try {
  exitCode = await soak();
} catch (error) {
  log(`SOAK ABORTED: ${(error as Error).stack ?? String(error)}`);
  writeAbortReport(error);
} finally {
  await app.stop().catch(() => {});
  await relay?.close().catch(() => {});
  await world?.close().catch(() => {});
  privileged('umount', ['-l', disk]);
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else log(`Kept ${work}`);
}
process.exit(exitCode);
