import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { effectiveConnections, loadBuildConfig } from '../app/build-config.js';
import { applyNetworkSettings } from '../app/network-settings.js';
import { ConfSettingsStore } from '../app/settings-store.js';
import { connectionSettingsOf, engineConfigOf } from '../app/stack-settings.js';
import { createSyncStack, SECRET_KEYS, TOKENS_KEY, type SecretStore, type SyncStack } from '../sync/index.js';

/**
 * The sync stack of an installed app, for `cli preview --data DIR` without a config file: the install's own
 * settings.json (filters, mappings, connections with the build's defaults) and its secrets in the OS keychain, read
 * the way the app reads them (src/app/stack-settings.ts). Refuses with what is missing when the set-up has not got
 * that far, rather than failing later on a request.
 */
export async function openInstallStack(o: { dataDir: string; secrets: SecretStore; env?: Record<string, string | undefined> }): Promise<SyncStack> {
  // Checked before ConfSettingsStore, which would create the folder.
  if (!existsSync(join(o.dataDir, 'settings.json'))) {
    throw new Error(
      `No Case Status Sync install in ${o.dataDir} (no settings.json there). Start the app, or \`serve --data DIR\`, and finish its set-up; or give --config FILE.`,
    );
  }
  const store = new ConfSettingsStore(o.dataDir);
  const settings = store.get();
  const connections = effectiveConnections(settings.connections, loadBuildConfig(o.env ?? process.env));
  const has = async (key: string) => (await o.secrets.get(key)) !== undefined;
  const missing = [
    connections.smokeballClientId ? null : 'the Smokeball client id (CSS_SMOKEBALL_CLIENT_ID, or Settings → Connections → Advanced)',
    (await has(SECRET_KEYS.smokeballApiKey)) ? null : 'the Smokeball API key in the keychain',
    (await has(TOKENS_KEY)) ? null : 'sign in to Smokeball (set-up step 1)',
    (await has(SECRET_KEYS.caseStatusApiKey)) ? null : 'connect Case Status (set-up step 2)',
  ].filter((m): m is string => m !== null);
  if (missing.length > 0) {
    throw new Error(`The set-up of the install in ${o.dataDir} is not far enough for a preview: ${missing.join('; ')}. Finish it in the app first.`);
  }
  // The firm's proxy and root certificates (Settings → Network), as the app uses them.
  applyNetworkSettings({ settings: store, secrets: o.secrets });
  return createSyncStack({ dataDir: o.dataDir, connections: connectionSettingsOf(connections), sync: engineConfigOf(settings), secrets: o.secrets });
}
