import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfSettingsStore } from '../../src/app/settings-store.js';
import { openInstallStack } from '../../src/cli/install-stack.js';
import { formatPreview } from '../../src/cli/preview.js';
import { DEFAULT_SETTINGS } from '../../src/contract/settings.js';
import { MemorySecretStore, previewSync, SECRET_KEYS } from '../../src/sync/index.js';
import { connectToWorld, startWorld, type World } from '../../src/testbed/world.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * `cli preview --data DIR` without --config: the install's own settings.json and keychain (a memory store stands in
 * for the keychain here), connections from the build's defaults as overridden by the environment, as the app reads them.
 */
let world: World;
const dir = tempDir('css-preview-install-');

beforeAll(async () => {
  world = await startWorld({ matters: 120, seed: 5, smokeball: { faults: { latencyMs: 5 } }, caseStatus: { faults: { latencyMs: 5 } } });
});

afterAll(async () => {
  await world?.close();
  dir.cleanup();
});

describe('cli preview --data without --config', () => {
  it('refuses a folder with no install, without creating it', async () => {
    const nowhere = join(dir.dir, 'nowhere');
    await expect(openInstallStack({ dataDir: nowhere, secrets: new MemorySecretStore(), env: {} })).rejects.toThrow(/No Case Status Sync install in .*nowhere/);
    expect(existsSync(nowhere)).toBe(false);
    // The command itself no longer asks for --config; it says what is wrong and exits non-zero.
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'preview', '--data', nowhere], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/No Case Status Sync install in .*nowhere \(no settings.json there\)/);
    expect(res.stderr).not.toMatch(/needs --config/);
  });

  it('says which set-up steps are missing', async () => {
    const data = join(dir.dir, 'half');
    new ConfSettingsStore(data).set(DEFAULT_SETTINGS);
    const secrets = new MemorySecretStore();
    await secrets.set(SECRET_KEYS.smokeballApiKey, world.smokeball.options.apiKey);
    const env = { CSS_SMOKEBALL_CLIENT_ID: world.smokeball.options.clientId };
    await expect(openInstallStack({ dataDir: data, secrets, env })).rejects.toThrow(
      /not far enough for a preview: sign in to Smokeball \(set-up step 1\); connect Case Status \(set-up step 2\)\. Finish it in the app first\./,
    );
  });

  it("previews with the install's filters and the build's addresses", async () => {
    const data = join(dir.dir, 'app');
    const secrets = new MemorySecretStore();
    // Signs in as the app does (PKCE): the keychain then holds the grant and both API keys.
    (await connectToWorld(world, { dataDir: data, secrets })).close();
    // The install syncs Open matters only; its connections are still the settings' defaults.
    new ConfSettingsStore(data).set({ ...DEFAULT_SETTINGS, matterFilter: { statuses: ['Open'], matterTypeIds: [] } });
    const env = {
      CSS_SMOKEBALL_API_URL: world.smokeball.url,
      CSS_SMOKEBALL_AUTH_URL: world.smokeball.authUrl,
      CSS_SMOKEBALL_CLIENT_ID: world.smokeball.options.clientId,
      CSS_CASESTATUS_API_URL: world.caseStatus.url,
    };
    const stack = await openInstallStack({ dataDir: data, secrets, env });
    try {
      const writesBefore = world.caseStatus.stats.log.filter((e) => e.method !== 'GET').length;
      const preview = await previewSync({ smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store, config: stack.engine.config });
      const matters = world.firm.matters.filter((m) => !m.isLead);
      const open = matters.filter((m) => m.status === 'Open');
      expect(preview.cases.create).toBe(open.length);
      expect(preview.statuses.find((s) => s.status === 'Pending')).toEqual({
        status: 'Pending',
        matters: matters.filter((m) => m.status === 'Pending').length,
        selected: false,
      });
      expect(formatPreview(preview)).toContain(`Cases: ${open.length} to create`);
      expect(world.caseStatus.stats.log.filter((e) => e.method !== 'GET').length).toBe(writesBefore);
    } finally {
      stack.close();
    }
  });
});
