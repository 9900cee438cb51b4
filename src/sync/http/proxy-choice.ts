import { getProxyForUrl } from 'proxy-from-env';

/**
 * Which way one request goes. A resolver answers in the PAC format that Chromium's `session.resolveProxy` uses
 * ("DIRECT", "PROXY host:port; DIRECT", "HTTPS host:port"), so the Electron host and plain Node share one parser.
 */
export type ProxyResolver = (url: string) => Promise<string>;

export type ProxyChoice = { kind: 'direct' } | { kind: 'proxy'; url: URL };

export class UnsupportedProxyError extends Error {
  readonly code = 'EPROXYUNSUPPORTED';
  constructor(pac: string) {
    super(`The system proxy settings name only proxies this app cannot use (${pac.slice(0, 200)}); ask IT for an HTTP proxy`);
    this.name = 'UnsupportedProxyError';
  }
}

/**
 * The first usable entry of a PAC answer. SOCKS entries are skipped (no SOCKS support: law-firm proxies are HTTP
 * proxies); an answer with nothing usable is an error rather than a silent direct connection the firewall drops.
 */
export function parsePacResult(pac: string): ProxyChoice {
  const entries = pac
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return { kind: 'direct' };
  for (const entry of entries) {
    const [type = '', hostPort = ''] = entry.split(/\s+/, 2);
    const t = type.toUpperCase();
    if (t === 'DIRECT') return { kind: 'direct' };
    if ((t === 'PROXY' || t === 'HTTP' || t === 'HTTPS') && hostPort) {
      return { kind: 'proxy', url: new URL(`${t === 'HTTPS' ? 'https' : 'http'}://${hostPort}`) };
    }
  }
  throw new UnsupportedProxyError(pac);
}

/**
 * `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (either case), for `serve` and the CLI. The environment is read per
 * request, as curl and Node's own tools do.
 */
export function envProxyResolver(): ProxyResolver {
  return (url) => {
    const proxy = getProxyForUrl(url);
    if (!proxy) return Promise.resolve('DIRECT');
    const u = new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
    return Promise.resolve(`${u.protocol === 'https:' ? 'HTTPS' : 'PROXY'} ${u.host}`);
  };
}
