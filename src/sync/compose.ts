import { join } from 'node:path';
import { openStateStore, type StateStore } from '../store/index.js';
import { CaseStatusClient } from './casestatus/client.js';
import type { SyncConfig } from './config.js';
import { SyncEngine } from './engine/engine.js';
import type { ReadPlan } from './engine/full-sync.js';
import { classifyApiError } from './http/api-error.js';
import type { WriteFence } from './coordination/write-fence.js';
import { PacingGate } from './pacing/gate.js';
import type { Logger, SecretStore } from './ports.js';
import { SmokeballClient } from './smokeball/client.js';
import { TokenManager } from './smokeball/oauth.js';
import { WritebackJob } from './writeback/index.js';
import { ensurePrivateDir } from '../shared/private-files.js';
import type { Clock } from '../shared/clock.js';

export interface ConnectionSettings {
  smokeball: { apiUrl: string; authUrl: string; clientId: string; ratePerSecond: number; burst: number };
  caseStatus: { apiUrl: string; ratePerSecond: number; burst: number };
}

/** Keychain entries (never written anywhere else). */
export const SECRET_KEYS = {
  smokeballApiKey: 'smokeball.apiKey',
  smokeballClientSecret: 'smokeball.clientSecret',
  caseStatusApiKey: 'casestatus.apiKey',
  relayToken: 'relay.token',
  /** Basic authentication at the firm's proxy (the user name is in the settings). */
  proxyPassword: 'proxy.password',
} as const;

export interface SyncStack {
  engine: SyncEngine;
  /** Case Status messages → Smokeball memos, documents → the CaseStatus folder. */
  writeback: WritebackJob;
  store: StateStore;
  tokens: TokenManager;
  smokeball: SmokeballClient;
  caseStatus: CaseStatusClient;
  smokeballGate: PacingGate;
  caseStatusGate: PacingGate;
  close(): void;
}

export class MissingSecretError extends Error {
  constructor(what: string) {
    super(`${what} is not set up yet. Add it in Settings → Connections.`);
    this.name = 'MissingSecretError';
  }
}

/** Composition root for the engine, shared by the CLI, the headless host and the Electron main process. */
export async function createSyncStack(options: {
  dataDir: string;
  connections: ConnectionSettings;
  sync?: Partial<SyncConfig>;
  secrets: SecretStore;
  logger?: Logger;
  plan?: ReadPlan;
  /** The firm's sync lease (src/sync/coordination); none: this process is the firm's only install. */
  fence?: WriteFence;
  /** The engine's and the write-back's clock (the app's); default: the system clock. Tests pass a fake one. */
  clock?: Clock;
}): Promise<SyncStack> {
  const { connections, secrets } = options;
  const sbKey = await secrets.get(SECRET_KEYS.smokeballApiKey);
  const csKey = await secrets.get(SECRET_KEYS.caseStatusApiKey);
  if (!sbKey) throw new MissingSecretError('The Smokeball API key');
  if (!csKey) throw new MissingSecretError('The Case Status API key');
  const clientSecret = await secrets.get(SECRET_KEYS.smokeballClientSecret);

  ensurePrivateDir(options.dataDir);
  const clock = options.clock;
  // The store stamps what it writes with the same clock the engine and the write-back compare against.
  const store = openStateStore(join(options.dataDir, 'sync.sqlite'), clock && (() => clock.now()));
  const smokeballGate = new PacingGate({
    name: 'smokeball',
    ratePerSecond: connections.smokeball.ratePerSecond,
    burst: connections.smokeball.burst,
    classify: classifyApiError,
    fence: options.fence,
  });
  const caseStatusGate = new PacingGate({
    name: 'casestatus',
    ratePerSecond: connections.caseStatus.ratePerSecond,
    burst: connections.caseStatus.burst,
    classify: classifyApiError,
    fence: options.fence,
  });
  const tokens = new TokenManager({ authUrl: connections.smokeball.authUrl, clientId: connections.smokeball.clientId, clientSecret }, secrets);
  const smokeball = new SmokeballClient({ apiUrl: connections.smokeball.apiUrl, apiKey: sbKey, tokens, gate: smokeballGate });
  const caseStatus = new CaseStatusClient({ apiUrl: connections.caseStatus.apiUrl, apiKey: csKey, gate: caseStatusGate });
  const engine = new SyncEngine({ smokeball, caseStatus, store, config: options.sync, logger: options.logger, plan: options.plan, clock: options.clock });
  const writeback = new WritebackJob({
    smokeball,
    caseStatus,
    store,
    logger: options.logger,
    tempDir: join(options.dataDir, 'upload-staging'),
    clock: options.clock,
  });
  return {
    engine,
    writeback,
    store,
    tokens,
    smokeball,
    caseStatus,
    smokeballGate,
    caseStatusGate,
    close() {
      writeback.close();
      smokeballGate.dispose();
      caseStatusGate.dispose();
      store.close();
    },
  };
}
