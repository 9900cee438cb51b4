import axios, { isAxiosError, type AxiosInstance } from 'axios';
import { createApiHttp } from '../http/create-http.js';
import { connectionFailureText } from '../http/network.js';
import { parseJsonKeepingBigInts } from '../http/json.js';
import { relayBaseUrl } from '../http/relay-target.js';
import { parseRetryAfter } from '../http/api-error.js';
import type { RelayEventsPage, RelayFirm } from './types.js';

export type RelayErrorKind = 'unauthorized' | 'unreachable' | 'server' | 'bad_response' | 'aborted' | 'throttled';

/** A failed relay call, safe to log and show: it never carries the token or the request headers. */
export class RelayError extends Error {
  constructor(
    readonly kind: RelayErrorKind,
    message: string,
    readonly status?: number,
    /** For `throttled`: how long the relay asked us to wait (its Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

/** The firm's token is 401'd: polling again cannot help until someone sets a new one. */
export const isTokenRejected = (e: unknown): boolean => e instanceof RelayError && e.kind === 'unauthorized';

/**
 * The relay answered and asks this firm to read more slowly (429: over its read budget, or too many reads at
 * once): how long to wait, or undefined for any other failure. The relay is reachable and keeps the events.
 */
export const relayThrottleMs = (e: unknown): number | undefined =>
  e instanceof RelayError && e.kind === 'throttled' ? (e.retryAfterMs ?? DEFAULT_THROTTLE_MS) : undefined;

const DEFAULT_THROTTLE_MS = 1_000;

const MAX_WAIT_SECONDS = 30;

/**
 * The app's side of the relay HTTP API: long-poll GET /v1/events by cursor, and GET /v1/firm for the
 * webhook address. The relay token is sent as a bearer header and is never part of an error or a log line.
 */
export class RelayClient {
  private readonly http: AxiosInstance;

  constructor(options: { relayUrl: string; relayToken: string; timeoutMs?: number }) {
    // The process's network route (proxy, trusted roots), like every other remote API.
    this.http = createApiHttp({
      baseURL: relayBaseUrl(options),
      timeoutMs: options.timeoutMs ?? 15_000,
      headers: { authorization: `Bearer ${options.relayToken}` },
      // Webhook bodies may carry .NET ticks beyond 2^53: keep them exact.
      transformResponse: [(data: unknown) => (typeof data === 'string' ? parseJsonKeepingBigInts(data) : data)],
    });
  }

  /** Events after `cursor` (all retained ones when null), waiting up to `waitSeconds` for the first one. */
  async events(cursor: string | null, options: { waitSeconds?: number; limit?: number; signal?: AbortSignal } = {}): Promise<RelayEventsPage> {
    const wait = Math.max(0, Math.min(MAX_WAIT_SECONDS, Math.floor(options.waitSeconds ?? 25)));
    const data = await this.call('GET /v1/events', {
      url: '/v1/events',
      params: { ...(cursor !== null ? { after: cursor } : {}), wait, limit: options.limit ?? 100 },
      // A long poll legitimately takes `wait` seconds: allow that plus the usual margin.
      timeout: (wait + 15) * 1000,
      signal: options.signal,
    });
    const page = data as Partial<RelayEventsPage> | undefined;
    if (!page || !Array.isArray(page.events) || typeof page.nextCursor !== 'string') {
      throw new RelayError('bad_response', 'The relay answered GET /v1/events with an unexpected body');
    }
    return { events: page.events, nextCursor: page.nextCursor, hasMore: page.hasMore === true };
  }

  async firm(signal?: AbortSignal): Promise<RelayFirm> {
    const data = (await this.call('GET /v1/firm', { url: '/v1/firm', signal })) as Partial<RelayFirm> | undefined;
    const sb = data?.webhooks?.smokeball;
    if (!data || typeof data.firmId !== 'string' || typeof sb?.url !== 'string' || typeof sb.key !== 'string') {
      throw new RelayError('bad_response', 'The relay answered GET /v1/firm with an unexpected body');
    }
    return data as RelayFirm;
  }

  private async call(what: string, config: { url: string; params?: Record<string, unknown>; timeout?: number; signal?: AbortSignal }): Promise<unknown> {
    let res;
    try {
      // Statuses are mapped to RelayError below, so axios errors (which carry the headers) never escape.
      const get = () => this.http.request({ method: 'GET', ...config, validateStatus: () => true });
      res = await get().catch((error: unknown) => {
        // The keep-alive race: the relay closed the pooled socket (idle past its keepAliveTimeout, or this
        // process stalled) as this GET was written on it. Every call here is an idempotent GET, so it is sent
        // once more, on a fresh socket, rather than reporting the relay unreachable and backing off.
        if (isResetSocket(error) && !config.signal?.aborted) return get();
        throw error;
      });
    } catch (error) {
      if (axios.isCancel(error) || (isAxiosError(error) && error.code === 'ERR_CANCELED')) throw new RelayError('aborted', `${what} was cancelled`);
      const code = isAxiosError(error) ? connectionFailureText(error) : 'network error';
      throw new RelayError('unreachable', `The relay is unreachable (${what}: ${code})`);
    }
    if (res.status === 401 || res.status === 403) throw new RelayError('unauthorized', 'relay token rejected', res.status);
    if (res.status >= 500) throw new RelayError('server', `The relay failed (${what}: HTTP ${res.status})`, res.status);
    if (res.status !== 200) {
      const body = res.data as { error?: unknown; message?: unknown } | undefined;
      const detail = typeof body?.message === 'string' ? ` — ${body.message.slice(0, 200)}` : '';
      if (res.status === 429) {
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        throw new RelayError('throttled', `The relay asks to read more slowly (${what}: HTTP 429${detail})`, 429, retryAfterMs);
      }
      throw new RelayError('bad_response', `The relay refused ${what}: HTTP ${res.status}${detail}`, res.status);
    }
    return res.data;
  }
}

/** A connection reset or broken pipe before any response: what a reused socket the server closed gives. */
function isResetSocket(error: unknown): boolean {
  return isAxiosError(error) && error.response === undefined && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
}
