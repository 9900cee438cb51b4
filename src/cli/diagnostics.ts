import { join, resolve } from 'node:path';
import { writeDiagnostics } from '../app/diagnostics.js';
import { KeytarSecretStore } from '../app/keychain.js';
import { rememberSecrets } from '../app/known-secrets.js';
import { ConfSettingsStore } from '../app/settings-store.js';
import { SECRET_KEYS } from '../sync/compose.js';
import type { SecretStore } from '../sync/ports.js';
import { TOKENS_KEY } from '../sync/smokeball/oauth.js';

/** Every keychain entry the app uses, so the bundle can be checked against each value. */
export const ALL_SECRET_KEYS = [...Object.values(SECRET_KEYS), TOKENS_KEY];

/**
 * Reads every secret the app keeps (values and, for the token set, its members) so the bundle's texts can be
 * redacted against them. The values stay in memory.
 */
export async function knownSecretValues(secrets: SecretStore): Promise<string[]> {
  const remembering = rememberSecrets(secrets);
  for (const key of ALL_SECRET_KEYS) await remembering.get(key);
  // Short members of the token set (its type, "Bearer") are not secrets and would blank ordinary words.
  return remembering.knownSecrets().filter((s) => s.length >= 8);
}

/** `cli diagnostics --data DIR [--out FILE] [--include-client-details]`: writes the support zip and prints its path. */
export async function runDiagnostics(options: { dataDir: string; out?: string; includeClientDetails: boolean; secrets?: SecretStore; version?: string }): Promise<number> {
  const settings = new ConfSettingsStore(options.dataDir).get();
  let known: string[] = [];
  try {
    known = await knownSecretValues(options.secrets ?? new KeytarSecretStore());
  } catch (error) {
    // Without the keychain the logs are still as redacted as when they were written; say so rather than fail.
    process.stderr.write(`Note: the keychain could not be read (${(error as Error).message}); the bundle is checked against the usual secret patterns only.\n`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = resolve(options.out ?? join(options.dataDir, `case-status-sync-diagnostics-${stamp}.zip`));
  const result = writeDiagnostics(
    {
      dataDir: options.dataDir,
      logDirs: [join(options.dataDir, 'logs')],
      settings,
      versions: { app: options.version },
      includeClientDetails: options.includeClientDetails,
      knownSecrets: known,
    },
    file,
  );
  process.stdout.write(`Diagnostics written to ${result.file} (${result.bytes} bytes; ${result.entries.length} files${options.includeClientDetails ? '; includes client details' : '; no client details'}).\n`);
  return 0;
}
