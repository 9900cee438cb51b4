import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import http from 'node:http';
import https from 'node:https';

/**
 * An axios instance for one remote API: JSON, a request timeout, and keep-alive sockets (the pacing gate
 * keeps at most `burst` calls in flight, so a small pool is reused instead of a TCP+TLS handshake per call).
 */
export function createApiHttp(options: { baseURL: string; headers: Record<string, string>; timeoutMs?: number } & Pick<CreateAxiosDefaults, 'paramsSerializer' | 'transformResponse'>): AxiosInstance {
  const { timeoutMs, headers, ...rest } = options;
  return axios.create({
    ...rest,
    timeout: timeoutMs ?? 30_000,
    headers: { accept: 'application/json', ...headers },
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  });
}
