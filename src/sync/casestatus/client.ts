import type { AxiosInstance, Method } from 'axios';
import { createApiHttp } from '../http/create-http.js';
import type { PacingGate } from '../pacing/gate.js';
import { toApiError } from '../http/api-error.js';
import type {
  CsBatchItem,
  CsCaseInput,
  CsCaseResult,
  CsClientInput,
  CsClientResult,
  CsDocument,
  CsMessage,
  CsPage,
  CsPracticeArea,
} from './types.js';

export const CASE_STATUS_BATCH_LIMIT = 100;

export interface CaseStatusClientOptions {
  apiUrl: string;
  apiKey: string;
  gate: PacingGate;
  timeoutMs?: number;
}

/** The Case Status partner API behind its own pacing gate. Upserts are by external id, so they are idempotent. */
export class CaseStatusClient {
  private readonly http: AxiosInstance;

  constructor(private readonly options: CaseStatusClientOptions) {
    this.http = createApiHttp({ baseURL: options.apiUrl, timeoutMs: options.timeoutMs, headers: { authorization: `Bearer ${options.apiKey}` } });
  }

  get gate(): PacingGate {
    return this.options.gate;
  }

  private call<T>(method: Method, url: string, data?: unknown, params?: Record<string, unknown>, priority = 0): Promise<T> {
    return this.options.gate.run(
      async () => {
        try {
          return (await this.http.request<T>({ method, url, data, params })).data;
        } catch (error) {
          throw toApiError('Case Status', error);
        }
      },
      { idempotent: true, priority },
    );
  }

  practiceAreas(): Promise<CsPracticeArea[]> {
    return this.call<{ data: CsPracticeArea[] }>('GET', '/v1/practice-areas').then((r) => r.data);
  }

  /** Upserts up to 100 clients in one request; the answer has one item per input, in order. */
  upsertClients(clients: CsClientInput[], priority = 0): Promise<CsBatchItem<CsClientResult>[]> {
    if (clients.length > CASE_STATUS_BATCH_LIMIT) throw new RangeError(`at most ${CASE_STATUS_BATCH_LIMIT} clients per batch`);
    return this.call<{ results: CsBatchItem<CsClientResult>[] }>('POST', '/v1/clients/batch', { clients }, undefined, priority).then((r) => r.results);
  }

  upsertCases(cases: CsCaseInput[], priority = 0): Promise<CsBatchItem<CsCaseResult>[]> {
    if (cases.length > CASE_STATUS_BATCH_LIMIT) throw new RangeError(`at most ${CASE_STATUS_BATCH_LIMIT} cases per batch`);
    return this.call<{ results: CsBatchItem<CsCaseResult>[] }>('POST', '/v1/cases/batch', { cases }, undefined, priority).then((r) => r.results);
  }

  messages(after: string | undefined, limit = 200): Promise<CsPage<CsMessage>> {
    return this.call<CsPage<CsMessage>>('GET', '/v1/messages', undefined, { after, limit });
  }

  documents(after: string | undefined, limit = 200): Promise<CsPage<CsDocument>> {
    return this.call<CsPage<CsDocument>>('GET', '/v1/documents', undefined, { after, limit });
  }
}
