import { applySettingsPatch } from '../contract/settings.js';
import { signInWithPkce, startWorld, type World } from './world.js';
import { MemorySecretStore, SECRET_KEYS, TOKENS_KEY, type Logger, type SecretStore } from '../sync/index.js';
import { startRelayServer, type RelayServer } from '../relay/index.js';
import { AppCore, type AppCoreDeps } from '../app/app-core.js';
import { ConfSettingsStore } from '../app/settings-store.js';

export interface DemoCoreOptions {
  dataDir: string;
  host: 'headless' | 'electron';
  /** Keep secrets across a core restart (tests); default: a new in-memory store. */
  secrets?: SecretStore;
  smokeballRate?: number;
  logger?: Logger;
  /** Extra AppCore knobs (tests shorten timers). */
  core?: Partial<AppCoreDeps>;
}

/**
 * The demo and most tests start with the guided set-up done (they configure the simulators themselves); the set-up's
 * own tests start from a new install instead.
 */
export function markSetupComplete(settingsDir: string, logger?: Logger): void {
  const settings = new ConfSettingsStore(settingsDir, logger);
  const s = settings.get();
  if (!s.setup.complete) settings.set({ ...s, setup: { ...s.setup, importStarted: true, complete: true } });
}

/**
 * An app core connected to a simulated firm: settings point at the simulators, the API keys are in the secret
 * store and Smokeball sign-in has been done the way the app does it (PKCE, loopback redirect), with the
 * simulator's sign-in page approving. Settings persist in `dataDir`, so a second core on the same folder
 * (a restart) keeps them.
 */
export async function createDemoCore(world: World, options: DemoCoreOptions): Promise<AppCore> {
  const secrets = options.secrets ?? new MemorySecretStore();
  const settings = new ConfSettingsStore(options.dataDir, options.logger);
  const stored = settings.get();
  if (stored.connections.smokeballApiUrl !== world.smokeball.url) {
    settings.set(
      applySettingsPatch(stored, {
        connections: {
          smokeballApiUrl: world.smokeball.url,
          smokeballAuthUrl: world.smokeball.authUrl,
          smokeballClientId: world.smokeball.options.clientId,
          smokeballRatePerSecond: options.smokeballRate ?? 5,
          smokeballBurst: Math.max(1, Math.round(options.smokeballRate ?? 5)),
          caseStatusApiUrl: world.caseStatus.url,
        },
      }),
    );
  }
  markSetupComplete(options.dataDir, options.logger);
  await secrets.set(SECRET_KEYS.smokeballApiKey, world.smokeball.options.apiKey);
  await secrets.set(SECRET_KEYS.caseStatusApiKey, world.caseStatus.apiKey);
  if (!(await secrets.get(TOKENS_KEY))) {
    await signInWithPkce(
      { authUrl: world.smokeball.authUrl, clientId: world.smokeball.options.clientId },
      {
        save: (t) => secrets.set(TOKENS_KEY, JSON.stringify(t)),
      },
    );
  }
  return new AppCore({ dataDir: options.dataDir, host: options.host, secrets, settings, logger: options.logger, ...options.core });
}

/**
 * A relay for the demo firm, wired the way a deployment is: Case Status posts its events to the relay, the app
 * gets the relay URL and token (and creates Smokeball's webhook subscription itself when it starts).
 */
export async function connectDemoRelay(world: World, settingsDir: string, secrets: SecretStore, logger?: Logger): Promise<RelayServer> {
  const relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: world.smokeball.options.clientId, logger });
  const firm = await relay.admin.createFirm({ name: 'Demo firm' });
  world.caseStatus.control.setEventWebhook(`${relay.url}/hooks/casestatus/${firm.firmId}`, firm.caseStatusSecret);
  await secrets.set(SECRET_KEYS.relayToken, firm.token);
  const settings = new ConfSettingsStore(settingsDir, logger);
  settings.set(applySettingsPatch(settings.get(), { connections: { relayUrl: relay.url } }));
  return relay;
}

/** The demo firm: both simulators with a seeded firm, a relay for real-time updates, and a started core syncing it. */
export async function createDemoApp(
  options: DemoCoreOptions & {
    matters: number;
    seed?: number;
    realtime?: boolean;
    simulators?: Pick<Parameters<typeof startWorld>[0], 'smokeball' | 'caseStatus'>;
  },
): Promise<{ core: AppCore; world: World; relay: RelayServer | undefined; secrets: SecretStore; close(): Promise<void> }> {
  // `simulators`: tests shorten the simulators' latency and write delay (the demo keeps the realistic defaults).
  const world = await startWorld({ matters: options.matters, seed: options.seed, ...options.simulators });
  const secrets = options.secrets ?? new MemorySecretStore();
  const relay = options.realtime === false ? undefined : await connectDemoRelay(world, options.dataDir, secrets, options.logger);
  const core = await createDemoCore(world, { ...options, secrets });
  await core.start();
  return {
    core,
    world,
    relay,
    secrets,
    async close() {
      await core.stop();
      await relay?.close();
      await world.close();
    },
  };
}
