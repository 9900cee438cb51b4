import { readFileSync } from 'node:fs';
import { DEFAULT_SETTINGS, type Connections } from '../contract/settings.js';

/**
 * The app's own connection defaults: its Smokeball client id and the production addresses of Smokeball, its sign-in,
 * Case Status and the relay. They belong to the app, not to the firm, so staff never type them; Settings →
 * Connections → Advanced keeps them editable for support.
 *
 * Development, the simulators and a private build override them through the environment:
 *   CSS_SMOKEBALL_API_URL, CSS_SMOKEBALL_AUTH_URL, CSS_SMOKEBALL_CLIENT_ID, CSS_CASESTATUS_API_URL, CSS_RELAY_URL
 * (`serve` sets the same from its flags).
 */
export interface BuildConfig {
  smokeballApiUrl: string;
  smokeballAuthUrl: string;
  /** The public app's client id, issued by Smokeball when the app is registered. */
  smokeballClientId: string;
  caseStatusApiUrl: string;
  /** The relay a bare pairing code is exchanged at (a pairing link carries its own address). */
  relayUrl: string;
}

export const PRODUCTION_BUILD_CONFIG: BuildConfig = {
  smokeballApiUrl: DEFAULT_SETTINGS.connections.smokeballApiUrl,
  smokeballAuthUrl: DEFAULT_SETTINGS.connections.smokeballAuthUrl,
  smokeballClientId: 'case-status-sync',
  caseStatusApiUrl: DEFAULT_SETTINGS.connections.caseStatusApiUrl,
  relayUrl: 'https://relay.casestatus-sync.com',
};

const ENV_NAMES: Record<keyof BuildConfig, string> = {
  smokeballApiUrl: 'CSS_SMOKEBALL_API_URL',
  smokeballAuthUrl: 'CSS_SMOKEBALL_AUTH_URL',
  smokeballClientId: 'CSS_SMOKEBALL_CLIENT_ID',
  caseStatusApiUrl: 'CSS_CASESTATUS_API_URL',
  relayUrl: 'CSS_RELAY_URL',
};

/** The build's defaults with the environment's overrides; a malformed address is refused at start, not at first use. */
export function loadBuildConfig(env: Record<string, string | undefined> = process.env, base: BuildConfig = PRODUCTION_BUILD_CONFIG): BuildConfig {
  const out = { ...base };
  for (const key of Object.keys(ENV_NAMES) as Array<keyof BuildConfig>) {
    const value = env[ENV_NAMES[key]]?.trim();
    if (!value) continue;
    if (key !== 'smokeballClientId' && !/^https?:\/\/[^\s]+$/.test(value))
      throw new Error(`${ENV_NAMES[key]} must be an http(s) address, got "${value.slice(0, 100)}"`);
    out[key] = value.replace(/\/$/, '');
  }
  return out;
}

/**
 * The connections the app uses: a field staff (or support) changed in Settings wins; a field still at the settings
 * default takes the build's value. The relay address is not defaulted: real time is on only once the relay is paired.
 */
export function effectiveConnections(stored: Connections, build: BuildConfig): Connections {
  const d = DEFAULT_SETTINGS.connections;
  const pick = (value: string, fallback: string, buildValue: string) => (value === fallback ? buildValue : value);
  return {
    ...stored,
    smokeballApiUrl: pick(stored.smokeballApiUrl, d.smokeballApiUrl, build.smokeballApiUrl),
    smokeballAuthUrl: pick(stored.smokeballAuthUrl, d.smokeballAuthUrl, build.smokeballAuthUrl),
    smokeballClientId: pick(stored.smokeballClientId, d.smokeballClientId, build.smokeballClientId),
    caseStatusApiUrl: pick(stored.caseStatusApiUrl, d.caseStatusApiUrl, build.caseStatusApiUrl),
  };
}

/** The version in package.json (the tray app asks Electron, which reads the same field). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
