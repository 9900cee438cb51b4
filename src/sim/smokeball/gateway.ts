/**
 * What AWS API Gateway does in front of Smokeball's API, in this order (a choice; AWS does not say how
 * Smokeball's stage is configured):
 *   1. `x-api-key` missing or wrong → 403 {"message":"Forbidden"}
 *   2. token bucket per API key empty → 429 {"message":"Too Many Requests"} (throttled requests with a
 *      bad token still count, the stricter reading); then, when configured, the partner-wide bucket of the
 *      client id shared by every firm's simulator (same 429)
 *   3. Cognito authorizer: bearer missing/unknown/expired/revoked → 401 {"message":"Unauthorized"}
 * Backend faults (FaultInjector) come after the gateway. Every API request that gets a response is
 * recorded in RequestStats, and the caller's `RequestId` is echoed (one is generated when absent).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normaliseRoute, type RequestStats } from '../common/request-stats.js';
import type { TokenStore } from './auth.js';
import type { ResolvedOptions } from './options.js';
import type { GatewayRateLimiter } from './rate-limit.js';
import type { SimState } from './state.js';

export interface Caller {
  requestId: string;
  /** The acting Smokeball user: the token's user, or the `UserId` header for client-credentials calls. */
  userId: string | null;
  grantId: string | null;
}

const callers = new WeakMap<FastifyRequest, Caller>();
const startedAt = new WeakMap<FastifyRequest, number>();

/** The authenticated caller of an API request (set by the gateway hook). */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw new Error('callerOf used outside the API gateway');
  return caller;
}

/** Paths that are not the Smokeball API: control surface, OAuth pages, fake S3. */
export function isApiPath(path: string): boolean {
  return !(path.startsWith('/_sim/') || path === '/_sim' || path.startsWith('/oauth2/') || path.startsWith('/_s3/'));
}

export function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function gatewayError(reply: FastifyReply, status: number, message: string, errorType: string): FastifyReply {
  return reply.code(status).header('x-amzn-ErrorType', errorType).type('application/json').send({ message });
}

export interface GatewayDeps {
  options: ResolvedOptions;
  limiter: GatewayRateLimiter;
  tokens: TokenStore;
  stats: RequestStats;
  state: SimState;
}

/** Registers the gateway's onRequest hook (install before the fault injector) and the stats hook. */
export function installGateway(app: FastifyInstance, deps: GatewayDeps): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request);
    if (!isApiPath(path)) return;
    startedAt.set(request, performance.now());
    const header = request.headers.requestid;
    const requestId = (Array.isArray(header) ? header[0] : header) || randomUUID();
    reply.header('RequestId', requestId);

    if (request.headers['x-api-key'] !== deps.options.apiKey) {
      return gatewayError(reply, 403, 'Forbidden', 'ForbiddenException');
    }
    // The partner-wide bucket (when configured) counts every firm's requests under the app's client id.
    if (!deps.limiter.take(deps.options.apiKey) || (deps.options.partnerBucket && !deps.options.partnerBucket.take(deps.options.clientId))) {
      if (deps.limiter.config.sendRetryAfter) reply.header('Retry-After', '1');
      return gatewayError(reply, 429, 'Too Many Requests', 'TooManyRequestsException');
    }
    const m = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const token = m ? deps.tokens.verify(m[1] as string) : undefined;
    if (!token) return gatewayError(reply, 401, 'Unauthorized', 'UnauthorizedException');

    let userId = token.userId;
    const userHeader = request.headers.userid;
    if (typeof userHeader === 'string' && userHeader !== '') {
      // Acting for a user needs a real user of the firm (Smokeball: invalid UserId → 401).
      if (!deps.state.staffByUserId.has(userHeader)) return gatewayError(reply, 401, 'Unauthorized', 'UnauthorizedException');
      userId = userHeader;
    }
    callers.set(request, { requestId, userId, grantId: token.grantId });
  });

  app.addHook('onResponse', async (request, reply) => {
    const at = startedAt.get(request);
    if (at === undefined) return;
    const header = reply.getHeader('RequestId');
    deps.stats.record({
      at,
      method: request.method,
      route: normaliseRoute(pathOf(request)),
      status: reply.statusCode,
      ...(typeof header === 'string' ? { requestId: header } : {}),
      ...(callers.has(request) ? { grantId: callers.get(request)!.grantId } : {}),
    });
  });
}
