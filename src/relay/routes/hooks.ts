import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RelayContext } from '../context.js';
import { sendError } from '../http-errors.js';
import type { WebhookKeys } from '../firm-cache.js';
import type { EventSource } from '../storage/port.js';
import { verifyCaseStatus, verifySmokeball, type VerifyResult } from '../verify.js';

/**
 * Webhook receivers. Each one checks (firm, signature, timestamp, JSON, required fields), then stores the
 * event and answers 200 at once. Any 4xx leaves storage untouched. A redelivery answers 200 and is not
 * stored twice (the storage's UNIQUE constraint on the event identity decides).
 */

type HookRequest = FastifyRequest<{ Params: { firmId: string } }>;

const MAX_TEXT_FIELD = 200;
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Accepted {
  type: string;
  eventId: string;
  requestId: string | null;
}

export function registerHookRoutes(app: FastifyInstance, ctx: RelayContext): void {
  app.post('/hooks/smokeball/:firmId', { onRequest: (req: HookRequest, reply) => gate(ctx, req, reply, 'smokeball') }, (req: HookRequest, reply) =>
    receive(ctx, req, reply, 'smokeball', () => ({
      // The signature covers headers only, so the gate already checked it, before the body was read.
      verdict: { ok: true },
      accept(body) {
        const requestId = header(req, 'requestid');
        const missing = missingFields(body, {
          accountId: 'string',
          subscriptionId: 'string',
          type: 'string',
          source: 'string',
          payload: 'any',
          timestamp: 'any',
        });
        if (missing) return missing;
        if (requestId && requestId.length > MAX_TEXT_FIELD) return `RequestId is longer than ${MAX_TEXT_FIELD} characters`;
        // The signature covers Timestamp, RequestId and client id but not the body, so the identity must not
        // hash the body either: otherwise one captured signature could carry any number of forged bodies
        // for its 300 s window. One request may legitimately cause several events of different types
        // (matter.updated + matter.closed), so the identity is (RequestId, type): a replay yields at most one
        // event per type, and a made-up type is ignored by the app.
        const type = (body as { type: string }).type;
        const eventId = createHash('sha256')
          .update('smokeball\0')
          .update(requestId ?? '')
          .update('\0')
          .update(type)
          .digest('hex');
        return { type, eventId, requestId: requestId ?? null };
      },
    })),
  );

  app.post('/hooks/casestatus/:firmId', { onRequest: (req: HookRequest, reply) => gate(ctx, req, reply, 'casestatus') }, (req: HookRequest, reply) =>
    receive(ctx, req, reply, 'casestatus', (firm, raw) => ({
      verdict: verifyCaseStatus(
        header(req, 'x-casestatus-timestamp'),
        header(req, 'x-casestatus-signature'),
        raw,
        firm.caseStatusSecret,
        ctx.now(),
        ctx.maxClockSkewSeconds,
      ),
      accept(body) {
        const missing = missingFields(body, { id: 'string', type: 'string', firmId: 'string', createdAt: 'string', data: 'any' });
        if (missing) return missing;
        const envelope = body as { id: string; type: string };
        return { type: envelope.type, eventId: envelope.id, requestId: null };
      },
    })),
  );
}

interface Check {
  verdict: VerifyResult;
  /** Validates the parsed body: the event's identity, or the message for a 400. */
  accept(body: unknown): Accepted | string;
}

/** The firm's webhook keys, found by the gate (before the body) for the handler (after it). */
const gatedFirms = new WeakMap<FastifyRequest, WebhookKeys>();

/**
 * Runs before the body is read (fastify's onRequest), so a webhook the relay will refuse costs no body read,
 * HMAC or JSON parse: an unknown firm (404), for Smokeball a bad signature (401, it covers headers only), a
 * firm over its rate or stored quota (429). Those answers close the connection (the unread body is not
 * worth keeping it for). A Smokeball webhook then waits for one of its firm's few ingest slots, so a firm's
 * many senders queue behind each other, not in front of other firms. Case Status signs the body, so its
 * sender is unknown until the body is read; it takes no slot, or an unauthenticated sender could hold them.
 */
