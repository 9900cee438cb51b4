import type { CaseStatusCheckResult, RelayPairResult, ReviewSetupStep, SetupStepId, SetupView, SkippableSetupStep } from '../contract/setup.js';
import type { Settings } from '../contract/settings.js';
import { normalizePairingCode } from '../shared/relay-wire.js';
import {
  checkCaseStatusKey,
  errorMessageOf,
  exchangePairingCode,
  readSmokeballFirmName,
  RelayPairingError,
  SECRET_KEYS,
  type Logger,
  type PacingGate,
  type SecretStore,
} from '../sync/index.js';
import type { BuildConfig } from './build-config.js';
import { deriveSetup, markStep } from './setup-state.js';

/** What the set-up needs of the rest of the core. */
export interface SetupFlowDeps {
  settings(): Settings;
  saveSettings(next: Settings): void;
  secrets: SecretStore;
  build: BuildConfig;
  logger: Logger;
  /** The connections the app uses (stored settings over the build's defaults). */
  connections(): Settings['connections'];
  /** Rebuilds the sync stack with the new key or relay. */
  reconfigure(): Promise<void>;
  /** Starts real time (it is held back until the import is started). */
  startRealtime(): Promise<void>;
  /**
   * Asks for the firm's sync lease (not asked for before the import is started) and resolves with the first
   * answer: on a standby, what the window says ("Sync runs on FRONTDESK-PC (signed in as anna)."); otherwise null
   * (host, not coordinated, or not known yet: then the import starts once this PC is granted the lease).
   */
  joinFirm(): Promise<string | null>;
  startImport(): Promise<{ started: boolean; reason?: string }>;
  /** The sync stack's Smokeball pacing gate; undefined before the stack can be built. */
  smokeballGate(): PacingGate | undefined;
  /** Real state the steps are derived from. */
  state(): { signedIn: boolean; caseStatusKeySet: boolean; relayPaired: boolean; initialImportDone: boolean };
}

/**
 * The commands of the guided set-up (src/contract/setup.ts) and the view of it. Each command changes real state
 * (the keychain, the connections) or the stored progress; the view is always derived again from both.
 */
export class SetupFlow {
  constructor(private readonly deps: SetupFlowDeps) {}

  view(): SetupView {
    return deriveSetup({ progress: this.deps.settings().setup, ...this.deps.state() });
  }

  /** Runs (Sync now, the nightly sync, retries, real time) may start only once the import was started. */
  get runsAllowed(): boolean {
    return this.view().runsAllowed;
  }

  get blockedReason(): string | null {
    return this.view().blockedReason;
  }

  /**
   * An install that imported before the guided set-up existed is set up: recorded once, so the wizard does not come
   * back when its stack cannot be built for a while (a key removed, the disk full).
   */
  adoptEarlierImport(initialImportDone: boolean): void {
    const p = this.deps.settings().setup;
    if (initialImportDone && !p.complete && !p.importStarted) this.saveProgress({ ...p, complete: true });
  }

  /**
   * Step 1 done: remember the firm's name for the step's summary (one GET /firm with the new access token, paced
   * by the stack's Smokeball gate as part of signing in: see readSmokeballFirmName).
   */
  async afterSignIn(accessToken: string): Promise<void> {
    const progress = this.deps.settings().setup;
    if (progress.complete) return;
    const apiKey = await this.deps.secrets.get(SECRET_KEYS.smokeballApiKey);
    if (!apiKey) return;
    try {
      const c = this.deps.connections();
      const name = await readSmokeballFirmName({
        apiUrl: c.smokeballApiUrl,
        apiKey,
        accessToken,
        pacing: this.deps.smokeballGate() ?? { ratePerSecond: c.smokeballRatePerSecond, burst: c.smokeballBurst },
      });
      if (name) this.saveProgress({ ...this.deps.settings().setup, smokeballFirmName: name });
    } catch (error) {
      // Only the summary line misses the name; the sign-in itself holds.
      this.deps.logger.warn('Could not read the firm name from Smokeball', { error: errorMessageOf(error) });
    }
  }

