/**
 * What the resource routes share: the stores, the write queue, and helpers for the API's conventions
 * (202 + Link for writes, ProblemDetails for bad input, ticks filters, paging context).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { msToTicks, parseTicks } from '../../common/ticks.js';
import type { ChangeContext, Domain } from '../domain.js';
import { callerOf, pathOf } from '../gateway.js';
import type { ResolvedOptions } from '../options.js';
import type { PageContext } from '../paging.js';
import { badRequest, validationProblem, type FieldError } from '../problem.js';
import type { Query } from '../query.js';
import type { FakeS3 } from '../s3.js';
import type { SimState } from '../state.js';
import type { WebhookDispatcher } from '../webhooks.js';
import type { WireMapper } from '../wire.js';
import type { WriteQueue } from '../write-queue.js';

export interface ApiContext {
  options: ResolvedOptions;
  state: SimState;
  wire: WireMapper;
  domain: Domain;
  writes: WriteQueue;
  webhooks: WebhookDispatcher;
  s3: FakeS3<ChangeContext>;
  baseUrl(): string;
}

export function pageContext(ctx: ApiContext, request: FastifyRequest, query: Query): PageContext {
  return { baseUrl: ctx.baseUrl(), path: pathOf(request), query };
}

/** The context API writes carry into their webhooks: source "API" and the caller's RequestId. */
export function apiChange(request: FastifyRequest): ChangeContext {
  const caller = callerOf(request);
  return { source: 'API', requestId: caller.requestId, userId: caller.userId };
}

/** Accepts a write: 202 with `{id, href}`, applied after the write delay. */
export function accept(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  link: { id: string; href: string },
  apply: (change: ChangeContext) => void,
): FastifyReply {
  const change = apiChange(request);
  ctx.writes.enqueue(() => apply(change), change);
  return reply.code(202).send(link);
}

/** Validates a JSON body with zod; failures become a 400 ProblemDetails listing every field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw badRequest('body', 'A non-empty JSON request body is required.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : 'body',
    message: issue.message,
  }));
  throw validationProblem(errors);
}

/**
 * `UpdatedSince` (ticks) or `LastUpdated` (ISO date-time), which may not be combined. Returns the ticks
 * value records must be strictly newer than.
 */
export function updatedAfter(q: Query, allowLastUpdated = true): bigint | undefined {
  const since = q.get('UpdatedSince');
  const last = allowLastUpdated ? q.get('LastUpdated') : undefined;
  if (since !== undefined && last !== undefined) {
    throw badRequest('UpdatedSince', 'UpdatedSince cannot be used in conjunction with LastUpdated.');
  }
  if (since !== undefined) {
    const ticks = parseTicks(since);
    if (ticks === undefined) throw badRequest('UpdatedSince', `The value '${since}' is not valid for UpdatedSince.`);
    return ticks;
  }
  if (last !== undefined) {
    const ms = Date.parse(last);
    if (Number.isNaN(ms)) throw badRequest('LastUpdated', `The value '${last}' is not valid for LastUpdated.`);
    return msToTicks(ms);
  }
  return undefined;
}

export interface SortKey {
  field: string;
  descending: boolean;
}

/** `Sort=asc(field),desc(other)`; a bare field means ascending. Field names are case-insensitive. */
export function parseSort(value: string | undefined, allowed: readonly string[]): SortKey[] {
  if (value === undefined) return [];
  return value.split(',').map((part) => {
    const m = /^\s*(?:(asc|desc)\(\s*([A-Za-z]+)\s*\)|([A-Za-z]+))\s*$/i.exec(part);
    const field = m ? (m[2] ?? m[3] ?? '') : '';
    const canonical = allowed.find((a) => a.toLowerCase() === field.toLowerCase());
    if (!m || !canonical) throw badRequest('Sort', `Invalid sort '${part}'. Available fields: ${allowed.join(', ')}.`);
    return { field: canonical, descending: (m[1] ?? 'asc').toLowerCase() === 'desc' };
  });
}

/** Restores creation order for a subset (records carry their creation `seq`). */
export function byCreation<T extends { seq: number }>(items: T[]): T[] {
  return items.sort((a, b) => a.seq - b.seq);
}

/** Sorts stably by the keys, falling back to creation order. */
export function sortBy<T extends { seq: number }>(items: T[], keys: SortKey[], value: (item: T, field: string) => string | bigint): T[] {
  if (keys.length === 0) return items;
  return items.sort((a, b) => {
    for (const k of keys) {
      const va = value(a, k.field);
      const vb = value(b, k.field);
      const c = va < vb ? -1 : va > vb ? 1 : 0; // ordinal, like .NET's default string sort in LINQ-to-objects
      if (c !== 0) return k.descending ? -c : c;
    }
    return a.seq - b.seq;
  });
}
