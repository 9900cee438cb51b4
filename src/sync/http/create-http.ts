import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import { networkAgent } from './network.js';

/**
 * An axios instance for one remote API: JSON, a request timeout, and the process's network route (system or
 * environment proxy, trusted roots; `network.ts`) with keep-alive sockets (the pacing gate keeps at most `burst`
 * calls in flight, so a small pool is reused instead of a TCP+TLS handshake per call). `proxy: false` turns off
 * axios's own environment proxy handling, which would bypass the route.
 */
export function createApiHttp(
  options: { baseURL: string; headers: Record<string, string>; timeoutMs?: number } & Pick<CreateAxiosDefaults, 'paramsSerializer' | 'transformResponse'>,
): AxiosInstance {
  const { timeoutMs, headers, ...rest } = options;
  const agent = networkAgent();
  return axios.create({
    ...rest,
    timeout: timeoutMs ?? 30_000,
    headers: { accept: 'application/json', ...headers },
    proxy: false,
    httpAgent: agent,
    httpsAgent: agent,
  });
}