  async connectCaseStatus(apiKey: string): Promise<CaseStatusCheckResult> {
    const check = await checkCaseStatusKey({ apiUrl: this.deps.connections().caseStatusApiUrl, apiKey });
    if (!check.ok) return check;
    await this.deps.secrets.set(SECRET_KEYS.caseStatusApiKey, apiKey);
    await this.deps.reconfigure();
    return {
      ok: true,
      message: `Connected to Case Status: the key works (${check.practiceAreas} practice area${check.practiceAreas === 1 ? '' : 's'} found).`,
    };
  }

  async pairRelay(input: string): Promise<RelayPairResult> {
    const target = pairingTarget(input, this.deps.build.relayUrl);
    if (!target) return { paired: false, message: 'Paste the pairing code (like K7QF-2M9X-PL4D) or the whole pairing link.' };
    try {
      const answer = await exchangePairingCode(target.relayUrl, target.code);
      await this.deps.secrets.set(SECRET_KEYS.relayToken, answer.token);
      const s = this.deps.settings();
      this.saveProgress(markStep(s.setup, 'realtime', 'reopen'), { ...s.connections, relayUrl: answer.relayUrl });
      await this.deps.reconfigure();
      return {
        paired: true,
        message: `Paired with the relay${answer.firmName ? ` for ${answer.firmName}` : ''}: changes in Smokeball reach Case Status within seconds once the import has run.`,
      };
    } catch (error) {
      if (error instanceof RelayPairingError) return { paired: false, message: error.message };
      throw error;
    }
  }

  skip(step: SkippableSetupStep): SetupView {
    return this.mark(step, 'skipped');
  }

  complete(step: ReviewSetupStep): SetupView {
    return this.mark(step, 'done');
  }

  reopen(step: SetupStepId): SetupView {
    const s = this.deps.settings();
    // The import cannot be taken back: reopening it (or anything once complete) changes nothing.
    if (step === 'import' || s.setup.complete || s.setup.importStarted) return this.view();
    return this.mark(step, 'reopen');
  }

  async startImport(): Promise<{ started: boolean; reason?: string }> {
    const v = this.view();
    const missing = v.steps.find((step) => (step.id === 'smokeball' || step.id === 'casestatus') && step.state !== 'done');
    if (missing) return { started: false, reason: missing.id === 'smokeball' ? 'Sign in to Smokeball first (step 1).' : 'Connect Case Status first (step 2).' };
    if (!v.runsAllowed) this.saveProgress({ ...this.deps.settings().setup, importStarted: true });
    const notHost = await this.deps.joinFirm();
    if (notHost)
      // Another PC syncs for the firm (it imported or imports): this one stands by and takes over if it stops.
      return { started: false, reason: `${notHost} That PC imports and syncs for the firm; this PC stands by and takes over if it stops.` };
    if (!v.runsAllowed) await this.deps.startRealtime();
    const run = await this.deps.startImport();
    // Not started at once (this PC is not yet the firm's sync host, or a run is on): runs are allowed now, so the
    // import starts as soon as this install is granted the firm's lease or the running one ends.
    return run.started ? run : { started: true, reason: run.reason };
  }

  finish(): SetupView {
    const v = this.view();
    if (!v.runsAllowed) return v;
    this.saveProgress({ ...this.deps.settings().setup, complete: true });
    return this.view();
  }

  private mark(step: SetupStepId, how: 'done' | 'skipped' | 'reopen'): SetupView {
    this.saveProgress(markStep(this.deps.settings().setup, step, how));
    return this.view();
  }

  private saveProgress(setup: Settings['setup'], connections?: Settings['connections']): void {
    const s = this.deps.settings();
    this.deps.saveSettings({ ...s, setup, connections: connections ?? s.connections });
  }
}

/**
 * A pairing link (`https://relay.example.com/pair/K7QF-2M9X-PL4D`) names its relay; a bare code is exchanged at the
 * build's relay. Undefined when the text is neither.
 */
export function pairingTarget(input: string, defaultRelayUrl: string): { relayUrl: string; code: string } | undefined {
  const text = input.trim();
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    const match = /^(.*)\/pair\/([^/]+)\/?$/.exec(url.pathname);
    if (!match) return undefined;
    return { relayUrl: `${url.origin}${match[1]}`, code: normalizePairingCode(decodeURIComponent(match[2]!)) };
  }
  const code = normalizePairingCode(text);
  return /^[0-9A-Z]{6,32}$/.test(code) ? { relayUrl: defaultRelayUrl, code } : undefined;
}
