import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice('::ffff:'.length));
  return false;
}

/** 0.0.0.0 and :: mean "every interface": never a name a browser should send as Host. */
export const isUnspecifiedHost = (host: string): boolean => ['0.0.0.0', '::', '[::]'].includes(host.trim());

/** A --host the headless host refuses to bind without --allow-lan. */
export class LanBindRefused extends Error {
  constructor(host: string) {
    super(
      `--host ${host} would let other machines reach the window, over plain HTTP. ` +
        'Use 127.0.0.1 and an SSH tunnel, or add --allow-lan if the network is trusted.',
    );
    this.name = 'LanBindRefused';
  }
}

export interface BindPlan {
  host: string;
  /** Extra Host header names to accept: this machine's addresses and name, when bound beyond loopback. */
  allowedHostnames: string[];
  /** Printed when binding beyond loopback. */
  warning: string | null;
}

/**
 * Where the headless host may listen. Loopback needs nothing; anything else needs `allowLan`, and then the
 * operator is told the traffic (the access token included) is plain HTTP.
 */
export function planBind(host: string, allowLan: boolean): BindPlan {
  if (isLoopbackHost(host)) return { host, allowedHostnames: [], warning: null };
  if (!allowLan) throw new LanBindRefused(host);
  const names = isUnspecifiedHost(host) ? machineAddresses() : [];
  return {
    host,
    allowedHostnames: names,
    warning:
      `WARNING: listening on ${host}, reachable from the network over plain HTTP. Anyone who can see the traffic ` +
      "can read the window, its access token and the firm's data. Use this only on a trusted network, or put TLS in front.",
  };
}

/** This machine's non-internal addresses (as a Host header writes them) and its name. */
function machineAddresses(): string[] {
  const out = new Set<string>([hostname().toLowerCase()]);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      out.add(a.family === 'IPv6' ? `[${a.address.toLowerCase()}]` : a.address);
    }
  }
  return [...out];
}
