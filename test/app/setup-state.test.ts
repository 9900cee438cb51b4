import { describe, expect, it } from 'vitest';
import { deriveSetup, markStep, type SetupInputs } from '../../src/app/setup-state.js';
import { pairingTarget } from '../../src/app/setup-flow.js';
import { effectiveConnections, loadBuildConfig, PRODUCTION_BUILD_CONFIG } from '../../src/app/build-config.js';
import { DEFAULT_SETTINGS } from '../../src/contract/settings.js';
import { normalizePairingCode } from '../../src/shared/relay-wire.js';

const fresh = (over: Partial<SetupInputs> = {}): SetupInputs => ({
  progress: DEFAULT_SETTINGS.setup,
  signedIn: false,
  caseStatusKeySet: false,
  relayPaired: false,
  initialImportDone: false,
  ...over,
});
const states = (i: SetupInputs) =>
  deriveSetup(i)
    .steps.map((s) => `${s.id}:${s.state}`)
    .join(' ');

describe('the set-up state machine', () => {
  it('starts at sign-in with every run held back', () => {
    const v = deriveSetup(fresh());
    expect(v.current).toBe('smokeball');
    expect(v.runsAllowed).toBe(false);
    expect(v.complete).toBe(false);
    expect(v.blockedReason).toBe('Finish the set-up first: sign in to Smokeball.');
    expect(states(fresh())).toBe('smokeball:current casestatus:todo realtime:todo what-syncs:todo mapping:todo preview:todo import:todo');
  });

  it('derives steps 1-3 from real state and 4-6 from what a person reviewed or skipped', () => {
    let progress = markStep(DEFAULT_SETTINGS.setup, 'realtime', 'skipped');
    progress = markStep(progress, 'what-syncs', 'done');
    const i = fresh({ signedIn: true, caseStatusKeySet: true, progress: { ...progress, smokeballFirmName: 'Smith & Jones' } });
    const v = deriveSetup(i);
    expect(states(i)).toBe('smokeball:done casestatus:done realtime:skipped what-syncs:done mapping:current preview:todo import:todo');
    expect(v.steps[0]!.summary).toBe('Signed in to Smokeball: Smith & Jones');
    expect(v.blockedReason).toMatch(/review stages and practice areas/);
    // A lapsed sign-in sends the wizard back to step 1, whatever was done after it.
    expect(deriveSetup({ ...i, signedIn: false }).current).toBe('smokeball');
    // Pairing the relay later replaces the skip.
    expect(deriveSetup({ ...i, relayPaired: true }).steps[2]!.state).toBe('done');
    // Reopening a reviewed step makes it current again.
    expect(deriveSetup({ ...i, progress: markStep(i.progress, 'what-syncs', 'reopen') }).current).toBe('what-syncs');
  });

  it('lets runs start once the import is started, and completes only when finished', () => {
    const started = fresh({ signedIn: true, caseStatusKeySet: true, progress: { ...DEFAULT_SETTINGS.setup, importStarted: true } });
    expect(deriveSetup(started)).toMatchObject({ runsAllowed: true, complete: false, blockedReason: null });
    expect(deriveSetup({ ...started, initialImportDone: true }).steps.at(-1)).toMatchObject({ id: 'import', state: 'done', summary: 'First import done' });
    expect(deriveSetup({ ...started, progress: { ...started.progress, complete: true } })).toMatchObject({ complete: true, current: null });
  });

  it('adopts an install that imported before the guided set-up existed', () => {
    const v = deriveSetup(fresh({ signedIn: true, caseStatusKeySet: true, initialImportDone: true }));
    expect(v).toMatchObject({ complete: true, runsAllowed: true, current: null, blockedReason: null });
  });
});

describe('pairing input', () => {
  it('takes a bare code at the build relay and a link at its own relay', () => {
    expect(pairingTarget(' k7qf-2m9x pl4d ', 'https://relay.example')).toEqual({ relayUrl: 'https://relay.example', code: 'K7QF2M9XP14D' });
    expect(pairingTarget('https://r.example.com/base/pair/K7QF-2M9X-PL4D', 'https://relay.example')).toEqual({
      relayUrl: 'https://r.example.com/base',
      code: 'K7QF2M9XP14D',
    });
    expect(pairingTarget('https://r.example.com/other/K7QF', 'x')).toBeUndefined();
    expect(pairingTarget('hello world!', 'x')).toBeUndefined();
    expect(normalizePairingCode('oOiIlL')).toBe('001111');
  });
});

describe('built-in connection defaults', () => {
  it('are the production ones unless the environment overrides them', () => {
    expect(loadBuildConfig({})).toEqual(PRODUCTION_BUILD_CONFIG);
    const dev = loadBuildConfig({ CSS_SMOKEBALL_API_URL: 'http://127.0.0.1:4000/', CSS_SMOKEBALL_CLIENT_ID: 'dev-client' });
    expect(dev.smokeballApiUrl).toBe('http://127.0.0.1:4000');
    expect(dev.smokeballClientId).toBe('dev-client');
    expect(() => loadBuildConfig({ CSS_CASESTATUS_API_URL: 'ftp://x' })).toThrow(/CSS_CASESTATUS_API_URL must be an http\(s\) address/);
  });

  it('fill what Settings left at its default; what support changed wins', () => {
    const build = { ...PRODUCTION_BUILD_CONFIG, smokeballApiUrl: 'http://sim', smokeballClientId: 'built-in' };
    const eff = effectiveConnections(DEFAULT_SETTINGS.connections, build);
    expect(eff).toMatchObject({ smokeballApiUrl: 'http://sim', smokeballClientId: 'built-in', relayUrl: '' });
    const changed = effectiveConnections({ ...DEFAULT_SETTINGS.connections, smokeballClientId: 'support-set', smokeballRatePerSecond: 10 }, build);
    expect(changed).toMatchObject({ smokeballClientId: 'support-set', smokeballRatePerSecond: 10 });
  });
});
