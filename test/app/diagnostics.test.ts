import { unzipSync } from 'fflate';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileLog } from '../../src/app/file-log.js';
import { ConfSettingsStore } from '../../src/app/settings-store.js';
import { applySettingsPatch, DEFAULT_SETTINGS } from '../../src/contract/settings.js';
import { ALL_SECRET_KEYS, knownSecretValues } from '../../src/app/known-secret-values.js';
import { runDiagnostics } from '../../src/cli/diagnostics.js';
import { connectToWorld, startWorld, type World } from '../../src/testbed/world.js';
import { SECRET_KEYS, type SyncStack } from '../../src/sync/compose.js';
import { MemorySecretStore } from '../../src/sync/ports.js';
import { WritebackJob } from '../../src/sync/writeback/index.js';
import { tempDir } from '../helpers/tmp.js';
import { FAST, TEST_SETTINGS } from '../sync/writeback/helpers.js';

/**
 * The support bundle after a real sync of a seeded firm: opened, it holds no secret (byte for byte, every value in
 * the secret store and every member of the token set, even one a log line carried raw) and, by default, no client
 * name, message or document name. Ticking "include client details" adds the attention items and activity.
 */
describe('diagnostics bundle', () => {
  let world: World;
  let stack: SyncStack & { dataDir: string };
  const secrets = new MemorySecretStore();
  const dir = tempDir('css-diag-');

  beforeAll(async () => {
    world = await startWorld({ matters: 25, seed: 11, smokeball: { ...FAST, rateLimit: { ratePerSecond: 20, burst: 10 } }, caseStatus: { ...FAST } });
    stack = await connectToWorld(world, { dataDir: dir.dir, secrets, ratePerSecond: 20, burst: 10 });
    await secrets.set(SECRET_KEYS.relayToken, 'relay-token-0f3a9c1e7b5d');
    await secrets.set(SECRET_KEYS.proxyPassword, 'proxy-pass-77a1b2c3');
    new ConfSettingsStore(dir.dir).set(applySettingsPatch(DEFAULT_SETTINGS, { network: { proxyUsername: 'FIRM\\sync', extraCaPem: '' } }));
    const imported = await stack.engine.initialImport();
    expect(imported.outcome, imported.error).not.toBe('failed');
    await new WritebackJob({
      smokeball: stack.smokeball,
      caseStatus: stack.caseStatus,
      store: stack.store,
      tempDir: `${dir.dir}/staging`,
      settings: TEST_SETTINGS,
    }).run();
    // The app's own log, plus an old-format file that carried secrets raw (a line written before redaction existed).
    const log = createFileLog({ dir: join(dir.dir, 'logs'), name: 'serve.log' });
    log.info('Sync finished', { matters: 25 });
    await log.close();
    mkdirSync(join(dir.dir, 'logs'), { recursive: true });
    const values = await knownSecretValues(secrets);
    writeFileSync(join(dir.dir, 'logs', 'legacy.log'), `old line with ${values.join(' and ')}\n`);
  }, 180_000);

  afterAll(async () => {
    stack?.close();
    await world?.close();
    dir.cleanup();
  });

  const open = (file: string) => unzipSync(readFileSync(file));
  const clientNames = () =>
    world.firm.contacts
      .flatMap((c) => [c.person ? `${c.person.firstName} ${c.person.lastName}` : undefined, c.company?.name])
      .filter((n): n is string => !!n && n.length > 3);

  it('holds logs, versions, settings and a state summary, but no secret and no client detail by default', async () => {
    const out = join(dir.dir, 'bundle.zip');
    expect(await runDiagnostics({ dataDir: dir.dir, out, includeClientDetails: false, secrets, version: '1.2.3' })).toBe(0);
    const entries = open(out);
    expect(Object.keys(entries).sort()).toEqual(['logs/legacy.log', 'logs/serve.log', 'settings.json', 'state.json', 'versions.json']);
    const all = Buffer.concat(Object.values(entries).map((b) => Buffer.from(b)));

    // Every secret: each keychain entry's value and each member of the token set.
    const values = await knownSecretValues(secrets);
    expect(values.length).toBeGreaterThanOrEqual(ALL_SECRET_KEYS.length); // api keys, relay, proxy, access + refresh token
    for (const v of values) expect(all.indexOf(Buffer.from(v)), `secret ${v.slice(0, 4)}…`).toBe(-1);
    expect(Buffer.from(entries['logs/legacy.log']!).toString()).toContain('[redacted]');

    const names = clientNames();
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(all.indexOf(Buffer.from(n)), `client ${n}`).toBe(-1);
    for (const d of world.firm.documents) expect(all.indexOf(Buffer.from(d.fileName)), `document ${d.fileName}`).toBe(-1);
    for (const m of world.firm.messages) if (m.body.length > 12) expect(all.indexOf(Buffer.from(m.body))).toBe(-1);

    const state = JSON.parse(Buffer.from(entries['state.json']!).toString()) as Record<string, unknown>;
    expect(state.counts).toMatchObject({ matter_links: world.caseStatus.control.cases().size });
    expect(Object.keys(state.attentionOpenByKind as object).length).toBeGreaterThan(0);
    expect((state.lastRuns as unknown[]).length).toBeGreaterThan(0);
    expect(state.attentionOpen).toBeUndefined();
    const versions = JSON.parse(Buffer.from(entries['versions.json']!).toString()) as Record<string, unknown>;
    expect(versions).toMatchObject({ app: '1.2.3', node: process.versions.node, includesClientDetails: false });
    const settings = JSON.parse(Buffer.from(entries['settings.json']!).toString()) as { network: { proxyUsername: string } };
    expect(settings.network.proxyUsername).toBe('FIRM\\sync');
  });

  it('adds attention items and activity (which name clients) only when client details are ticked, still without secrets', async () => {
    const out = join(dir.dir, 'bundle-details.zip');
    await runDiagnostics({ dataDir: dir.dir, out, includeClientDetails: true, secrets });
    const entries = open(out);
    const all = Buffer.concat(Object.values(entries).map((b) => Buffer.from(b)));
    for (const v of await knownSecretValues(secrets)) expect(all.indexOf(Buffer.from(v))).toBe(-1);
    const state = JSON.parse(Buffer.from(entries['state.json']!).toString()) as { attentionOpen: unknown[]; recentActivity: unknown[] };
    expect(state.attentionOpen.length).toBeGreaterThan(0);
    expect(state.recentActivity.length).toBeGreaterThan(0);
    const text = all.toString();
    expect(clientNames().some((n) => text.includes(n)) || world.firm.documents.some((d) => text.includes(d.fileName))).toBe(true);
  });
});
