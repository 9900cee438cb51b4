/**
 * /matters/{id}/memos. Writes take plain text or RTF; the memo is stored as RTF and GET returns `text`
 * (RTF) and `plainText`. Deleted memos drop out of the list but stay readable by id [GUESS].
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ChangeContext } from '../domain.js';
import { pageOf, parsePaging } from '../paging.js';
import { badRequest, notFound, validationProblem } from '../problem.js';
import { Query } from '../query.js';
import type { MemoRecord, StoredMatter } from '../state.js';
import { accept, apiChange, pageContext, parseBody, type ApiContext } from './context.js';

// [Required] strings in ASP.NET reject empty strings too.
const memoDto = z.looseObject({
  title: z.string({ error: 'The Title field is required.' }).min(1, 'The Title field is required.'),
  text: z.string({ error: 'The Text field is required.' }).min(1, 'The Text field is required.'),
  userId: z.string().nullish(),
  createdDateUtc: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'Must be an ISO 8601 date-time.')
    .nullish(),
});

export function registerMemoRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { state, wire } = ctx;

  function matterOr404(id: string): StoredMatter {
    const m = state.matters.get(id);
    if (!m) throw notFound('Matter', id);
    return m;
  }

  function memoOr404(matterId: string, id: string): MemoRecord {
    const memo = state.memos.get(id);
    if (!memo || memo.matterId !== matterId) throw notFound('Memo', id);
    return memo;
  }

  /** Validates the body; a `userId` must be a user of the firm and becomes the acting user. */
  function readMemo(request: FastifyRequest): { input: { title: string; text: string; createdDateUtc?: string }; change: ChangeContext } {
    const body = parseBody(memoDto, request.body);
    if (body.text.length > ctx.options.maxMemoTextLength) {
      throw validationProblem([{ field: 'text', message: `The field Text must be a string with a maximum length of ${ctx.options.maxMemoTextLength}.` }]);
    }
    if (body.userId && !state.staffByUserId.has(body.userId)) throw badRequest('userId', `User ${body.userId} does not belong to this account.`);
    const change = apiChange(request);
    return {
      input: { title: body.title, text: body.text, ...(body.createdDateUtc ? { createdDateUtc: new Date(body.createdDateUtc).toISOString() } : {}) },
      change: body.userId ? { ...change, userId: body.userId } : change,
    };
  }

  app.get('/matters/:matterId/memos', async (request) => {
    const { matterId } = request.params as { matterId: string };
    matterOr404(matterId);
    const q = new Query(request.url);
    const paging = parsePaging(q);
    const items = state.memosOf(matterId).filter((m) => !m.isDeleted);
    return pageOf(items, paging, pageContext(ctx, request, q), (m) => wire.memo(m));
  });

  app.get('/matters/:matterId/memos/:id', async (request) => {
    const { matterId, id } = request.params as { matterId: string; id: string };
    matterOr404(matterId);
    return wire.memo(memoOr404(matterId, id));
  });

  app.post('/matters/:matterId/memos', async (request, reply) => {
    const { matterId } = request.params as { matterId: string };
    const matter = matterOr404(matterId);
    const { input, change } = readMemo(request);
    const id = randomUUID();
    return accept(ctx, request, reply, { id, href: wire.href(`/matters/${matterId}/memos/${id}`) }, () => {
      ctx.domain.createMemo(matter, id, input, change);
    });
  });

  app.put('/matters/:matterId/memos/:id', async (request, reply) => {
    const { matterId, id } = request.params as { matterId: string; id: string };
    matterOr404(matterId);
    const memo = memoOr404(matterId, id);
    const { input, change } = readMemo(request);
    return accept(ctx, request, reply, { id, href: wire.href(`/matters/${matterId}/memos/${id}`) }, () => {
      ctx.domain.updateMemo(memo, input, change);
    });
  });

  app.delete('/matters/:matterId/memos/:id', async (request, reply) => {
    const { matterId, id } = request.params as { matterId: string; id: string };
    matterOr404(matterId);
    const memo = memoOr404(matterId, id);
    return accept(ctx, request, reply, { id, href: wire.href(`/matters/${matterId}/memos/${id}`) }, (change) => {
      ctx.domain.deleteMemo(memo, change);
    });
  });
}
