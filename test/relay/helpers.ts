/** Shared helpers for the relay tests: storages, signed deliveries, event reads. */
import { randomUUID } from 'node:crypto';
import { signEvent } from '../../src/shared/casestatus-signature.js';
import { msToTicks } from '../../src/sim/common/ticks.js';
import { signWebhook } from '../../src/shared/smokeball-signature.js';
import type { RelayEventsPage } from '../../src/relay/index.js';
import { tempDir } from '../helpers/tmp.js';
import { startPgCluster, type PgCluster } from './pg-harness.js';

export const CLIENT_ID = 'relay-test-client';
export type StorageKind = 'sqlite' | 'postgres';

/** Fresh, empty storage URLs for one test file; postgres starts one throwaway cluster lazily. */
export class Storages {
  private cluster: Promise<PgCluster> | undefined;
  private readonly dirs: Array<ReturnType<typeof tempDir>> = [];

  async fresh(kind: StorageKind): Promise<string> {
    if (kind === 'sqlite') {
      const dir = tempDir('relay-test-');
      this.dirs.push(dir);
      return `sqlite:${dir.dir}/relay.sqlite`;
    }
    this.cluster ??= startPgCluster();
    return (await this.cluster).createDatabase();
  }

  async cleanup(): Promise<void> {
    for (const d of this.dirs.splice(0)) d.cleanup();
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster) await (await cluster).stop();
  }
}

export interface SmokeballDelivery {
  requestId?: string;
  body?: Record<string, unknown>;
  /** Raw body text; overrides `body`. */
  rawBody?: string;
  /** Unix ms the Timestamp header says; default now. */
  sentAtMs?: number;
  key: string;
  clientId?: string;
  /** Replace or drop (null) headers after signing. */
  headers?: Record<string, string | null | undefined>;
}

export function smokeballBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountId: 'acc-1',
    subscriptionId: 'sub-1',
    type: 'matterstage.updated',
    source: 'Smokeball',
    payload: { id: randomUUID() },
    timestamp: 1,
    ...overrides,
  };
}

/** POSTs a Smokeball webhook signed exactly as the simulator signs it. */
export async function postSmokeball(relayUrl: string, firmId: string, d: SmokeballDelivery): Promise<Response> {
  const requestId = d.requestId ?? randomUUID();
  const timestamp = msToTicks(d.sentAtMs ?? Date.now()).toString();
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    Timestamp: timestamp,
    RequestId: requestId,
    Signature: signWebhook(d.key, timestamp, requestId, d.clientId ?? CLIENT_ID),
  };
  for (const [name, value] of Object.entries(d.headers ?? {})) {
    if (value === null) delete headers[name];
    else if (value !== undefined) headers[name] = value;
  }
  return fetch(`${relayUrl}/hooks/smokeball/${firmId}`, {
    method: 'POST',
    headers,
    body: d.rawBody ?? JSON.stringify(d.body ?? smokeballBody()),
  });
}

export interface CaseStatusDelivery {
  secret: string;
  envelope?: Record<string, unknown>;
  rawBody?: string;
  sentAtMs?: number;
  headers?: Record<string, string | null | undefined>;
}

export function caseStatusEnvelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    type: 'message.created',
    firmId: 'cs-firm-1',
    createdAt: new Date().toISOString(),
    data: { body: 'hello' },
    ...overrides,
  };
}

/** POSTs a Case Status event signed with the simulator's signEvent. */
export async function postCaseStatus(relayUrl: string, firmId: string, d: CaseStatusDelivery): Promise<Response> {
  const raw = d.rawBody ?? JSON.stringify(d.envelope ?? caseStatusEnvelope());
  const ts = Math.floor((d.sentAtMs ?? Date.now()) / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-casestatus-timestamp': String(ts),
    'x-casestatus-signature': signEvent(d.secret, ts, raw),
  };
  for (const [name, value] of Object.entries(d.headers ?? {})) {
    if (value === null) delete headers[name];
    else if (value !== undefined) headers[name] = value;
  }
  return fetch(`${relayUrl}/hooks/casestatus/${firmId}`, { method: 'POST', headers, body: raw });
}

export async function getEvents(
  relayUrl: string,
  token: string | undefined,
  query: Record<string, string | number> = {},
): Promise<{ status: number; page: RelayEventsPage; text: string }> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const res = await fetch(`${relayUrl}/v1/events${qs ? `?${qs}` : ''}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  return { status: res.status, page: JSON.parse(text) as RelayEventsPage, text };
}

/** Every event of the firm, by cursor paging. */
export async function readAll(relayUrl: string, token: string, limit = 500): Promise<RelayEventsPage['events']> {
  const all: RelayEventsPage['events'] = [];
  let after = '0';
  for (;;) {
    const { status, page } = await getEvents(relayUrl, token, { after, limit });
    if (status !== 200) throw new Error(`GET /v1/events → ${status}`);
    all.push(...page.events);
    after = page.nextCursor;
    if (!page.hasMore) return all;
  }
}
