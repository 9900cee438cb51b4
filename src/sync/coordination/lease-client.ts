import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { createApiHttp } from '../http/create-http.js';
import { connectionFailureText } from '../http/network.js';
import { relayBaseUrl } from '../http/relay-target.js';
import type { AcquireAnswer, InstallIdentity, LedgerEntry, LedgerPage, LeaseHolder, RenewAnswer } from '../../shared/lease/wire.js';

export type { AcquireAnswer, InstallIdentity, LedgerEntry, LeaseHolder, RenewAnswer };

/** A refused or failed lease call; `code` is the relay's error code, or 'unreachable'. Never carries the token. */
export class LeaseCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LeaseCallError';
  }
}

export interface HeldLease {
  epoch: number;
  leaseKey: string;
}

/**
 * The app's side of the relay's lease and ledger routes. Every call gets a fresh request id and this
 * computer's clock, which the relay checks (replays and clocks far off are refused).
 */
export class LeaseClient {
  private readonly base: string;
  /** Through the process's network route (the firm's proxy and trusted roots), like every other request. */
  private readonly http: AxiosInstance;

  constructor(private readonly options: { relayUrl: string; relayToken: string; timeoutMs?: number; now?: () => number }) {
    this.base = relayBaseUrl(options);
    this.http = createApiHttp({ baseURL: this.base, headers: { authorization: `Bearer ${options.relayToken}` }, timeoutMs: options.timeoutMs ?? 10_000 });
  }

  acquire(me: InstallIdentity, wantsHost = false): Promise<AcquireAnswer> {
    return this.post('/v1/lease/acquire', { ...me, wantsHost });
  }

  renew(installId: string, held: HeldLease, status?: unknown): Promise<RenewAnswer> {
    return this.post('/v1/lease/renew', { installId, ...held, ...(status !== undefined ? { status } : {}) });
  }

  release(installId: string, held: HeldLease): Promise<{ released: true }> {
    return this.post('/v1/lease/release', { installId, ...held });
  }

  requestSync(installId: string): Promise<{ requested: true; holder: LeaseHolder }> {
    return this.post('/v1/lease/sync-request', { installId });
  }

  appendLedger(installId: string, held: HeldLease, entries: Array<{ key: string; value: string | null }>): Promise<{ appended: number; lastSeq: number }> {
    return this.post('/v1/ledger', { installId, ...held, entries });
  }

  async readLedger(after: number): Promise<LedgerPage> {
    return this.call('GET', `/v1/ledger?after=${after}`);
  }

  private post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    return this.call('POST', path, { ...body, requestId: randomUUID(), clientTime: (this.options.now ?? Date.now)() });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<T> {
    let res: { status: number; data: string };
    try {
      res = await this.http.request<string>({
        method,
        url: path,
        data: body,
        responseType: 'text',
        transformResponse: (d: string) => d,
        validateStatus: () => true,
      });
    } catch (err) {
      throw new LeaseCallError('unreachable', `The relay could not be reached (${connectionFailureText(err as { code?: string; message?: string })})`);
    }
    const ok = res.status >= 200 && res.status < 300;
    const text = res.data;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new LeaseCallError('bad_response', `The relay answered ${method} ${path.split('?')[0]} with ${res.status} and no JSON`, res.status);
    }
    if (!ok) {
      const e = data as { error?: string; message?: string };
      throw new LeaseCallError(e.error ?? 'error', e.message ?? `The relay answered ${res.status}`, res.status);
    }
    return data as T;
  }
}
