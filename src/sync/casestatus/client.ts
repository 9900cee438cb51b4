import type { AxiosInstance, Method } from 'axios';
import type { Readable } from 'node:stream';
import { createApiHttp } from '../http/create-http.js';
import type { PacingGate } from '../pacing/gate.js';
import { toApiError } from '../http/api-error.js';
import type { CsBatchItem, CsCaseInput, CsCaseResult, CsClientInput, CsClientResult, CsDocument, CsMessage, CsPage, CsPracticeArea } from './types.js';

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

  /** One case as Case Status has it (404 → ApiError with status 404). */
  getCase(externalId: string): Promise<CsCaseResult & { url: string }> {
    return this.call<CsCaseResult & { url: string }>('GET', `/v1/cases/${encodeURIComponent(externalId)}`);
  }

  /** The case's page for firm staff (the link written into Smokeball memos). */
  caseUrl(externalId: string): Promise<string> {
    return this.getCase(externalId).then((c) => c.url);
  }

  /**
   * A document's bytes as a stream (files can be hundreds of MB: never buffered). The gate slot is held only
   * until the headers arrive; the caller must consume or destroy the stream, and check length and SHA-256
   * against the metadata (a connection can drop mid-file).
   */
  documentContent(id: string): Promise<{ stream: Readable; sizeBytes: number | null; sha256: string | null }> {
    return this.options.gate.run(
      async () => {
        try {
          const res = await this.http.request<Readable>({
            method: 'GET',
            url: `/v1/documents/${encodeURIComponent(id)}/content`,
            responseType: 'stream',
            headers: { accept: '*/*' },
          });
          const length = Number(res.headers['content-length']);
          const sha = res.headers['x-content-sha256'];
          return { stream: res.data, sizeBytes: Number.isFinite(length) ? length : null, sha256: typeof sha === 'string' ? sha : null };
        } catch (error) {
          // An error answer's body is a stream too: release its socket.
          const body = (error as { response?: { data?: unknown } }).response?.data as { destroy?: () => void } | undefined;
          if (body && typeof body.destroy === 'function') body.destroy();
          throw toApiError('Case Status', error);
        }
      },
      { idempotent: true },
    );
  }
}
