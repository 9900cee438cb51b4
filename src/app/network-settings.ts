import { SECRET_KEYS, configureNetwork, envProxyResolver, type ProxyResolver, trustedCertificates, type SecretStore } from '../sync/index.js';
import type { SettingsStore } from './ports.js';

/**
 * Points the process's network route at the app's settings, for both hosts: the proxy from `resolveProxy` (the tray
 * app passes Electron's `session.resolveProxy`, which follows the system settings, PAC and WPAD; `serve` keeps the
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY environment), the proxy user name from the settings with its password from the
 * keychain, and the firm's root certificates from Settings → Network. Each is read per new connection, so a saved
 * change applies to the next request without a restart.
 */
export function applyNetworkSettings(deps: { settings: SettingsStore; secrets: SecretStore; resolveProxy?: ProxyResolver; env?: NodeJS.ProcessEnv }): void {
  configureNetwork({
    resolveProxy: deps.resolveProxy ?? envProxyResolver(),
    proxyCredentials: async () => {
      const username = deps.settings.get().network.proxyUsername;
      if (!username) return null;
      return { username, password: (await deps.secrets.get(SECRET_KEYS.proxyPassword)) ?? '' };
    },
    certificates: () => trustedCertificates(deps.settings.get().network.extraCaPem, deps.env),
  });
}
