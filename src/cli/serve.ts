import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppCore } from '../app/app-core.js';
import { loadBuildConfig } from '../app/build-config.js';
import { createDemoApp } from '../testbed/demo.js';
import { KeytarSecretStore } from '../app/keychain.js';
import { createFileLog } from '../app/file-log.js';
import { applyNetworkSettings } from '../app/network-settings.js';
import { diagnosticsExporter } from '../app/diagnostics-export.js';
import { rememberSecrets } from '../app/known-secrets.js';
import { MemorySecretStore } from '../sync/index.js';
import { ConfSettingsStore } from '../app/settings-store.js';
import { LanBindRefused, planBind } from '../host/bind-address.js';
import { startHeadlessHost } from '../host/headless-host.js';
import { ensureRendererBuilt } from '../host/renderer-build.js';

export const SERVE_USAGE = `  serve    Run the sync as a service and draw its window in a browser (no Electron)
             --demo (simulated firm)  --matters N (demo; default 2000)  --seed N  --rate N (Smokeball requests/s)
             --data DIR (state folder)  --port N (default: a free port)  --host ADDRESS (default 127.0.0.1)
             --allow-lan (needed for a --host other machines can reach; the window is plain HTTP)
             --smokeball-url URL --smokeball-auth-url URL --smokeball-client-id ID --casestatus-url URL --relay-url URL
             (override the app's built-in connection defaults, like the CSS_* variables; for development)
`;

/**
 * `serve`: the app core under plain Node with the window served on 127.0.0.1. Prints the address (with its access
 * token) and runs until Ctrl-C.
 */
export async function runServe(argv: string[], defaults: { dataDir: string }): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      demo: { type: 'boolean' },
      matters: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      data: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      // One sync host per firm (the lease at the relay, or at Case Status without one) is always on;
      // --no-coordinate is for development only: that install syncs as if it were the whole firm.
      // (--coordinate is still accepted: it was the switch while coordination was opt-in.)
      coordinate: { type: 'boolean' },
      'no-coordinate': { type: 'boolean' },
      // How other installs of the firm see this one; preferred wins a take-over (office manager's choice).
      'install-name': { type: 'string' },
      preferred: { type: 'boolean' },
      'allow-lan': { type: 'boolean' },
      // The app's built-in connection defaults (src/app/build-config.ts), for development and the simulators.
      'smokeball-url': { type: 'string' },
      'smokeball-auth-url': { type: 'string' },
      'smokeball-client-id': { type: 'string' },
      'casestatus-url': { type: 'string' },
      'relay-url': { type: 'string' },
    },
    strict: true,
  });
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const port = integer(values.port, 0, 'port', 0, 65535);
  let bind;
  try {
    bind = planBind(values.host ?? '127.0.0.1', values['allow-lan'] === true);
  } catch (error) {
    if (!(error instanceof LanBindRefused)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const staticDir = await ensureRendererBuilt({ log: out });
  // Every secret value read from or written to the store is blanked out of the log wherever it appears.
  const secrets = rememberSecrets(values.demo ? new MemorySecretStore() : new KeytarSecretStore());
  const dataDir = values.data ?? (values.demo ? mkdtempSync(join(tmpdir(), 'css-serve-demo-')) : defaults.dataDir);
  // The log lives in the data folder (logs/serve.log, rotated); warnings and errors are echoed to stderr, so stdout
  // keeps the address readable.
  const logger = createFileLog({
    dir: join(dataDir, 'logs'),
    name: 'serve.log',
    echo: (line, level) => {
      if (level !== 'info') process.stderr.write(`${line}\n`);
    },
    knownSecrets: secrets.knownSecrets,
  });

  let core: AppCore;
  let stopCore: () => Promise<void>;
  if (values.demo) {
    const matters = integer(values.matters, 2000, 'matters', 1, 1_000_000);
    out(`Starting the demo firm (${matters} matters) with simulated Smokeball and Case Status…`);
    const demo = await createDemoApp({
      matters,
      seed: integer(values.seed, 42, 'seed', 0, 2 ** 31),
      smokeballRate: values.rate === undefined ? undefined : Number(values.rate),
      dataDir,
      host: 'headless',
      secrets,
      logger,
    });
    out(`  Smokeball simulator   ${demo.world.smokeball.url}`);
    out(`  Case Status simulator ${demo.world.caseStatus.url}`);
    out(`  State folder          ${dataDir}`);
    core = demo.core;
    stopCore = () => demo.close();
  } else {
    const settings = new ConfSettingsStore(dataDir, logger);
    // HTTPS_PROXY / HTTP_PROXY / NO_PROXY, plus the proxy user and root certificates from Settings → Network.
    applyNetworkSettings({ settings, secrets });
    const exportDiagnostics = diagnosticsExporter({ dataDir, logDirs: [join(dataDir, 'logs')], outDir: dataDir, settings, secrets });
    const install = { name: values['install-name'], preferred: values.preferred };
    const build = loadBuildConfig({
      ...process.env,
      ...(values['smokeball-url'] ? { CSS_SMOKEBALL_API_URL: values['smokeball-url'] } : {}),
      ...(values['smokeball-auth-url'] ? { CSS_SMOKEBALL_AUTH_URL: values['smokeball-auth-url'] } : {}),
      ...(values['smokeball-client-id'] ? { CSS_SMOKEBALL_CLIENT_ID: values['smokeball-client-id'] } : {}),
      ...(values['casestatus-url'] ? { CSS_CASESTATUS_API_URL: values['casestatus-url'] } : {}),
      ...(values['relay-url'] ? { CSS_RELAY_URL: values['relay-url'] } : {}),
    });
    core = new AppCore({
      dataDir,
      host: 'headless',
      secrets,
      settings,
      logger,
      exportDiagnostics,
      install,
      build,
      coordinate: values['no-coordinate'] !== true,
    });
    await core.start();
    stopCore = () => core.stop();
    out(`State folder: ${dataDir}`);
  }

  const host = await startHeadlessHost({ core, port, host: bind.host, allowedHostnames: bind.allowedHostnames, staticDir });
  out('');
  if (bind.warning) {
    process.stderr.write(`${bind.warning}\n`);
    out("Case Status Sync is running. Open this address in a browser (on another machine, use this machine's address with the same port and token):");
  } else {
    out('Case Status Sync is running. Open this address in a browser on this machine:');
  }
  out(`  ${host.url}`);
  out("The address carries this session's access token; keep it to yourself. Press Ctrl-C to stop.");

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  out('\nStopping…');
  await host.close();
  await stopCore();
  await logger.close();
  return 0;
}

function integer(text: string | undefined, fallback: number, name: string, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}
