import { ApiError } from '../http/api-error.js';
import type { SmokeballClient } from './client.js';
import type { SbContact, SbMatter, SbMatterStage, SbMatterType, SbPage, SbStaff } from './types.js';

/** Typed reads over Smokeball's endpoints, shared by the full sync, the incremental sync and the real-time path. */
export const CONTACTS_BATCH_LIMIT = 500;
export const PAGE_LIMIT = 500;

export async function listAll<T>(
  client: SmokeballClient,
  path: string,
  params: Record<string, string | string[] | number | undefined> = {},
  priority = 0,
): Promise<T[]> {
  const out: T[] = [];
  await client.forEachPage<T>(path, params, (page) => void out.push(...page.value), { priority });
  return out;
}

export const listStaff = (c: SmokeballClient) => listAll<SbStaff>(c, '/staff');
export const listMatterTypes = (c: SmokeballClient) => listAll<SbMatterType>(c, '/mattertypes');

/** Contacts by id, 500 per request (POST /contacts/batch is a read: safe to repeat). Unknown ids are absent. */
export async function contactsByIds(client: SmokeballClient, ids: string[], priority = 0): Promise<SbContact[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += CONTACTS_BATCH_LIMIT) chunks.push(ids.slice(i, i + CONTACTS_BATCH_LIMIT));
  const results = await Promise.all(
    chunks.map((chunk) =>
      client
        .request<SbContact[] | SbPage<SbContact>>('POST', '/contacts/batch', { data: { ids: chunk }, idempotent: true, priority })
        .then((r) => (Array.isArray(r.data) ? r.data : r.data.value)),
    ),
  );
  return results.flat();
}

async function orUndefinedOn404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export const getMatter = (c: SmokeballClient, id: string, priority = 0) =>
  orUndefinedOn404(c.get<SbMatter>(`/matters/${encodeURIComponent(id)}`, { priority }));
export const getMatterStage = (c: SmokeballClient, id: string, priority = 0) =>
  orUndefinedOn404(c.get<SbMatterStage>(`/matters/${encodeURIComponent(id)}/stages`, { priority }));
export const getContact = (c: SmokeballClient, id: string, priority = 0) =>
  orUndefinedOn404(c.get<SbContact>(`/contacts/${encodeURIComponent(id)}`, { priority }));

/** Keeps the newest MatterStage per matter (a matter has one current stage; be safe if the list repeats). */
export function indexStages(stages: Iterable<SbMatterStage>, into = new Map<string, SbMatterStage>()): Map<string, SbMatterStage> {
  for (const s of stages) {
    const matterId = s.matter?.id;
    if (!matterId) continue;
    const prev = into.get(matterId);
    if (!prev || BigInt(s.lastUpdated) >= BigInt(prev.lastUpdated)) into.set(matterId, s);
  }
  return into;
}
