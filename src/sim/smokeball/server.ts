/**
 * The Smokeball API simulator: one Fastify server with the API (behind a simulated API Gateway: API key,
 * token bucket, Cognito bearer check), the OAuth endpoints under /oauth2, a fake S3 under /_s3 and the
 * control API under /_sim. Seeded from a SeededFirm; strict where Smokeball is strict.
 */
import Fastify, { type FastifyError } from 'fastify';
import { filterConnections, withTls } from '../common/network.js';
import { FaultInjector } from '../common/faults.js';
import { createRng } from '../common/random.js';
import { RequestStats } from '../common/request-stats.js';
import { TokenStore } from './auth.js';
import { BlobStore } from './blob-store.js';
import { SmokeballControl } from './control.js';
import { registerControlRoutes } from './control-routes.js';
import { ApplyError, Domain, type ChangeContext } from './domain.js';
import { installGateway, isApiPath, pathOf } from './gateway.js';
import { registerOAuthRoutes } from './oauth-routes.js';
import { resolveOptions, type ResolvedOptions, type SmokeballSimOptions } from './options.js';
import { HttpProblem } from './problem.js';
import { GatewayRateLimiter } from './rate-limit.js';
import { registerContactRoutes } from './resources/contacts.js';
import type { ApiContext } from './resources/context.js';
import { registerDirectoryRoutes } from './resources/directory.js';
import { registerDocumentRoutes } from './resources/documents.js';
import { registerMatterRoutes } from './resources/matters.js';
import { registerMemoRoutes } from './resources/memos.js';
import { registerStageRoutes } from './resources/stages.js';
import { registerWebhookRoutes } from './resources/webhooks.js';
import { FakeS3 } from './s3.js';
import { SimState } from './state.js';
import { WebhookDispatcher } from './webhooks.js';
import { stringifyWire } from './wire-json.js';
import { WireMapper } from './wire.js';
import { WriteQueue } from './write-queue.js';

export type { SmokeballSimOptions } from './options.js';

export interface SmokeballSim {
  /** API base, e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** OAuth base on the same server: `${authUrl}/oauth2/authorize`, `${authUrl}/oauth2/token`. */
  authUrl: string;
  /** The options in effect (defaults filled in). */
  options: ResolvedOptions;
  /** API requests (including 403/429/401 and injected 5xx) per endpoint, with timestamps. */
  stats: RequestStats;
  faults: FaultInjector;
  control: SmokeballControl;
  close(): Promise<void>;
}

// Large enough that an over-long memo reaches validation (400) instead of the body limit (413).
const BODY_LIMIT = 16 * 1024 * 1024;

export async function startSmokeballSim(input: SmokeballSimOptions): Promise<SmokeballSim> {
  const options = resolveOptions(input);
  const state = new SimState(options.firm);
  let baseUrl = '';
  const wire = new WireMapper(state, () => baseUrl);
  const webhooks = new WebhookDispatcher(state.accountId, options.clientId, options.webhookFaults, createRng(options.seed ^ 0x5eed5eed), state.clock);
  const domain = new Domain(state, wire, webhooks);
  const writes = new WriteQueue(options.writeDelayMs, (error, context) => {
    // A write that fails while being applied is reported the way Smokeball does: an `error` webhook.
    const change = context as ChangeContext;
    domain.fireError(error instanceof ApplyError ? error : new ApplyError('unknown', '', String(error)), change);
  });
  const tokens = new TokenStore(
    { accessTokenTtlS: options.accessTokenTtlS, refreshTokenTtlS: options.refreshTokenTtlS, authCodeTtlS: options.authCodeTtlS },
    (grant) => webhooks.deleteForGrant(grant.id),
  );
  const limiter = new GatewayRateLimiter(options.rateLimit, options.rateLimitClock);
  const stats = new RequestStats();
  const faults = new FaultInjector(options.faults, options.seed);
  const blobs = await BlobStore.create();
  const s3 = new FakeS3<ChangeContext>(blobs, () => baseUrl, { uploadS: options.uploadUrlTtlS, downloadS: options.downloadUrlTtlS });
  const control = new SmokeballControl({ options, state, domain, tokens, webhooks, writes, limiter, faults, stats, s3, storageDir: blobs.dir });

  // forceCloseConnections: close() must also end requests a hang fault is holding open.
  const app = Fastify(withTls({ logger: false, bodyLimit: BODY_LIMIT, forceCloseConnections: true }, input.tls));
  filterConnections(app.server, input.acceptConnection);
  app.setReplySerializer((payload) => stringifyWire(payload));
  // ASP.NET accepts these JSON media types too.
  app.addContentTypeParser('text/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));
  app.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // Order matters: the gateway answers 403/429/401 before any backend fault is considered.
  installGateway(app, { options, limiter, tokens, stats, state });
  faults.install(app, (path) => path === '/_sim' || path.startsWith('/_sim/') || path.startsWith('/oauth2/'));

  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    const path = pathOf(request);
    if (path.startsWith('/oauth2/')) return reply.code(400).send({ error: 'invalid_request' });
    const problem = error instanceof HttpProblem ? error : toProblem(error);
    if (problem.status >= 500) request.log.error(error);
    return reply.code(problem.status).type('application/problem+json').send(problem.body(path));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request);
    if (!isApiPath(path)) return reply.code(404).send({ error: 'Not found' });
    return reply
      .code(404)
      .type('application/problem+json')
      .send(new HttpProblem(404, `No resource matches ${request.method} ${path}.`).body(path));
  });

  const ctx: ApiContext = { options, state, wire, domain, writes, webhooks, s3, baseUrl: () => baseUrl };
  registerOAuthRoutes(app, options, tokens);
  registerControlRoutes(app, {
    control,
    stats,
    faults,
    info: () => ({
      url: baseUrl,
      authUrl: baseUrl,
      accountId: state.accountId,
      apiKey: options.apiKey,
      clientId: options.clientId,
      matters: state.matters.size,
      contacts: state.contacts.size,
      staff: state.staff.size,
    }),
  });
  registerMatterRoutes(app, ctx);
  registerContactRoutes(app, ctx);
  registerDirectoryRoutes(app, ctx);
  registerStageRoutes(app, ctx);
  registerMemoRoutes(app, ctx);
  registerDocumentRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await blobs.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  baseUrl = `${input.tls ? 'https' : 'http'}://${host}:${port}`;

  // Expired refresh tokens end their grant (and its webhook subscriptions) even if nobody uses them.
  const sweep = setInterval(() => tokens.sweepExpired(), 1000);
  sweep.unref();

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    authUrl: baseUrl,
    options,
    stats,
    faults,
    control,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        writes.close();
        webhooks.close();
        await app.close();
        await blobs.close();
      })();
      return closing;
    },
  };
}

/** Fastify's own errors (bad JSON, wrong media type, body too large) as ProblemDetails. */
function toProblem(error: FastifyError): HttpProblem {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  if (status >= 500) return new HttpProblem(500, 'An unexpected error occurred.');
  return new HttpProblem(status, error.message, [{ field: 'body', message: error.message }]);
}
