import type http from 'node:http';
import { envProxyResolver } from './proxy-choice.js';
import { NETWORK_PROBLEM_CODES, RouteAgent, type NetworkProblemKind, type NetworkRoute } from './route-agent.js';
import { trustedCertificates } from './trusted-cas.js';

/**
 * The process's one network route, set by the host at start: every Smokeball, Case Status, relay, token, upload
 * and download request takes its agent from here. One process-wide setting rather than a parameter threaded through
 * every client, because the route is a property of the machine (its proxy, its trusted roots), not of a client; the
 * route's providers are read per connection, so a settings change needs no restart.
 *
 * Default (CLI, `serve`, tests): `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`, Node's roots plus the system store and
 * `NODE_EXTRA_CA_CERTS`, no proxy credentials.
 */
const DEFAULT_ROUTE: NetworkRoute = {
  resolveProxy: envProxyResolver(),
  proxyCredentials: () => Promise.resolve(null),
  certificates: () => trustedCertificates(undefined),
};

let route: NetworkRoute = DEFAULT_ROUTE;
let apiAgent: RouteAgent | undefined;

/** Sets the route (the Electron host: `session.resolveProxy`; both hosts: the CA setting and proxy credentials). */
export function configureNetwork(next: Partial<NetworkRoute>): void {
  route = { ...DEFAULT_ROUTE, ...next };
  // Clients keep the agent they were made with; its pooled sockets were opened on the old route, so they go.
  apiAgent?.destroy();
}

export function resetNetwork(): void {
  configureNetwork({});
}

/** Keep-alive agent for API calls (a small pool reused instead of a TCP+TLS handshake per call). */
export function networkAgent(): http.Agent {
  apiAgent ??= new RouteAgent(routeView, { keepAlive: true, maxSockets: 16 });
  return apiAgent;
}

/** A fresh connection per request: an upload must not queue behind API keep-alive sockets. */
export function oneShotAgent(): http.Agent {
  return new RouteAgent(routeView, { keepAlive: false });
}

/** Always the current route, so an agent made before `configureNetwork` follows it. */
const routeView: NetworkRoute = {
  resolveProxy: (url) => route.resolveProxy(url),
  proxyCredentials: () => route.proxyCredentials(),
  certificates: () => route.certificates(),
};

export interface NetworkProblem {
  kind: NetworkProblemKind;
  reason: string;
}

/** The proxy or certificate problem behind a failure (by its error code), or null for any other failure. */
export function networkProblemOf(failure: { code?: string; message?: string }): NetworkProblem | null {
  for (const [kind, code] of Object.entries(NETWORK_PROBLEM_CODES) as [NetworkProblemKind, string][]) {
    if (failure.code === code || (failure.message ?? '').includes(code)) return { kind, reason: failure.message ?? code };
  }
  return null;
}

/**
 * The words for a failure with no HTTP answer: this module's own explanation (proxy, certificate) when it is one,
 * else just the error code. Never the axios error itself, whose config carries the request's headers.
 */
export function connectionFailureText(error: { code?: string; message?: string }): string {
  const code = error.code ?? 'network error';
  return Object.values(NETWORK_PROBLEM_CODES).includes(code) ? `${code}: ${error.message ?? ''}` : code;
}

export { NETWORK_PROBLEM_CODES, ProxyError, type NetworkProblemKind, type NetworkRoute } from './route-agent.js';
