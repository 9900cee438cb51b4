import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCore } from '../../src/app/app-core.js';
import { PRODUCTION_BUILD_CONFIG, type BuildConfig } from '../../src/app/build-config.js';
import { ConfSettingsStore } from '../../src/app/settings-store.js';
import type { CommandResults } from '../../src/contract/commands.js';
import { startRelayServer, type RelayServer } from '../../src/relay/index.js';
import { hashPairingCode } from '../../src/relay/pairing.js';
import { createRelayAdmin } from '../../src/relay/admin.js';
import { SqliteRelayStorage } from '../../src/relay/storage/sqlite.js';
import { MemorySecretStore, SECRET_KEYS } from '../../src/sync/index.js';
import { startWorld, type World } from '../../src/testbed/world.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The guided set-up through the app core against the simulators and a relay: a new install, nothing configured but
 * the build's defaults (pointed at the simulators, as CSS_* variables do). One world for the file.
 */
async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let world: World;
let relay: RelayServer;
let firmId: string;
let build: BuildConfig;
const dirs: Array<ReturnType<typeof tempDir>> = [];

beforeAll(async () => {
  world = await startWorld({ matters: 12, seed: 15, smokeball: { faults: {} }, caseStatus: { faults: {} } });
  const relayDir = tempDir('css-setup-relay-');
  dirs.push(relayDir);
  relay = await startRelayServer({ storage: `sqlite:${relayDir.dir}/relay.sqlite`, smokeballClientId: world.smokeball.options.clientId });
  firmId = (await relay.admin.createFirm({ name: 'Setup firm' })).firmId;
  build = {
    ...PRODUCTION_BUILD_CONFIG,
    smokeballApiUrl: world.smokeball.url,
    smokeballAuthUrl: world.smokeball.authUrl,
    smokeballClientId: world.smokeball.options.clientId,
    caseStatusApiUrl: world.caseStatus.url,
    relayUrl: relay.url,
  };
});

afterAll(async () => {
  await relay?.close();
  await world?.close();
  for (const d of dirs) d.cleanup();
});