async function gate(ctx: RelayContext, req: HookRequest, reply: FastifyReply, source: EventSource): Promise<FastifyReply | undefined> {
  const firm = await ctx.firmKeys.get(req.params.firmId);
  if (!firm) return refuse(reply, 404, 'unknown_firm', 'no firm with this id is registered at the relay');
  if (source === 'smokeball') {
    const verdict = verifySmokeball(
      { timestamp: header(req, 'timestamp'), requestId: header(req, 'requestid'), signature: header(req, 'signature') },
      firm.smokeballKey,
      ctx.smokeballClientId,
      ctx.now(),
      ctx.maxClockSkewSeconds,
    );
    if (!verdict.ok) {
      ctx.logger.warn('relay rejected a webhook', { source, firmId: firm.firmId, error: verdict.error });
      return refuse(reply, 401, verdict.error, verdict.message);
    }
  }
  const declared = Number(header(req, 'content-length'));
  const admission = await ctx.quotas.wouldAdmit(firm.firmId, Number.isSafeInteger(declared) ? declared : 0);
  if (!admission.ok) return overQuota(ctx, reply, source, firm.firmId, admission, true);
  if (source === 'smokeball') {
    const gone = new AbortController();
    const onClose = (): void => gone.abort();
    reply.raw.once('close', onClose);
    const release = await ctx.ingestSlots.acquire(firm.firmId, gone.signal);
    if (!release) {
      reply.raw.off('close', onClose);
      if (gone.signal.aborted) return reply;
      const refusal = {
        ok: false as const,
        reason: 'too_many_webhooks' as const,
        retryAfterSeconds: 1,
        message: `more than ${ctx.ingestSlots.perFirm + ctx.ingestSlots.maxQueued} webhooks of this firm in progress at once`,
      };
      return overQuota(ctx, reply, source, firm.firmId, refusal, true);
    }
    // Finished or cut off, the slot goes to the firm's next webhook.
    reply.raw.once('close', release);
  }
  gatedFirms.set(req, firm);
  return undefined;
}

function refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return sendError(reply.header('connection', 'close'), status, error, message);
}

function overQuota(
  ctx: RelayContext,
  reply: FastifyReply,
  source: EventSource,
  firmId: string,
  refusal: { reason: string; retryAfterSeconds: number; message: string },
  beforeBody: boolean,
): FastifyReply {
  ctx.logger.warn('relay refused a webhook over quota', { source, firmId, reason: refusal.reason, retryAfterSeconds: refusal.retryAfterSeconds, beforeBody });
  reply.header('retry-after', String(refusal.retryAfterSeconds));
  return beforeBody ? refuse(reply, 429, refusal.reason, refusal.message) : sendError(reply, 429, refusal.reason, refusal.message);
}

async function receive(
  ctx: RelayContext,
  req: HookRequest,
  reply: FastifyReply,
  source: EventSource,
  check: (firm: WebhookKeys, raw: Buffer) => Check,
): Promise<FastifyReply> {
  const firm = gatedFirms.get(req);
  if (!firm) throw new Error('a webhook reached its handler without passing the gate');
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const { verdict, accept } = check(firm, raw);
  if (!verdict.ok) {
    ctx.logger.warn('relay rejected a webhook', { source, firmId: firm.firmId, error: verdict.error });
    return sendError(reply, 401, verdict.error, verdict.message);
  }
  let text: string;
  let body: unknown;
  try {
    text = utf8.decode(raw);
    body = JSON.parse(text);
  } catch {
    return sendError(reply, 400, 'invalid_json', 'the body must be UTF-8 JSON');
  }
  const accepted = accept(body);
  if (typeof accepted === 'string') return sendError(reply, 400, 'missing_fields', accepted);
  // Checked again now that the body's size is known, and a token taken: the gate only looked.
  const admission = await ctx.quotas.admit(firm.firmId, raw.length);
  if (!admission.ok) return overQuota(ctx, reply, source, firm.firmId, admission, false);
  const outcome = await ctx.storage.insertEvent({
    firmId: firm.firmId,
    source,
    type: accepted.type,
    eventId: accepted.eventId,
    requestId: accepted.requestId,
    receivedAt: new Date(ctx.now()),
    body: text,
  });
  if (outcome.stored) {
    ctx.quotas.recordStored(firm.firmId, raw.length);
    ctx.bell.ring(firm.firmId);
  }
  return reply.code(200).send({ received: true, duplicate: !outcome.stored });
}

type FieldKind = 'string' | 'any';

/** undefined when every field is there with the right kind; otherwise a message naming the bad ones. */
function missingFields(body: unknown, fields: Record<string, FieldKind>): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object';
  const record = body as Record<string, unknown>;
  const bad = Object.entries(fields)
    .filter(([name, kind]) => {
      if (!(name in record)) return true;
      const value = record[name];
      return kind === 'string' && (typeof value !== 'string' || value === '' || value.length > MAX_TEXT_FIELD);
    })
    .map(([name, kind]) => (kind === 'string' ? `${name} (a non-empty string of at most ${MAX_TEXT_FIELD} characters)` : name));
  return bad.length > 0 ? `missing or invalid fields: ${bad.join(', ')}` : undefined;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
