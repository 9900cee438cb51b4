import { join, resolve } from 'node:path';
import { diagnosticsExporter } from '../app/diagnostics-export.js';
import { KeytarSecretStore } from '../app/keychain.js';
import { ConfSettingsStore } from '../app/settings-store.js';
import { MemorySecretStore, type SecretStore } from '../sync/index.js';

/** `cli diagnostics --data DIR [--out FILE] [--include-client-details]`: writes the support zip and prints its path. */
export async function runDiagnostics(options: {
  dataDir: string;
  out?: string;
  includeClientDetails: boolean;
  secrets?: SecretStore;
  version?: string;
}): Promise<number> {
  let secrets = options.secrets ?? new KeytarSecretStore();
  try {
    await secrets.get('probe');
  } catch (error) {
    // Without the keychain the logs are still as redacted as when they were written; say so rather than fail.
    process.stderr.write(`Note: the keychain could not be read (${(error as Error).message}); the bundle is checked against the usual secret patterns only.\n`);
    secrets = new MemorySecretStore();
  }
  const write = diagnosticsExporter({
    dataDir: options.dataDir,
    logDirs: [join(options.dataDir, 'logs')],
    outDir: options.dataDir,
    settings: new ConfSettingsStore(options.dataDir),
    secrets,
    version: options.version,
  });
  const result = await write({ includeClientDetails: options.includeClientDetails }, options.out ? resolve(options.out) : undefined);
  process.stdout.write(
    `Diagnostics written to ${result.file} (${result.bytes} bytes; ${result.entries.length} files${options.includeClientDetails ? '; includes client details' : '; no client details'}).\n`,
  );
  return 0;
}
