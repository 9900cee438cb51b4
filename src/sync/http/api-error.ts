import { isAxiosError } from 'axios';
import type { FailureClass } from '../pacing/gate.js';
import { NETWORK_PROBLEM_CODES } from './route-agent.js';

/**
 * A failed call to a remote API, reduced to what is safe to log and show: method, path (no query string,
 * which may carry cursors but never secrets in our APIs), status and the server's message. Axios errors
 * carry the request config including Authorization headers, so they never leave the HTTP layer.
 */
export class ApiError extends Error {
  constructor(
    readonly api: string,
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(`${api} ${method} ${path} failed: ${status ? `HTTP ${status}` : (code ?? 'network error')}${detail ? ` — ${detail}` : ''}`);
    this.name = 'ApiError';
  }

  get isThrottled(): boolean {
    return this.status === 429;
  }
}

export function toApiError(api: string, error: unknown): ApiError | unknown {
  if (!isAxiosError(error)) return error;
  const method = (error.config?.method ?? 'get').toUpperCase();
  const url = error.config?.url ?? '';
  const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '';
  const status = error.response?.status;
  const data = error.response?.data as unknown;
  let detail = '';
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    const nested = d.error && typeof d.error === 'object' ? (d.error as Record<string, unknown>).message : d.error;
    detail = String(d.message ?? d.title ?? d.detail ?? nested ?? '').slice(0, 300);
  } else if (typeof data === 'string') {
    detail = data.slice(0, 200);
  } else if (!error.response && error.code && Object.values(NETWORK_PROBLEM_CODES).includes(error.code)) {
    detail = error.message; // the proxy or certificate explanation from route-agent.ts
  }
  const retryAfter = parseRetryAfter(error.response?.headers?.['retry-after']);
  return new ApiError(api, method, path, status, error.code, detail, retryAfter);
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function classifyApiError(error: unknown): FailureClass {
  if (error instanceof ApiError) {
    if (error.status === 429) return { kind: 'throttled', retryAfterMs: error.retryAfterMs };
    if (error.status !== undefined) return error.status >= 500 ? { kind: 'transient' } : { kind: 'fatal' };
    // An untrusted certificate or refused proxy credentials stay so until a person changes a setting.
    if (error.code === NETWORK_PROBLEM_CODES.certificate_untrusted || error.code === NETWORK_PROBLEM_CODES.proxy_auth) return { kind: 'fatal' };
    return { kind: 'transient' }; // reset, timeout, refused: no answer, so the outcome is unknown
  }
  return { kind: 'fatal' };
}
