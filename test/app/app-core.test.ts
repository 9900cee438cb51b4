import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/app/app-core.js';
import { createDemoApp, createDemoCore } from '../../src/testbed/demo.js';
import { MemorySettingsStore } from '../../src/app/settings-store.js';
import { AppCore as Core } from '../../src/app/app-core.js';
import { InvalidCommandError, type CommandResults } from '../../src/contract/commands.js';
import type { AppView } from '../../src/contract/view.js';
import { startWorld, STAGES_MISSING_IN_CASE_STATUS, type World } from '../../src/testbed/world.js';
import { MemorySecretStore } from '../../src/sync/ports.js';
import { TOKENS_KEY } from '../../src/sync/smokeball/oauth.js';
import { tempDir } from '../helpers/tmp.js';
import { QUICK_SIMULATORS, TEST_RATE } from '../helpers/quick-world.js';

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Presses Sync now until it starts (a write-back pass may still be running from the last sync). */
async function syncNow(core: AppCore): Promise<void> {
  const end = Date.now() + 45_000;
  for (;;) {
    const r = (await core.invoke('syncNow', {})) as CommandResults['syncNow'];
    if (r.started) return;
    if (Date.now() > end) throw new Error(`Sync now never started: ${r.reason}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const idle = (core: AppCore) =>
  until('the core to be idle', () => {
    const v = core.view();
    return !v.busy && (v.status.phase === 'idle' || v.status.phase === 'paused') ? v : false;
  });

describe('app core against the simulators', () => {
  let world: World;
  const csCases = () => [...world.caseStatus.control.cases().values()];
  let core: AppCore;
  let dataDir: string;
  const secrets = new MemorySecretStore();
  const views: AppView[] = [];

  beforeAll(async () => {
    world = await startWorld({ matters: 60, seed: 11, ...QUICK_SIMULATORS });
    dataDir = tempDir('css-core-').dir;
    core = await createDemoCore(world, {
      dataDir,
      host: 'headless',
      secrets,
      smokeballRate: TEST_RATE.ratePerSecond,
      core: { retryDelaysMs: [300], viewThrottleMs: 50, writebackIntervalMs: 60_000 },
    });
    core.onView((v) => views.push(v));
    await core.start();
  });
  afterAll(async () => {
    await core?.stop();
    await world?.close();
  });

  it('runs the initial import on its own after start, and reports it in the view', async () => {
    const view = await until('the initial import', () => (core.view().initialImportDone && core.view().status.phase === 'idle' ? core.view() : false));
    expect(view.connections.smokeball.signedIn).toBe(true);
    expect(view.status.counts.casesCreated).toBeGreaterThan(0);
    expect(csCases().length).toBe(view.status.counts.casesCreated);
    expect(view.recentRuns[0]).toMatchObject({ kind: 'initial', outcome: 'succeeded' });
    expect(views.some((v) => v.status.phase === 'importing')).toBe(true);
    expect(view.nextNightlyAt).not.toBeNull();
  });

  it('validates every command: unknown commands and bad input are refused with a readable message', async () => {
    await expect(core.invoke('dropDatabase', {})).rejects.toBeInstanceOf(InvalidCommandError);
    await expect(core.invoke('pause', { minutes: -5 })).rejects.toThrow(/Invalid input for pause: minutes/);
    await expect(core.invoke('updateSettings', { nightlySyncTime: '31:00' })).rejects.toThrow(/nightlySyncTime/);
    await expect(core.invoke('openExternal', { url: 'file:///etc/passwd' })).rejects.toThrow(/http/);
    await expect(core.invoke('setSecret', { name: 'smokeballTokens', value: 'x' })).rejects.toThrow(InvalidCommandError);
  });

  it('lists the unmapped stage; mapping it and pressing Retry clears the item', async () => {
    await idle(core);
    const item = core.view().attention.find((a) => a.kind === 'unmapped_stage');
    expect(item?.reason).toContain(STAGES_MISSING_IN_CASE_STATUS[0]);
    const options = (await core.invoke('getMappingOptions', {})) as CommandResults['getMappingOptions'];
    const stage = options.smokeballStages.find((s) => s.id === item!.subjectId)!;
    expect(stage.unmapped).toBe(true);
    expect(options.smokeballStages[0]!.unmapped).toBe(true); // unmapped stages first
    const area = options.practiceAreas.find((a) => a.name === stage.practiceArea)!;
    await core.invoke('updateSettings', { stageMapping: { [stage.id]: area.stages[0]! } });
    const retry = (await core.invoke('retryAttention', { id: item!.id })) as CommandResults['retryAttention'];
    expect(retry.retried).toBe(true);
    await until('the item to clear', () => !core.view().attention.some((a) => a.id === item!.id));
    await idle(core);
    const mapped = csCases().filter((c) => c.stage === area.stages[0]);
    expect(mapped.length).toBeGreaterThan(0);
  });

  it('Sync now picks up a stage change made in Smokeball and shows it in recent activity', async () => {
    await idle(core);
    const link = csCases().find((c) => c.status === 'open' && c.stage)!;
    const matter = world.smokeball.control.matter(link.externalId)!;
    const stageSet = world.firm.stageSets.find((s) => s.id === world.firm.stageSetByMatterType[matter.matterTypeId])!;
    const target = stageSet.stages.find((s) => !s.isDeleted && s.name !== link.stage && !STAGES_MISSING_IN_CASE_STATUS.includes(s.name))!;
    world.smokeball.control.changeMatterStage(matter.id, target.id);
    await syncNow(core);
    await until('the new stage in Case Status', () => csCases().find((c) => c.externalId === link.externalId)?.stage === target.name);
    await idle(core);
    const activity = core.view().activity.find((a) => a.matterId === matter.id && a.kind === 'stage');
    expect(activity?.summary).toContain(target.name);
  });

  it('pauses for real (no requests start) and resumes', async () => {
    await idle(core);
    const paused = (await core.invoke('pause', { minutes: 30 })) as CommandResults['pause'];
    expect(Date.parse(paused.pausedUntil)).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect(core.view().tray.state === 'paused' || core.view().tray.state === 'attention').toBe(true);
    const refused = (await core.invoke('syncNow', {})) as CommandResults['syncNow'];
    expect(refused).toEqual({ started: false, reason: expect.stringMatching(/paused/i) });
    expect(core.view().status.phase).toBe('paused');
    await core.invoke('resume', {});
    expect(core.view().pausedUntil).toBeNull();
    await syncNow(core);
    await idle(core);
  });

  it('re-runs a failed sync on its own once the outage ends', async () => {
    await idle(core);
    const runsBefore = core.view().recentRuns[0]!.id;
    world.smokeball.control.setFaults({ serverErrorRate: 1 });
    await syncNow(core);
    await until('the failed run', () => core.view().recentRuns.find((r) => r.id > runsBefore && r.outcome === 'failed'));
    world.smokeball.control.setFaults({ serverErrorRate: 0 });
    await until('the automatic re-run to succeed', () => core.view().recentRuns.find((r) => r.id > runsBefore && r.outcome === 'succeeded'));
  });

  it('keeps secrets out of the settings file and the database', async () => {
    await idle(core);
    const secretValues = [world.smokeball.options.apiKey, world.caseStatus.apiKey, JSON.parse((await secrets.get(TOKENS_KEY))!).refreshToken as string];
    const files = readdirSync(dataDir)
      .map((f) => join(dataDir, f))
      .filter((f) => statSync(f).isFile());
    expect(files.some((f) => f.endsWith('settings.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('sync.sqlite'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file).toString('latin1');
      for (const secret of secretValues) expect(bytes.includes(secret), `${secret.slice(0, 4)}… in ${file}`).toBe(false);
    }
  });

  it('asks for sign-in when Smokeball revokes the grant, and stops retrying', async () => {
    await idle(core);
    const tokens = JSON.parse((await secrets.get(TOKENS_KEY))!) as { refreshToken: string };
    world.smokeball.control.revokeRefreshToken(tokens.refreshToken);
    world.smokeball.control.expireAccessTokens();
    await syncNow(core);
    const view = await until('the signed-out state', () => (core.view().tray.state === 'signed_out' ? core.view() : false));
    expect(view.attention.some((a) => a.kind === 'auth_required')).toBe(true);
    expect(view.connections.smokeball.signedIn).toBe(false);
    expect(await secrets.get(TOKENS_KEY)).toBeUndefined();
    const refused = (await core.invoke('syncNow', {})) as CommandResults['syncNow'];
    expect(refused.started).toBe(false);
  });
});

describe('app core before set-up', () => {
  it('holds every run back until the import is started, and says why', async () => {
    const core = new Core({
      dataDir: tempDir('css-core-empty-').dir,
      host: 'headless',
      secrets: new MemorySecretStore(),
      settings: new MemorySettingsStore(),
      version: '9.9.9',
    });
    await core.start();
    const view = core.view();
    expect(view.version).toBe('9.9.9');
    expect(view.tray.state).toBe('signed_out');
    expect(view.tray.tooltip).toMatch(/Set-up needed/);
    expect(view.setup.complete).toBe(false);
    expect(view.setup.current).toBe('smokeball');
    // The build's client id is used: staff are not asked for one.
    expect(view.setupProblem).toMatch(/Smokeball API key/);
    const r = (await core.invoke('syncNow', {})) as CommandResults['syncNow'];
    expect(r).toEqual({ started: false, reason: 'Finish the set-up first: sign in to Smokeball.' });
    const imp = (await core.invoke('startImport', {})) as CommandResults['startImport'];
    expect(imp).toEqual({ started: false, reason: 'Sign in to Smokeball first (step 1).' });
    expect(core.view().setup.runsAllowed).toBe(false);
    await core.stop();
  });
});

describe('first sign-in from the window', () => {
  it('signs in through the system browser and the loopback redirect, then starts the initial import', async () => {
    const world = await startWorld({ matters: 15, seed: 5, smokeball: { faults: {} } });
    const secrets = new MemorySecretStore();
    const opened: string[] = [];
    const settings = new MemorySettingsStore();
    const core = new Core({
      dataDir: tempDir('css-core-signin-').dir,
      host: 'electron',
      secrets,
      settings,
      openExternal: async (url) => {
        opened.push(url);
      },
    });
    try {
      await core.invoke('updateSettings', {
        connections: {
          smokeballApiUrl: world.smokeball.url,
          smokeballAuthUrl: world.smokeball.authUrl,
          smokeballClientId: world.smokeball.options.clientId,
          caseStatusApiUrl: world.caseStatus.url,
        },
      });
      await core.invoke('setSecret', { name: 'smokeballApiKey', value: world.smokeball.options.apiKey });
      await core.invoke('setSecret', { name: 'caseStatusApiKey', value: world.caseStatus.apiKey });
      await core.start();
      expect(core.view().setupProblem).toMatch(/Sign in to Smokeball/);
      const { authorizeUrl } = (await core.invoke('signIn', {})) as CommandResults['signIn'];
      expect(opened).toEqual([authorizeUrl]); // the tray app opens the system browser itself
      expect(core.view().connections.smokeball.signInPending).toBe(true);
      // The browser: Smokeball's sign-in page redirects back to the app's loopback listener.
      const page = await fetch(authorizeUrl, { redirect: 'manual' });
      const back = await fetch(page.headers.get('location')!);
      expect(back.status).toBe(200);
      await until('the sign-in', () => core.view().connections.smokeball.signedIn);
      // Signed in, but the set-up holds the import back until it is started: no case is written meanwhile.
      expect(core.view().setup.current).toBe('realtime');
      expect(((await core.invoke('syncNow', {})) as CommandResults['syncNow']).started).toBe(false);
      expect(world.caseStatus.control.cases().size).toBe(0);
      expect(core.view().setup.steps[0]).toMatchObject({ id: 'smokeball', state: 'done' });
      expect(((await core.invoke('startImport', {})) as CommandResults['startImport']).started).toBe(true);
      const view = await until('the import after sign-in', () => (core.view().initialImportDone ? core.view() : false));
      expect(view.setup.steps.find((s) => s.id === 'import')?.state).toBe('done');
      expect(view.setup.complete).toBe(false);
      expect(((await core.invoke('finishSetup', {})) as CommandResults['finishSetup']).complete).toBe(true);
      expect(view.connections.smokeball.signedIn).toBe(true);
      expect(view.setupProblem).toBeNull();
      expect(JSON.stringify(settings.get())).not.toContain('refresh');
      expect(world.caseStatus.control.cases().size).toBeGreaterThan(0);
    } finally {
      await core.stop();
      await world.close();
    }
  });
});

describe('sign-in lapsing while only real time is running', () => {
  it('notices without any run through Sync now, asks for sign-in, and is back in sync right after signing in', async () => {
    const demo = await createDemoApp({
      matters: 30,
      seed: 8,
      simulators: QUICK_SIMULATORS,
      smokeballRate: TEST_RATE.ratePerSecond,
      dataDir: tempDir('css-core-lapse-').dir,
      host: 'headless',
      core: { viewThrottleMs: 50, writebackIntervalMs: 60_000, realtimeOptions: { waitSeconds: 1, subscriptionCheckMs: 2_000 } },
    });
    const { core, world } = demo;
    try {
      await until('the import and real time', () => core.view().initialImportDone && core.view().realtime.state === 'live');
      await idle(core);
      world.smokeball.control.expireRefreshTokens();
      world.smokeball.control.expireAccessTokens();
      // Nobody presses Sync now, and Smokeball deleted the webhook subscription with the grant: the periodic
      // subscription check is what finds out.
      const matter = world.firm.matters.find((m) => m.status === 'Open' && !m.isLead && world.caseStatus.control.cases().has(m.id))!;
      const set = world.firm.stageSets.find((st) => st.id === world.smokeball.control.matter(matter.id).stage?.stageSetId)!;
      const target = set.stages.find(
        (st) => st.id !== world.smokeball.control.matter(matter.id).stage?.stageId && !STAGES_MISSING_IN_CASE_STATUS.includes(st.name),
      )!;
      world.smokeball.control.changeMatterStage(matter.id, target.id);
      // Bound: one subscription check (every 2 s here) plus a refused token refresh and the stop of real time;
      // 90 s leaves room for the full suite's load on 2 cores (alone it takes a few seconds).
      const signedOut = await until('the signed-out state', () => (core.view().tray.state === 'signed_out' ? core.view() : false), 90_000);
      expect(signedOut.attention.some((a) => a.kind === 'auth_required')).toBe(true);

      const { authorizeUrl } = (await core.invoke('signIn', {})) as CommandResults['signIn'];
      const page = await fetch(authorizeUrl, { redirect: 'manual' });
      expect((await fetch(page.headers.get('location')!)).status).toBe(200);
      // Bound: the loopback callback, one token exchange and a restart of real time.
      const back = await until('signed in again', () => (core.view().connections.smokeball.signedIn ? core.view() : false), 45_000);
      expect(back.attention.some((a) => a.kind === 'auth_required')).toBe(false);
      // The catch-up after sign-in carries the change made while signed out.
      await until('the stage change in Case Status', () => world.caseStatus.control.cases().get(matter.id)?.stage === target.name, 60_000);
    } finally {
      await demo.close();
    }
    // The sum of the bounds above (import, idle, sign-out, sign-in, catch-up), not the suite's 60 s default:
    // each wait is bounded by its own mechanism, and the test as a whole must not time out before they do.
  }, 300_000);
});

describe('grant revoked while real time is off and nothing else talks to Smokeball', () => {
  it('the grant watch finds out and asks for sign-in, with no run, event or Sync now', async () => {
    // No relay (real time off), the write-back timer far away: only the grant watch can notice.
    const demo = await createDemoApp({
      matters: 20,
      seed: 9,
      realtime: false,
      simulators: QUICK_SIMULATORS,
      smokeballRate: TEST_RATE.ratePerSecond,
      dataDir: tempDir('css-core-watch-').dir,
      host: 'headless',
      core: { viewThrottleMs: 50, writebackIntervalMs: 10 * 60_000, grantWatchMs: 300 },
    });
    const { core, world } = demo;
    try {
      await until('the import', () => core.view().initialImportDone);
      await idle(core);
      expect(core.view().realtime.state).toBe('off');
      const firmReadsBefore = world.smokeball.stats.byEndpoint.get('GET /firm')?.requests ?? 0;
      world.smokeball.control.revokeAllGrants();
      const signedOut = await until('the signed-out state', () => (core.view().tray.state === 'signed_out' ? core.view() : false), 30_000);
      expect(signedOut.attention.some((a) => a.kind === 'auth_required')).toBe(true);
      expect(world.smokeball.stats.byEndpoint.get('GET /firm')?.requests ?? 0).toBeGreaterThan(firmReadsBefore); // the watch's read
    } finally {
      await demo.close();
    }
  });
});