describe('relay pairing codes', () => {
  it('are single use, expire, and refuse what cannot be a code', async () => {
    const { code } = await relay.admin.createPairingCode(firmId);
    const pair = (body: unknown) =>
      fetch(`${relay.url}/v1/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const first = await pair({ code: code.toLowerCase() });
    expect(first.status).toBe(200);
    const answer = (await first.json()) as { token: string; relayUrl: string; firmName: string };
    expect(answer).toMatchObject({ relayUrl: relay.url, firmName: 'Setup firm' });
    const firm = await fetch(`${relay.url}/v1/firm`, { headers: { authorization: `Bearer ${answer.token}` } });
    expect(firm.status).toBe(200);
    expect(((await (await pair({ code })).json()) as { error: string }).error).toBe('unknown_code');
    expect((await pair({ code: 'not a code' })).status).toBe(400);
    expect((await pair({})).status).toBe(400);
    await expect(relay.admin.createPairingCode('no-such-firm')).rejects.toThrow(/no firm/);
    // Expiry: the storage hands a code out only before its time, and only once.
    const storage = new SqliteRelayStorage(':memory:');
    try {
      const t0 = Date.now();
      const admin = createRelayAdmin(storage, () => t0);
      const { firmId: id } = await admin.createFirm({ name: 'Expiry firm' });
      const late = await admin.createPairingCode(id, 60_000);
      expect(await storage.takePairingCode(hashPairingCode(late.code), new Date(t0 + 61_000))).toBeUndefined();
      const onTime = await admin.createPairingCode(id, 60_000);
      expect(await storage.takePairingCode(hashPairingCode(onTime.code), new Date(t0 + 59_000))).toBe(id);
      expect(await storage.takePairingCode(hashPairingCode(onTime.code), new Date(t0 + 59_000))).toBeUndefined();
    } finally {
      await storage.close();
    }
  });
});

describe('the guided set-up of a new install', () => {
  it('checks the Case Status key, pairs the relay, holds runs back until the import, and resumes after a restart', async () => {
    const data = tempDir('css-setup-core-');
    dirs.push(data);
    const secrets = new MemorySecretStore();
    // The Smokeball API key belongs with the app's registration; the set-up does not ask staff for it.
    await secrets.set(SECRET_KEYS.smokeballApiKey, world.smokeball.options.apiKey);
    const settings = new ConfSettingsStore(data.dir);
    const newCore = () =>
      new AppCore({
        dataDir: data.dir,
        host: 'headless',
        secrets,
        settings: new ConfSettingsStore(data.dir),
        build,
        viewThrottleMs: 50,
        writebackIntervalMs: 60_000,
      });
    let core = newCore();
    try {
      await core.start();
      expect(core.view().setup.current).toBe('smokeball');
      // Nothing typed: the build's client id is used.
      expect(settings.get().connections.smokeballClientId).toBe('');
      expect(core.view().connections.smokeball.clientIdSet).toBe(true);
      const { authorizeUrl } = (await core.invoke('signIn', {})) as CommandResults['signIn'];
      expect(new URL(authorizeUrl).searchParams.get('client_id')).toBe(world.smokeball.options.clientId);
      const page = await fetch(authorizeUrl, { redirect: 'manual' });
      expect((await fetch(page.headers.get('location')!)).status).toBe(200);
      const signedIn = await until('the sign-in and the firm name', () => core.view().setup.steps[0]!.summary?.includes(world.firm.name) && core.view());
      expect(signedIn.setup.current).toBe('casestatus');

      // Step 2: three different mistakes, three different messages; nothing is kept until a key works.
      const connect = (apiKey: string) => core.invoke('connectCaseStatus', { apiKey }) as Promise<CommandResults['connectCaseStatus']>;
      expect(await connect('wrong-key')).toMatchObject({ ok: false, problem: 'wrong_key' });
      await core.invoke('updateSettings', { connections: { caseStatusApiUrl: relay.url } });
      expect(await connect(world.caseStatus.apiKey)).toMatchObject({ ok: false, problem: 'wrong_address' });
      await core.invoke('updateSettings', { connections: { caseStatusApiUrl: 'http://127.0.0.1:9' } });
      expect(await connect(world.caseStatus.apiKey)).toMatchObject({ ok: false, problem: 'no_network' });
      expect(await secrets.get(SECRET_KEYS.caseStatusApiKey)).toBeUndefined();
      await core.invoke('updateSettings', { connections: { caseStatusApiUrl: PRODUCTION_BUILD_CONFIG.caseStatusApiUrl } }); // back to the build's address
      expect(await connect(world.caseStatus.apiKey)).toMatchObject({ ok: true });
      expect(core.view().setup.current).toBe('realtime');

      // Step 3: a wrong code, then the link the relay's operator gave.
      expect(await core.invoke('pairRelay', { code: 'AAAA-BBBB-CCCC' })).toMatchObject({
        paired: false,
        message: expect.stringMatching(/does not know this pairing code/),
      });
      const { code } = await relay.admin.createPairingCode(firmId);
      expect(await core.invoke('pairRelay', { code: `${relay.url}/pair/${code}` })).toMatchObject({ paired: true });
      expect(await secrets.get(SECRET_KEYS.relayToken)).toMatch(/^rly_/);
      expect(settings.get().connections.relayUrl).toBe(relay.url);
      expect(JSON.stringify(settings.get())).not.toContain('rly_');
      await core.invoke('completeSetupStep', { step: 'what-syncs' });
      await core.invoke('skipSetupStep', { step: 'mapping' });
      const before = core.view();
      expect(before.setup.current).toBe('preview');
      expect(before.setup.steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'skipped', 'current', 'todo']);

      // Nothing ran: no case written, real time not started, Sync now refused with the reason.
      expect(world.caseStatus.control.cases().size).toBe(0);
      expect(before.realtime.state).toBe('off');
      expect(before.tray.tooltip).toMatch(/Set-up needed/);
      expect(await core.invoke('syncNow', {})).toEqual({ started: false, reason: 'Finish the set-up first: look at the preview.' });

      // A restart (or a crash) resumes where the set-up was.
      await core.stop();
      core = newCore();
      await core.start();
      await until('the restarted core to sign in', () => core.view().connections.smokeball.signedIn);
      expect(core.view().setup.steps.map((s) => s.state)).toEqual(before.setup.steps.map((s) => s.state));
      expect(world.caseStatus.control.cases().size).toBe(0);

      await core.invoke('skipSetupStep', { step: 'preview' });
      expect(await core.invoke('startImport', {})).toMatchObject({ started: true });
      const done = await until('the import', () => core.view().initialImportDone && core.view());
      expect(done.setup.steps.at(-1)).toMatchObject({ id: 'import', state: 'done' });
      expect(world.caseStatus.control.cases().size).toBeGreaterThan(0);
      await until('real time to start after the import', () => core.view().realtime.state !== 'off');
      expect(((await core.invoke('finishSetup', {})) as CommandResults['finishSetup']).complete).toBe(true);
      expect(core.view().tray.tooltip).not.toMatch(/Set-up needed/);
    } finally {
      await core.stop();
    }
  });
});
