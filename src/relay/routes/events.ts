import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RelayContext } from '../context.js';
import { sendError } from '../http-errors.js';
import { pollEvents } from '../long-poll.js';
import type { StoredEvent } from '../storage/port.js';
import { firmForRequest } from './auth.js';

export const MAX_WAIT_SECONDS = 30;
export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;
/** A read paced by its firm's read budget waits at most this long; further over budget it gets 429. */
export const MAX_READ_WAIT_MS = 5_000;

interface EventsQuery {
  after?: string | string[];
  wait?: string | string[];
  limit?: string | string[];
}

/**
 * GET /v1/events?after=&wait=&limit= — the firm's events after the cursor, oldest first. The cursor is the
 * per-firm sequence number as a decimal string ("0" or absent: from the oldest event still kept).
 */
export function registerEventRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.get<{ Querystring: EventsQuery }>('/v1/events', async (req, reply) => {
    const firm = await firmForRequest(ctx, req);
    if (!firm) return unauthorized(reply);

    const after = single(req.query.after) ?? '0';
    if (!/^\d{1,15}$/.test(after)) return sendError(reply, 400, 'bad_cursor', 'after must be a cursor returned by this relay');
    const waitText = single(req.query.wait) ?? '0';
    const wait = Number(waitText);
    if (!/^\d+(\.\d+)?$/.test(waitText) || wait > MAX_WAIT_SECONDS) {
      return sendError(reply, 400, 'bad_wait', `wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
    }
    const limitText = single(req.query.limit) ?? String(DEFAULT_LIMIT);
    const limit = Number(limitText);
    if (!/^\d{1,3}$/.test(limitText) || limit < 1 || limit > MAX_LIMIT) {
      return sendError(reply, 400, 'bad_limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    }

    // A cursor this relay never issued (a relay rebuilt on a new database, a made-up number) would otherwise
    // read as "no events yet" for ever: say so, so the app can start again from the oldest event and catch up.
    const lastSeq = await ctx.storage.lastSeq(firm.id);
    if (Number(after) > lastSeq) {
      return sendError(
        reply,
        409,
        'cursor_ahead',
        `cursor ${after} is beyond this relay's last event (${lastSeq}); the relay's history was lost or the cursor is not from this relay: read again without a cursor`,
      );
    }

    if (!ctx.quotas.acquirePoll(firm.id)) {
      ctx.logger.warn('relay refused a read over the long-poll quota', { firmId: firm.id, maxLongPolls: ctx.quotas.limits.maxLongPolls });
      reply.header('retry-after', '1');
      return sendError(reply, 429, 'too_many_polls', `at most ${ctx.quotas.limits.maxLongPolls} reads of this firm's events at once`);
    }
    // The client may hang up during a long poll: stop waiting for it.
    const gone = new AbortController();
    const onClose = (): void => gone.abort();
    reply.raw.once('close', onClose);
    try {
      // A firm that read more than its byte budget waits here (holding its poll slot) or, far over it, is
      // refused: one firm's 500-event pages of large bodies cannot take the event loop from the others.
      const budget = ctx.quotas.readWait(firm.id, MAX_READ_WAIT_MS);
      if (!budget.ok) {
        ctx.logger.warn('relay refused a read over the read budget', { firmId: firm.id, retryAfterSeconds: budget.retryAfterSeconds });
        reply.header('retry-after', String(budget.retryAfterSeconds));
        return sendError(reply, 429, budget.reason, budget.message);
      }
      await ctx.bell.pause(budget.waitMs, gone.signal);
      if (gone.signal.aborted) return reply;
      // One extra row tells whether there is more without a second query.
      const rows = await pollEvents(ctx.storage, ctx.bell, {
        firmId: firm.id,
        afterSeq: Number(after),
        limit: limit + 1,
        maxBytes: ctx.maxPageBytes,
        waitMs: wait * 1000,
        recheckMs: ctx.longPollRecheckMs,
        signal: gone.signal,
      });
      const { events: page, bytes } = pageWithin(rows, limit, ctx.maxPageBytes);
      ctx.quotas.chargeRead(firm.id, bytes);
      const nextCursor = page.length > 0 ? String(page[page.length - 1]!.seq) : String(Number(after));
      return reply
        .code(200)
        .type('application/json; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(Readable.from(eventsJson(page, nextCursor, rows.length > page.length)));
    } finally {
      reply.raw.off('close', onClose);
      ctx.quotas.releasePoll(firm.id);
    }
  });

  app.get('/v1/firm', async (req, reply) => {
    const firm = await firmForRequest(ctx, req);
    if (!firm) return unauthorized(reply);
    return reply.header('cache-control', 'no-store').send({
      firmId: firm.id,
      name: firm.name,
      webhooks: {
        smokeball: { url: `${ctx.publicUrl}/hooks/smokeball/${firm.id}`, key: firm.smokeballKey },
        caseStatus: { url: `${ctx.publicUrl}/hooks/casestatus/${firm.id}` },
      },
    });
  });
}

function unauthorized(reply: FastifyReply): FastifyReply {
  return sendError(reply, 401, 'unauthorized', 'send Authorization: Bearer <firm token>; the token is missing, unknown or rotated');
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** The leading events that fit `limit` and `maxBytes` of bodies (always at least one), and their body bytes. */
export function pageWithin(rows: StoredEvent[], limit: number, maxBytes: number): { events: StoredEvent[]; bytes: number } {
  let bytes = 0;
  let n = 0;
  for (const row of rows) {
    if (n >= limit) break;
    const size = Buffer.byteLength(row.body);
    if (n > 0 && bytes + size > maxBytes) break;
    bytes += size;
    n++;
  }
  return { events: rows.slice(0, n), bytes };
}

/** Bytes of bodies written between two yields to the event loop. */
const YIELD_EVERY_BYTES = 64 * 1024;

/**
 * The response is written event by event (never one page-sized string) and assembled by hand so each
 * stored body is embedded exactly as received: Smokeball's tick values exceed 2^53, and a
 * JSON.parse/stringify round trip would round them. After every 64 KiB of bodies it yields to the event
 * loop, so other firms' requests run between the chunks of a large page instead of after all of it.
 */
async function* eventsJson(events: StoredEvent[], nextCursor: string, hasMore: boolean): AsyncGenerator<string> {
  yield '{"events":[';
  let sinceYield = 0;
  for (const [i, e] of events.entries()) {
    yield (
      (i > 0 ? ',' : '') +
      `{"cursor":"${e.seq}","source":${JSON.stringify(e.source)},"type":${JSON.stringify(e.type)},` +
      `"receivedAt":"${e.receivedAt.toISOString()}","requestId":${JSON.stringify(e.requestId)},` +
      `"eventId":${JSON.stringify(e.eventId)},"body":`
    );
    yield e.body;
    yield '}';
    sinceYield += e.body.length;
    if (sinceYield >= YIELD_EVERY_BYTES) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  yield `],"nextCursor":"${nextCursor}","hasMore":${hasMore}}`;
}
