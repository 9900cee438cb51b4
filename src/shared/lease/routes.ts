import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoordinationStorage } from './coordination-port.js';
import {
  LeaseRefusal,
  MAX_LEDGER_APPEND_BYTES,
  MAX_LEDGER_ENTRIES,
  MAX_LEDGER_KEY,
  MAX_LEDGER_VALUE,
  decideAcquire,
  decideLedgerAppend,
  decideRelease,
  decideRenew,
  decideSyncRequest,
  emptyLeaseDoc,
  type Decision,
  type LeaseDoc,
  type LeasePolicy,
} from './rules.js';
import type { AcquireRequest, LedgerAppendRequest, ReleaseRequest, RenewRequest, SyncRequest } from './wire.js';

const MAX_LEDGER_PAGE = 1_000;

/** What the lease routes need from the server they are mounted on (the relay, or the Case Status simulator). */
export interface LeaseRouteDeps {
  /** The firm the request's credentials name, or undefined (401). */
  firmOf(req: FastifyRequest): Promise<string | undefined>;
  coordination: CoordinationStorage;
  policy: LeasePolicy;
  now(): number;
}

/**
 * The firm-wide sync lease (POST /v1/lease/acquire|renew|release|sync-request) and the fenced ledger
 * (POST/GET /v1/ledger). The firm comes from the bearer token only, so a token of another firm can never
 * reach this firm's lease; every decision is in src/shared/lease/rules.ts. Mounted on the relay and, with
 * the same contract, on Case Status (the coordination point of a firm without a relay).
 */
export function registerLeaseRoutes(app: FastifyInstance, ctx: LeaseRouteDeps): void {
  const route = <Req, T>(
    path: string,
    parse: (body: Record<string, unknown>) => Req,
    decide: (doc: LeaseDoc, req: Req, now: number) => Decision<T>,
    bodyLimit?: number,
  ): void => {
    app.post(path, bodyLimit ? { bodyLimit } : {}, async (req, reply) => {
      const firmId = await ctx.firmOf(req);
      if (!firmId) return unauthorized(reply);
      let parsed: Req;
      try {
        parsed = parse(jsonBody(req));
      } catch (err) {
        return sendError(reply, 400, 'bad_request', err instanceof Error ? err.message : String(err));
      }
      try {
        const result = await ctx.coordination.transact(firmId, (doc) => decide(doc ?? emptyLeaseDoc(), parsed, ctx.now()));
        return reply.header('cache-control', 'no-store').send(result);
      } catch (err) {
        if (err instanceof LeaseRefusal) return sendError(reply, err.status, err.code, err.message);
        throw err;
      }
    });
  };

  route('/v1/lease/acquire', parseAcquire, (doc, r, now) => decideAcquire(doc, r, now, ctx.policy));
  route('/v1/lease/renew', parseRenew, (doc, r, now) => decideRenew(doc, r, now, ctx.policy));
  route('/v1/lease/release', parseRelease, (doc, r, now) => decideRelease(doc, r, now, ctx.policy));
  route('/v1/lease/sync-request', parseSyncRequest, (doc, r, now) => decideSyncRequest(doc, r, now, ctx.policy));
  // The ledger append has its own body cap: the server's default is sized for webhooks (the relay's is 64 KiB).
  route('/v1/ledger', parseLedgerAppend, (doc, r, now) => decideLedgerAppend(doc, r, now, ctx.policy), MAX_LEDGER_APPEND_BYTES);

  app.get<{ Querystring: { after?: string; limit?: string } }>('/v1/ledger', async (req, reply) => {
    const firmId = await ctx.firmOf(req);
    if (!firmId) return unauthorized(reply);
    const after = req.query.after ?? '0';
    const limitText = req.query.limit ?? String(MAX_LEDGER_PAGE);
    if (typeof after !== 'string' || !/^\d{1,15}$/.test(after)) return sendError(reply, 400, 'bad_cursor', 'after must be a cursor returned by this relay');
    const limit = Number(limitText);
    if (typeof limitText !== 'string' || !/^\d{1,4}$/.test(limitText) || limit < 1 || limit > MAX_LEDGER_PAGE) {
      return sendError(reply, 400, 'bad_limit', `limit must be an integer from 1 to ${MAX_LEDGER_PAGE}`);
    }
    const rows = await ctx.coordination.readLedger(firmId, Number(after), limit + 1);
    const entries = rows.slice(0, limit);
    const nextCursor = entries.length > 0 ? String(entries[entries.length - 1]!.seq) : after;
    return reply.header('cache-control', 'no-store').send({ entries, nextCursor, hasMore: rows.length > limit });
  });
}

