import { Agent, type AgentConnectOpts } from 'agent-base';
import type http from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import net from 'node:net';
import tls from 'node:tls';
import { parsePacResult, type ProxyResolver } from './proxy-choice.js';

/** Where requests go and what they trust; read for every new connection, so a settings change applies at once. */
export interface NetworkRoute {
  resolveProxy: ProxyResolver;
  /** Basic proxy credentials (the password lives in the keychain); null when the proxy needs none. */
  proxyCredentials(): Promise<{ username: string; password: string } | null>;
  /** Node's roots + the system store + NODE_EXTRA_CA_CERTS + the firm's PEM (`trustedCertificates`). */
  certificates(): string[];
}

/** TLS verification codes that mean "this chain does not lead to a root we trust". */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);

export type NetworkProblemKind = 'proxy_unreachable' | 'proxy_auth' | 'proxy_refused' | 'certificate_untrusted';

/** Error codes this module gives its errors (and puts on TLS errors it explains); `networkProblemOf` reads them. */
export const NETWORK_PROBLEM_CODES: Record<NetworkProblemKind, string> = {
  proxy_unreachable: 'EPROXYUNREACHABLE',
  proxy_auth: 'EPROXYAUTH',
  proxy_refused: 'EPROXYREFUSED',
  certificate_untrusted: 'ECERTUNTRUSTED',
};

export class ProxyError extends Error {
  constructor(
    readonly kind: Exclude<NetworkProblemKind, 'certificate_untrusted'>,
    message: string,
    readonly code = NETWORK_PROBLEM_CODES[kind],
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

/**
 * An http(s) Agent that picks the route per request: straight to the host, or through the proxy the resolver names
 * (CONNECT tunnel for http and https targets alike, via https-proxy-agent, so keep-alive sockets stay valid for
 * any later request to the same host). Proxy refusals and untrusted certificates become errors that say what
 * happened in words IT recognises (the proxy's address, the host and the certificate's issuer) — never the
 * credentials.
 */
export class RouteAgent extends Agent {
  constructor(
    private readonly route: NetworkRoute,
    options: http.AgentOptions = {},
  ) {
    super(options);
  }

  async connect(req: http.ClientRequest, opts: AgentConnectOpts): Promise<net.Socket> {
    const target = `${opts.secureEndpoint ? 'https' : 'http'}://${opts.host ?? 'localhost'}:${opts.port}${req.path}`;
    const choice = parsePacResult(await this.route.resolveProxy(target));
    const ca = opts.secureEndpoint ? this.route.certificates() : undefined;
    if (choice.kind === 'direct') {
      const socket = opts.secureEndpoint ? tls.connect({ ...opts, ca, servername: serverName(opts.host) }) : net.connect(opts);
      if (socket instanceof tls.TLSSocket) explainUntrusted(socket, opts.host ?? '');
      return socket;
    }
    return this.viaProxy(req, opts, choice.url, ca);
  }

  private async viaProxy(req: http.ClientRequest, opts: AgentConnectOpts, proxy: URL, ca: string[] | undefined): Promise<net.Socket> {
    const where = proxy.host;
    const credentials = await this.route.proxyCredentials();
    const proxyUrl = new URL(proxy.href);
    if (credentials) {
      proxyUrl.username = encodeURIComponent(credentials.username);
      proxyUrl.password = encodeURIComponent(credentials.password);
    }
    // One tunnel agent per connection: the pooling happens in this agent, one level up.
    const tunnel = new HttpsProxyAgent(proxyUrl, { ca });
    let status = 200;
    const onConnectAnswer = (answer: { statusCode?: number }) => {
      status = answer.statusCode ?? 0;
    };
    req.once('proxyConnect', onConnectAnswer);
    let socket: net.Socket;
    try {
      socket = (await tunnel.connect(req, opts)) as net.Socket;
    } catch (error) {
      throw proxyFailure(error, where, credentials !== null);
    } finally {
      req.off('proxyConnect', onConnectAnswer);
    }
    if (status !== 200) {
      // https-proxy-agent hands back a fake socket replaying the proxy's answer; the request must not take the
      // proxy's 403 for Smokeball's, so it fails here instead.
      socket.destroy();
      if (status === 407) {
        throw new ProxyError(
          'proxy_auth',
          credentials
            ? `The proxy ${where} refused the proxy user name and password in Settings → Network (HTTP 407)`
            : `The proxy ${where} asks for a user name and password (HTTP 407); enter them in Settings → Network`,
        );
      }
      throw new ProxyError('proxy_refused', `The proxy ${where} refused the connection to ${opts.host}:${opts.port} (HTTP ${status})`);
    }
    if (socket instanceof tls.TLSSocket) explainUntrusted(socket, opts.host ?? '');
    return socket;
  }
}

function proxyFailure(error: unknown, where: string, hadCredentials: boolean): Error {
  const code = (error as { code?: string } | null)?.code ?? '';
  if (/^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE)$/.test(code)) {
    return new ProxyError('proxy_unreachable', `The proxy ${where} cannot be reached (${code})`);
  }
  if (/status 407/.test(String((error as Error)?.message))) {
    return new ProxyError(
      'proxy_auth',
      `The proxy ${where} refused the proxy ${hadCredentials ? 'user name and password' : 'connection without credentials'} (HTTP 407)`,
    );
  }
  return new ProxyError('proxy_unreachable', `The proxy ${where} failed: ${(error as Error)?.message ?? String(error)}`);
}

/** SNI must be a host name, never an IP address (RFC 6066). */
function serverName(host: string | null | undefined): string | undefined {
  return host && !net.isIP(host) ? host : undefined;
}

/**
 * Rewrites a chain-verification error into "the certificate of HOST is not trusted (issued by …)". The issuer is
 * read in a 'secure' listener placed before Node's own check, which destroys the socket (after that the peer
 * certificate is gone). The handshake still fails exactly as before: only the message changes.
 */
export function explainUntrusted(socket: tls.TLSSocket, host: string): void {
  let issuer = '';
  socket.prependListener('secure', () => {
    issuer = issuerOf(socket.getPeerCertificate(true));
  });
  socket.prependListener('error', (error: Error & { code?: string; tlsCode?: string; host?: string; issuer?: string }) => {
    if (!error.code || !UNTRUSTED_CODES.has(error.code)) return;
    error.tlsCode = error.code;
    error.code = NETWORK_PROBLEM_CODES.certificate_untrusted;
    error.host = host;
    error.issuer = issuer;
    error.message = `The certificate of ${host} is not trusted (issued by ${issuer || 'an unknown issuer'}; ${error.tlsCode}). If the firm inspects TLS traffic, add its root certificate in Settings → Network`;
  });
}

function issuerOf(cert: tls.DetailedPeerCertificate | undefined): string {
  if (!cert || !cert.issuer) return '';
  // The top of the chain the server sent names the root it claims; the leaf's issuer is the fallback.
  let top = cert;
  for (let i = 0; i < 10 && top.issuerCertificate && top.issuerCertificate !== top; i++) top = top.issuerCertificate;
  const name = top.issuer;
  return [name.CN, name.O].filter(Boolean).join(', ');
}
