import { join } from 'node:path';
import { type SecretStore } from '../sync/index.js';
import { writeDiagnostics } from './diagnostics.js';
import { knownSecretValues } from './known-secret-values.js';
import type { SettingsStore } from './ports.js';

/**
 * The "Send diagnostics" command for a host: writes the zip into `outDir` with a time-stamped name, checked against
 * every value the keychain holds. The tray app passes its Downloads folder and Electron's log folder; `serve` and
 * the CLI their data folder and its `logs`.
 */
export function diagnosticsExporter(deps: {
  dataDir: string;
  logDirs: string[];
  outDir: string;
  settings: SettingsStore;
  secrets: SecretStore;
  version?: string;
}) {
  return async (input: { includeClientDetails: boolean }, outFile?: string): Promise<{ file: string; bytes: number; entries: string[] }> => {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = outFile ?? join(deps.outDir, `case-status-sync-diagnostics-${stamp}.zip`);
    return writeDiagnostics(
      {
        dataDir: deps.dataDir,
        logDirs: deps.logDirs,
        settings: deps.settings.get(),
        versions: { app: deps.version },
        includeClientDetails: input.includeClientDetails,
        knownSecrets: await knownSecretValues(deps.secrets),
      },
      file,
    );
  };
}
