/**
 * Offset/limit paging with Smokeball's envelope:
 *   {href, offset, limit, size (total), first, previous?, next?, last, value}
 * Links are `{href, rel: "collection"}` with absolute hrefs that keep the request's other parameters and
 * set offset/limit. `next` is absent on the last page, `previous` on the first.
 */
import { badRequest } from './problem.js';
import type { Query } from './query.js';

export const MAX_LIMIT = 500;

export interface Paging {
  offset: number;
  limit: number;
}

export interface CollectionLink {
  href: string;
  rel: 'collection';
}

export interface PagedEnvelope<W> {
  href: string;
  offset: number;
  limit: number;
  size: number;
  first: CollectionLink;
  previous?: CollectionLink;
  next?: CollectionLink;
  last: CollectionLink;
  value: W[];
}

const INT32_MAX = 2_147_483_647;

/** Offset ≥ 0 (default 0), Limit 1..500 (default 500); anything else is a 400 ProblemDetails. */
export function parsePaging(q: Query): Paging {
  const rawOffset = q.get('Offset');
  const rawLimit = q.get('Limit');
  const offset = rawOffset === undefined ? 0 : Number(rawOffset);
  const limit = rawLimit === undefined ? MAX_LIMIT : Number(rawLimit);
  if (!/^\d+$/.test(rawOffset ?? '0') || !Number.isSafeInteger(offset) || offset > INT32_MAX) {
    throw badRequest('Offset', `The field Offset must be between 0 and ${INT32_MAX}.`);
  }
  if (!/^-?\d+$/.test(rawLimit ?? '1') || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw badRequest('Limit', `The field Limit must be between 1 and ${MAX_LIMIT}.`);
  }
  return { offset, limit };
}

export interface PageContext {
  /** e.g. http://127.0.0.1:1234 */
  baseUrl: string;
  /** The request path, e.g. /matters */
  path: string;
  query: Query;
}

function link(ctx: PageContext, offset: number, limit: number): CollectionLink {
  const params = new URLSearchParams();
  for (const [k, v] of ctx.query.pairs) {
    const key = k.toLowerCase();
    if (key !== 'offset' && key !== 'limit') params.append(k, v);
  }
  params.append('offset', String(offset));
  params.append('limit', String(limit));
  return { href: `${ctx.baseUrl}${ctx.path}?${params.toString()}`, rel: 'collection' };
}

/** Builds the envelope for one page of `items`, mapping only that page to wire shapes. */
export function pageOf<T, W>(items: readonly T[], paging: Paging, ctx: PageContext, toWire: (item: T) => W): PagedEnvelope<W> {
  const { offset, limit } = paging;
  const size = items.length;
  const value: W[] = [];
  const end = Math.min(size, offset + limit);
  for (let i = offset; i < end; i++) value.push(toWire(items[i] as T));
  const lastOffset = size === 0 ? 0 : Math.floor((size - 1) / limit) * limit;
  const qs = ctx.query.pairs.length > 0 ? `?${new URLSearchParams(ctx.query.pairs).toString()}` : '';
  return {
    href: `${ctx.baseUrl}${ctx.path}${qs}`,
    offset,
    limit,
    size,
    first: link(ctx, 0, limit),
    ...(offset > 0 ? { previous: link(ctx, Math.max(0, Math.min(offset - limit, lastOffset)), limit) } : {}),
    ...(offset + limit < size ? { next: link(ctx, offset + limit, limit) } : {}),
    last: link(ctx, lastOffset, limit),
    value,
  };
}
