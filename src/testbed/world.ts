import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { generateFirm } from '../sim/seed/generate.js';
import type { SeededFirm } from '../sim/seed/firm-model.js';
import { startSmokeballSim, type SmokeballSim, type SmokeballSimOptions } from '../sim/smokeball/server.js';
import { startCaseStatusSim, type CaseStatusSim, type CaseStatusSimOptions } from '../sim/casestatus/server.js';
import { practiceAreasFromFirm } from '../sim/casestatus/practice-areas.js';
import {
  buildAuthorizeUrl,
  createPkcePair,
  createSyncStack,
  exchangeAuthorizationCode,
  MemorySecretStore,
  SECRET_KEYS,
  type OAuthConfig,
  type ReadPlan,
  type SecretStore,
  type SyncConfig,
  type SyncStack,
} from '../sync/index.js';
import type { WriteFence } from '../sync/index.js';
import { CASE_STATUS_PACE } from '../contract/settings.js';
import type { Clock } from '../shared/clock.js';

/**
 * A seeded firm with both simulators running: what the demo, the integration tests and the benchmarks
 * sync against. Some Smokeball stages are left out of Case Status on purpose (a firm's real set-up is never
 * a perfect match), so unmapped stages show up as items needing attention.
 */
export interface World {
  firm: SeededFirm;
  smokeball: SmokeballSim;
  caseStatus: CaseStatusSim;
  close(): Promise<void>;
}

/** Stage names the default Case Status set-up does not have (the firm must map them). */
export const STAGES_MISSING_IN_CASE_STATUS = ['Awaiting Lien Resolution'];

export async function startWorld(options: {
  matters: number;
  seed?: number;
  smokeball?: Partial<SmokeballSimOptions>;
  caseStatus?: Partial<CaseStatusSimOptions>;
  /** Adjusts the generated firm before the simulators load it (e.g. fewer messages for a quick UI test). */
  shapeFirm?: (firm: SeededFirm) => void;
}): Promise<World> {
  const firm = generateFirm({ seed: options.seed ?? 42, matters: options.matters });
  options.shapeFirm?.(firm);
  const smokeball = await startSmokeballSim({
    firm,
    redirectUris: ['http://127.0.0.1/callback'],
    allowLoopbackAnyPort: true,
    faults: { latencyMs: 150, latencyJitterMs: 50 },
    ...options.smokeball,
  });
  const practiceAreas = practiceAreasFromFirm(firm).map((a) => ({ ...a, stages: a.stages.filter((s) => !STAGES_MISSING_IN_CASE_STATUS.includes(s)) }));
  const caseStatus = await startCaseStatusSim({ firm, practiceAreas, faults: { latencyMs: 60, latencyJitterMs: 20 }, ...options.caseStatus });
  return {
    firm,
    smokeball,
    caseStatus,
    async close() {
      await Promise.allSettled([smokeball.close(), caseStatus.close()]);
    },
  };
}

/**
 * Signs in the way the desktop app does — authorization code with PKCE and a loopback redirect — with the
 * simulator's auto-approving sign-in page standing in for the user's browser.
 */
export async function signInWithPkce(oauth: OAuthConfig, tokens: { save(t: import('../sync/smokeball/oauth.js').TokenSet): Promise<void> }): Promise<void> {
  const pkce = createPkcePair();
  const state = randomUUID();
  const redirectUri = 'http://127.0.0.1:53682/callback';
  const res = await fetch(buildAuthorizeUrl(oauth, redirectUri, pkce.challenge, state), { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`sign-in page answered HTTP ${res.status}`);
  const back = new URL(location);
  if (back.searchParams.get('state') !== state) throw new Error('sign-in state mismatch');
  const code = back.searchParams.get('code');
  if (!code) throw new Error('sign-in returned no code');
  await tokens.save(await exchangeAuthorizationCode(oauth, code, pkce.verifier, redirectUri));
}

/** A sync stack (engine, store, clients) connected to the world, signed in, with its state in `dataDir`. */
export async function connectToWorld(
  world: World,
  options: {
    dataDir?: string;
    ratePerSecond?: number;
    burst?: number;
    plan?: ReadPlan;
    sync?: Partial<SyncConfig>;
    secrets?: SecretStore;
    fence?: WriteFence;
    clock?: Clock;
  } = {},
): Promise<SyncStack & { secrets: SecretStore; dataDir: string }> {
  const secrets = options.secrets ?? new MemorySecretStore();
  await secrets.set(SECRET_KEYS.smokeballApiKey, world.smokeball.options.apiKey);
  await secrets.set(SECRET_KEYS.caseStatusApiKey, world.caseStatus.apiKey);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'css-state-'));
  const connections = {
    smokeball: {
      apiUrl: world.smokeball.url,
      authUrl: world.smokeball.authUrl,
      clientId: world.smokeball.options.clientId,
      ratePerSecond: options.ratePerSecond ?? 5,
      burst: options.burst ?? 5,
    },
    caseStatus: { apiUrl: world.caseStatus.url, ...CASE_STATUS_PACE },
  };
  const stack = await createSyncStack({ dataDir, connections, secrets, sync: options.sync, plan: options.plan, fence: options.fence, clock: options.clock });
  if (!(await stack.tokens.hasTokens())) {
    await signInWithPkce({ authUrl: connections.smokeball.authUrl, clientId: connections.smokeball.clientId }, stack.tokens);
  }
  return { ...stack, secrets, dataDir };
}
