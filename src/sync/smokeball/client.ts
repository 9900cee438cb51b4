import type { AxiosInstance, Method } from 'axios';
import { createApiHttp } from '../http/create-http.js';
import { randomUUID } from 'node:crypto';
import type { PacingGate } from '../pacing/gate.js';
import { ApiError, toApiError } from '../http/api-error.js';
import { parseJsonKeepingBigInts } from '../http/json.js';
import type { TokenManager } from './oauth.js';
import type { SbPage } from './types.js';

export interface SmokeballClientOptions {
  apiUrl: string;
  apiKey: string;
  tokens: TokenManager;
  gate: PacingGate;
  timeoutMs?: number;
}

export interface RequestOptions {
  params?: Record<string, string | number | boolean | string[] | undefined>;
  data?: unknown;
  /** Safe to send again after an unknown outcome (GET, PUT). POSTs that create things are not. */
  idempotent?: boolean;
  priority?: number;
  /** Carried into the webhooks the write causes, so the app can ignore its own echoes. */
  requestId?: string;
}

export interface SmokeballResponse<T> {
  status: number;
  data: T;
  requestId: string | undefined;
}

/**
 * HTTP access to Smokeball: every call goes through the pacing gate, carries the API key and a fresh bearer
 * token, refreshes the token once on 401 and retries, and reports failures as ApiError (no secrets inside).
 */
export class SmokeballClient {
  private readonly http: AxiosInstance;

  constructor(private readonly options: SmokeballClientOptions) {
    this.http = createApiHttp({
      baseURL: options.apiUrl,
      timeoutMs: options.timeoutMs,
      headers: { 'x-api-key': options.apiKey },
      // Smokeball takes repeated parameters (Status=Open&Status=Pending), not Status[]=...
      paramsSerializer: { indexes: null },
      transformResponse: [(data: unknown) => (typeof data === 'string' ? parseJsonKeepingBigInts(data) : data)],
    });
  }

  get gate(): PacingGate {
    return this.options.gate;
  }

  async request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<SmokeballResponse<T>> {
    const idempotent = opts.idempotent ?? (method.toUpperCase() === 'GET' || method.toUpperCase() === 'PUT');
    let refreshed = false;
    for (;;) {
      const token = await this.options.tokens.accessToken();
      try {
        return await this.options.gate.run(
          async () => {
            try {
              const res = await this.http.request<T>({
                method,
                url: this.relative(path),
                params: opts.params,
                data: opts.data,
                headers: { authorization: `Bearer ${token}`, ...(opts.requestId ? { RequestId: opts.requestId } : {}) },
              });
              return { status: res.status, data: res.data, requestId: res.headers['requestid'] as string | undefined };
            } catch (error) {
              throw toApiError('Smokeball', error);
            }
          },
          { idempotent, priority: opts.priority },
        );
      } catch (error) {
        // 401: the token expired or was revoked early. Refresh once (shared with other callers) and try again.
        if (error instanceof ApiError && error.status === 401 && !refreshed) {
          refreshed = true;
          await this.options.tokens.refresh(token);
          continue;
        }
        throw error;
      }
    }
  }

  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, opts).then((r) => r.data);
  }

  /**
   * Fetches every page of a list endpoint. The first page tells the total (`size`); the remaining pages have
   * known offsets and are requested together, so the gate keeps `burst` of them in flight. `onPage` sees each
   * page as it arrives (not in order). Falls back to following `next` links when the size is missing.
   */
  async forEachPage<T>(
    path: string,
    params: RequestOptions['params'],
    onPage: (page: SbPage<T>, offset: number) => Promise<void> | void,
    /** `skip(offset, total)`: pages already applied by an earlier run; they are not fetched (page one always is, for the total). */
    opts: { limit?: number; priority?: number; skip?: (offset: number, total: number | undefined) => boolean } = {},
  ): Promise<{ total: number; pages: number }> {
    const limit = opts.limit ?? 500;
    const skip = opts.skip ?? (() => false);
    const first = await this.get<SbPage<T>>(path, { params: { ...params, Offset: 0, Limit: limit }, priority: opts.priority });
    let pages = 1;
    if (!skip(0, first.size)) await onPage(first, 0);
    if (typeof first.size === 'number') {
      const offsets: number[] = [];
      for (let offset = limit; offset < first.size; offset += limit) if (!skip(offset, first.size)) offsets.push(offset);
      await Promise.all(
        offsets.map(async (offset) => {
          const page = await this.get<SbPage<T>>(path, { params: { ...params, Offset: offset, Limit: limit }, priority: opts.priority });
          pages += 1;
          await onPage(page, offset);
        }),
      );
      return { total: first.size, pages };
    }
    let page = first;
    let offset = 0;
    let total = first.value.length;
    while (page.next?.href) {
      offset += page.value.length;
      page = await this.get<SbPage<T>>(page.next.href, { priority: opts.priority });
      pages += 1;
      total += page.value.length;
      await onPage(page, offset);
    }
    return { total, pages };
  }

  newRequestId(): string {
    return randomUUID();
  }

  /** Links may be absolute (newer docs) or relative (older docs); requests always go to our configured host. */
  private relative(pathOrHref: string): string {
    if (/^https?:\/\//i.test(pathOrHref)) {
      const url = new URL(pathOrHref);
      const base = new URL(this.options.apiUrl);
      const basePath = base.pathname.replace(/\/$/, '');
      const p = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname;
      return `${p}${url.search}`;
    }
    return pathOrHref;
  }
}