/** Every 4xx body: `{error, message}`, as the relay's other routes answer. */
function sendError(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error, message });
}

function unauthorized(reply: FastifyReply): FastifyReply {
  return sendError(reply, 401, 'unauthorized', 'send Authorization: Bearer <firm token>; the token is missing, unknown or rotated');
}

function jsonBody(req: FastifyRequest): Record<string, unknown> {
  const raw = req.body;
  // A server with a JSON body parser hands over the object already.
  if (typeof raw === 'object' && raw !== null && !Buffer.isBuffer(raw) && !Array.isArray(raw)) return raw as Record<string, unknown>;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the body must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the body must be a JSON object');
  return value as Record<string, unknown>;
}

function text(body: Record<string, unknown>, name: string, max: number): string {
  const v = body[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new Error(`${name} must be a string of 1 to ${max} characters`);
  return v;
}

function int(body: Record<string, unknown>, name: string): number {
  const v = body[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer`);
  return v;
}

function base(body: Record<string, unknown>): { requestId: string; clientTime: number } {
  const requestId = text(body, 'requestId', 100);
  if (!/^[A-Za-z0-9_-]{16,100}$/.test(requestId))
    throw new Error('requestId must be 16 to 100 characters of letters, digits, - or _ (a fresh UUID per request)');
  return { requestId, clientTime: int(body, 'clientTime') };
}

function parseAcquire(body: Record<string, unknown>): AcquireRequest {
  if (typeof body.preferred !== 'boolean') throw new Error('preferred must be true or false');
  if (body.wantsHost !== undefined && typeof body.wantsHost !== 'boolean') throw new Error('wantsHost must be true or false');
  return {
    ...base(body),
    installId: text(body, 'installId', 100),
    installName: text(body, 'installName', 100),
    user: text(body, 'user', 200),
    preferred: body.preferred,
    wantsHost: body.wantsHost === true,
  };
}

function holderFields(body: Record<string, unknown>): { installId: string; epoch: number; leaseKey: string } {
  return { installId: text(body, 'installId', 100), epoch: int(body, 'epoch'), leaseKey: text(body, 'leaseKey', 200) };
}

function parseRenew(body: Record<string, unknown>): RenewRequest {
  return { ...base(body), ...holderFields(body), ...(body.status !== undefined ? { status: body.status } : {}) };
}

function parseRelease(body: Record<string, unknown>): ReleaseRequest {
  return { ...base(body), ...holderFields(body) };
}

function parseSyncRequest(body: Record<string, unknown>): SyncRequest {
  return { ...base(body), installId: text(body, 'installId', 100) };
}

function parseLedgerAppend(body: Record<string, unknown>): LedgerAppendRequest {
  const entries = body.entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_LEDGER_ENTRIES)
    throw new Error(`entries must be an array of 1 to ${MAX_LEDGER_ENTRIES} {key, value}`);
  return {
    ...base(body),
    ...holderFields(body),
    entries: entries.map((e: unknown, i) => {
      if (typeof e !== 'object' || e === null) throw new Error(`entries[${i}] must be {key, value}`);
      const { key, value } = e as { key?: unknown; value?: unknown };
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_LEDGER_KEY)
        throw new Error(`entries[${i}].key must be a string of 1 to ${MAX_LEDGER_KEY} characters`);
      if (value !== null && (typeof value !== 'string' || value.length > MAX_LEDGER_VALUE))
        throw new Error(`entries[${i}].value must be null or a string of at most ${MAX_LEDGER_VALUE} characters`);
      return { key, value: value as string | null };
    }),
  };
}
