import { createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../src/app/app-core.js';
import { ConfSettingsStore } from '../../src/app/settings-store.js';
import type { CommandResults } from '../../src/contract/commands.js';
import { applySettingsPatch } from '../../src/contract/settings.js';
import { createDemoCore } from '../../src/testbed/demo.js';
import { signInWithPkce, startWorld, type World } from '../../src/testbed/world.js';
import { MemorySecretStore, SECRET_KEYS, TOKENS_KEY } from '../../src/sync/index.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * When an install asks for the firm's sync lease. An install in the middle of its guided set-up does not ask: it
 * would hold it without syncing, and an install that finished its set-up could not take over (two app cores of one
 * firm, no relay: the firm's Case Status account holds the lease). Starting the stack does not wait for the first
 * answer, and nothing is sent before it (a relay that never answers). One world for the file.
 */
async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the sync lease and the guided set-up', () => {
  let world: World;
  const cores: AppCore[] = [];
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  afterAll(async () => {
    for (const c of cores) await c.stop();
    await world?.close();
    for (const d of dirs) d.cleanup();
  });

  it('starting the stack does not wait for a relay that never answers, and nothing is sent meanwhile', async () => {
    world ??= await startWorld({ matters: 8, seed: 21, caseStatus: { lease: { ttlMs: 3_000 } }, smokeball: { faults: { latencyMs: 5, latencyJitterMs: 2 } } });
    // A relay that takes every connection and never answers: the lease call waits for its timeout (10 s).
    const held: Socket[] = [];
    let received = '';
    const silent = createServer((socket) => {
      held.push(socket);
      socket.on('data', (d) => (received += String(d)));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const d = tempDir('css-setup-lease-');
    dirs.push(d);
    const secrets = new MemorySecretStore();
    await secrets.set(SECRET_KEYS.relayToken, 'rly_silent-relay-token');
    const settings = new ConfSettingsStore(d.dir);
    settings.set(applySettingsPatch(settings.get(), { connections: { relayUrl: silentUrl } }));
    const core = await createDemoCore(world, { dataDir: d.dir, host: 'headless', secrets, core: { viewThrottleMs: 20, writebackIntervalMs: 60_000 } });
    cores.push(core);
    try {
      await core.start();
      // Started while the first lease call is unanswered (waiting for it would have ended in its timeout, the role
      // "unknown"): the stack is built, the window says why nothing syncs.
      expect(core.view().syncHost?.role).toBe('starting');
      await until('the lease request at the relay', () => received.includes('/v1/lease/'));
      const view = core.view();
      expect(view.setupProblem).toBeNull();
      expect(view.connections.smokeball.signedIn).toBe(true);
      expect(view.syncHost).toMatchObject({ role: 'starting', message: 'Finding out which PC syncs for the firm…' });
      expect(await core.invoke('syncNow', {})).toEqual({ started: false, reason: 'Finding out which PC syncs for the firm…' });
      // Nothing was written: no case, and no Smokeball webhook subscription (real time starts on the host only).
      expect(world.caseStatus.control.cases().size).toBe(0);
      expect(world.smokeball.control.webhookSubscriptions()).toEqual([]);
      expect(view.status.phase).toBe('idle');
    } finally {
      // The lease call fails at once instead of at its timeout, so stopping does not wait for it.
      for (const s of held) s.destroy();
      silent.close();
      await core.stop();
      cores.splice(cores.indexOf(core), 1);
    }
  });

  it('an install asks for the lease only once its import is started, and then stands by naming the host', async () => {
    world ??= await startWorld({ matters: 8, seed: 21, caseStatus: { lease: { ttlMs: 3_000 } }, smokeball: { faults: { latencyMs: 5, latencyJitterMs: 2 } } });
    const dataDir = () => {
      const d = tempDir('css-setup-lease-');
      dirs.push(d);
      return d.dir;
    };

    // A new install, signed in to Smokeball (step 1), the set-up not finished: it starts first, with nobody syncing.
    const newDir = dataDir();
    const secrets = new MemorySecretStore();
    await secrets.set(SECRET_KEYS.smokeballApiKey, world.smokeball.options.apiKey);
    await signInWithPkce(
      { authUrl: world.smokeball.authUrl, clientId: world.smokeball.options.clientId },
      { save: (t) => secrets.set(TOKENS_KEY, JSON.stringify(t)) },
    );
    const settings = new ConfSettingsStore(newDir);
    settings.set(
      applySettingsPatch(settings.get(), {
        connections: {
          smokeballApiUrl: world.smokeball.url,
          smokeballAuthUrl: world.smokeball.authUrl,
          smokeballClientId: world.smokeball.options.clientId,
          caseStatusApiUrl: world.caseStatus.url,
        },
      }),
    );
    const fresh = new AppCore({
      dataDir: newDir,
      host: 'headless',
      secrets,
      settings,
      install: { name: 'PARALEGAL-PC', user: 'ben' },
      viewThrottleMs: 20,
      writebackIntervalMs: 60_000,
    });
    cores.push(fresh);
    await fresh.start();
    // Step 2, the Case Status key check, works (it writes nothing) and builds the stack; no lease is asked for.
    expect(await fresh.invoke('connectCaseStatus', { apiKey: world.caseStatus.apiKey })).toMatchObject({ ok: true });
    await until('the new install signed in', () => fresh.view().connections.smokeball.signedIn);
    expect(fresh.view().syncHost).toMatchObject({ role: 'setup', message: expect.stringMatching(/^Set-up not finished on this PC/) });
    expect(((await fresh.invoke('makeSyncHost', {})) as CommandResults['makeSyncHost']).requested).toBe(false);

    // The preview reads both services (paced, without the lease) and writes nothing.
    const preview = (await fresh.invoke('previewSync', {})) as CommandResults['previewSync'];
    expect(preview.firstImport).toBe(true);
    expect(preview.cases.create).toBeGreaterThan(0);
    expect(world.caseStatus.control.cases().size).toBe(0);
    expect(fresh.view().syncHost?.role).toBe('setup');

    // An install that finished its set-up starts later and becomes the host (it would have been a standby of the
    // unfinished install, waiting for ever, had that one taken the lease when it started).
    const front = await createDemoCore(world, {
      dataDir: dataDir(),
      host: 'headless',
      core: { install: { name: 'FRONTDESK-PC', user: 'anna' }, viewThrottleMs: 20, writebackIntervalMs: 60_000 },
    });
    cores.push(front);
    await front.start();
    await until('the finished install to be the host', () => front.view().syncHost?.role === 'host');
    await until("the host's import", () => front.view().initialImportDone && front.view().status.phase === 'idle');
    const cases = world.caseStatus.control.cases().size;
    expect(cases).toBe(preview.cases.create);

    // Start import on the unfinished install: it asks for the lease, waits for the answer and stands by, naming the host.
    const started = (await fresh.invoke('startImport', {})) as CommandResults['startImport'];
    expect(started).toEqual({
      started: false,
      reason: 'Sync runs on FRONTDESK-PC (signed in as anna). That PC imports and syncs for the firm; this PC stands by and takes over if it stops.',
    });
    expect(fresh.view().syncHost).toMatchObject({ role: 'standby', hostName: 'FRONTDESK-PC' });
    expect(fresh.view().setup.runsAllowed).toBe(true);
    // Now it is a standby: the set-up's reads need the lease like any other request.
    await expect(fresh.invoke('previewSync', {})).rejects.toThrow(/not the firm's sync host/);

    // The host quits: the install that joined takes over, adopts the shared links and creates no case twice.
    await front.stop();
    cores.splice(cores.indexOf(front), 1);
    await until('the take-over', () => fresh.view().syncHost?.role === 'host');
    await until('its import', () => fresh.view().initialImportDone && fresh.view().status.phase === 'idle');
    expect(world.caseStatus.control.cases().size).toBe(cases);
  }, 120_000);
});
