import type { FastifyServerOptions } from 'fastify';
import type { Server } from 'node:net';

/**
 * How a simulator meets the network, for the proxy and private-CA tests: HTTPS with a test CA's certificate (as a
 * TLS-inspecting proxy presents one), and a per-connection filter (refusing every connection that does not come
 * from the test's proxy, so a request that bypassed the proxy fails instead of passing unnoticed).
 */
export interface SimNetworkOptions {
  /** Serve HTTPS with this key and certificate (PEM). Default: plain HTTP. */
  tls?: { key: string; cert: string };
  /** Called for each new TCP connection with its source address; false closes it before any byte is read. */
  acceptConnection?: (remoteAddress: string) => boolean;
}

/**
 * Fastify server options for `tls` (plain options unchanged when absent). Typed as the plain-HTTP options so the
 * simulators keep one Fastify type: their routes never touch what differs between an http and an https server.
 */
export function withTls(base: FastifyServerOptions, tls: SimNetworkOptions['tls']): FastifyServerOptions {
  return tls ? ({ ...base, https: { key: tls.key, cert: tls.cert } } as FastifyServerOptions) : base;
}

/** Installs the connection filter on the listening server. */
export function filterConnections(server: Server, accept: SimNetworkOptions['acceptConnection']): void {
  if (!accept) return;
  server.prependListener('connection', (socket) => {
    if (!accept(socket.remoteAddress ?? '')) socket.destroy();
  });
}
