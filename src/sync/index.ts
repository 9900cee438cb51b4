/**
 * The engine's public surface: what the app, the hosts, the CLI and the testbed may use. Code outside src/sync
 * imports from here, never from a module path inside it (lint enforces it), so the engine's inside can move freely.
 * Tests may reach further in.
 */
export { MemorySecretStore, silentLogger, type Logger, type SecretStore } from './ports.js';
export { createSyncStack, MissingSecretError, SECRET_KEYS, type ConnectionSettings, type SyncStack } from './compose.js';
export { DEFAULT_SYNC_CONFIG, type SyncConfig } from './config.js';
export { describeFailure, errorMessageOf, failureReasonOf, type Failure, type FailureReason } from './failure.js';
export { initialStatus, type SyncStatus } from './status.js';
export type { ReadPlan } from './engine/full-sync.js';
export type { RunSummary, SyncEngine } from './engine/engine.js';
export { RealtimeSync, type RealtimeOptions } from './realtime/index.js';
export { exchangePairingCode, RelayPairingError } from './realtime/pairing.js';
export {
  AuthRequiredError,
  buildAuthorizeUrl,
  createPkcePair,
  exchangeAuthorizationCode,
  TOKENS_KEY,
  type OAuthConfig,
  type TokenManager,
  type TokenSet,
} from './smokeball/oauth.js';
export { configureNetwork, networkProblemOf, resetNetwork, type NetworkProblem, type NetworkRoute } from './http/network.js';
export { envProxyResolver, parsePacResult, type ProxyResolver } from './http/proxy-choice.js';
export { checkCaPem, trustedCertificates } from './http/trusted-cas.js';
export { readSmokeballFirmName } from './smokeball/firm-name.js';
export { checkCaseStatusKey, type CaseStatusKeyCheck } from './casestatus/key-check.js';
export { DEFAULT_GRANT_WATCH_MS, GrantWatch, type GrantWatchOptions } from './smokeball/grant-watch.js';
export { listAll } from './smokeball/reads.js';
export type { SbStageSet } from './smokeball/types.js';
export { writebackActivity } from './writeback/index.js';
export * from './coordination/index.js';
export { previewSync, suggestName } from './preview/index.js';
export type { PacingGate } from './pacing/gate.js';
export { RateLeaseFollower, RelayBudgetClient, type BudgetRenewer } from './pacing/rate-lease.js';
