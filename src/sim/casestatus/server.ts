import { DEFAULT_LEASE_POLICY, type LeasePolicy } from '../../shared/lease/rules.js';
import { registerLeaseRoutes } from '../../shared/lease/routes.js';
import { MemoryCoordination } from '../../shared/lease/memory-coordination.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { FaultInjector, type FaultConfig } from '../common/faults.js';
import { filterConnections, withTls, type SimNetworkOptions } from '../common/network.js';
import { createRng, seededUuid } from '../common/random.js';
import { RequestStats, normaliseRoute } from '../common/request-stats.js';
import type { CaseDocumentSeed, SeededFirm } from '../seed/firm-model.js';
import { ApiKeyAuth } from './auth.js';
import { createControl, type CaseStatusControl, type ControlDeps } from './control.js';
import { installErrorHandling } from './errors.js';
import { DEFAULT_EVENT_DELIVERY, EventDispatcher, NO_EVENT_FAULTS, type EventDeliveryConfig, type EventFaultConfig } from './events.js';
import { PracticeAreaCatalogue, practiceAreasFromFirm, type PracticeAreaInput } from './practice-areas.js';
import { DEFAULT_RATE_LIMIT, KeyedRateLimiter, type RateLimitConfig } from './rate-limit.js';
import { registerCasePage } from './routes/case-page.js';
import { registerCaseRoutes } from './routes/cases.js';
import { registerClientRoutes } from './routes/clients.js';
import { registerControlRoutes } from './routes/control.js';
import { registerFeedRoutes } from './routes/feeds.js';
import { DocumentContent, type DocumentContentFn } from './state/document-content.js';
import { FirmState } from './state/firm-state.js';

export interface CaseStatusSimOptions extends SimNetworkOptions {
  /** Seeds messages and documents (keyed by matter id = case external id); firm.accountId is the firm id. */
  firm: SeededFirm;
  /** The firm's API key (Authorization: Bearer). Default 'cs-sim-key'. */
  apiKey?: string;
  /** Default 127.0.0.1 and 0 (any free port). */
  host?: string;
  port?: number;
  /** Base of case URLs (`${publicUrl}/cases/{id}`); default the server's own URL, which serves a case page. */
  publicUrl?: string;
  /** Per API key; default 10/s, burst 10. `false` disables limiting. */
  rateLimit?: RateLimitConfig | false;
  /** Latency, 5xx, resets, hangs on /v1 requests (never on /_sim or case pages). */
  faults?: Partial<FaultConfig>;
  /**
   * Practice areas and their stages. Default: derived from the firm (matter type names, stage set stages);
   * unknown names are refused with 422. 'any' accepts and adds whatever the app sends.
   */
  practiceAreas?: PracticeAreaInput[] | 'any';
  /** Where events are POSTed; null/absent = events are recorded but not delivered. */
  eventWebhookUrl?: string | null;
  /** HMAC key of the event signature. Default 'cs-sim-event-secret'. */
  eventSigningSecret?: string;
  eventFaults?: Partial<EventFaultConfig>;
  eventDelivery?: Partial<EventDeliveryConfig>;
  /** Seeds ids and fault rolls; default firm.seed. */
  seed?: number;
  /** Document bytes; default documentBytes from the seeded-firm generator. */
  documentContent?: DocumentContentFn;
  /** Optional shortcut for a document's SHA-256 (lowercase hex); default: hash the content stream once. */
  documentSha256?: (doc: CaseDocumentSeed) => string | Promise<string>;
  /** The sync lease a firm without a relay coordinates its installs with (docs/casestatus-api.md); tests shorten the TTL. */
  lease?: Partial<LeasePolicy>;
}

export interface CaseStatusSim {
  /** Base URL of the server, e.g. http://127.0.0.1:43121 (the API is under /v1). */
  url: string;
  firmId: string;
  apiKey: string;
  /** Requests to /v1 (control routes and case pages excluded). */
  stats: RequestStats;
  faults: FaultInjector;
  control: CaseStatusControl;
  /**
   * HTTP connections open to the server now. A client killed mid-request may have left a whole request in
   * the socket that the server has not read yet: it is still handled, so a test that counts what a killed
   * client wrote waits for this to reach 0 (the kernel closed the client's sockets when it died).
   */
  openConnections(): Promise<number>;
  close(): Promise<void>;
}

/** The sync lease and ledger (coordination of a firm's installs) are not the data API: no faults, limit or count. */
const isCoordinationPath = (path: string): boolean => path.startsWith('/v1/lease/') || path === '/v1/ledger';
const isApiPath = (path: string): boolean => (path === '/v1' || path.startsWith('/v1/')) && !isCoordinationPath(path);

export async function startCaseStatusSim(options: CaseStatusSimOptions): Promise<CaseStatusSim> {
  const firm = options.firm;
  const seed = options.seed ?? firm.seed;
  const idRng = createRng(seed);
  const newId = (): string => seededUuid(idRng);
  const newSeed = (): number => Math.floor(idRng() * 4294967296);
  const now = (): string => new Date().toISOString();

  const stats = new RequestStats();
  const faults = new FaultInjector(options.faults ?? {}, seed + 1);
  const auth = new ApiKeyAuth(options.apiKey ?? 'cs-sim-key');
  const limiter = new KeyedRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const events = new EventDispatcher({
    firmId: firm.accountId,
    newId,
    now,
    webhookUrl: options.eventWebhookUrl ?? null,
    secret: options.eventSigningSecret ?? 'cs-sim-event-secret',
    faults: { ...NO_EVENT_FAULTS, ...options.eventFaults },
    delivery: { ...DEFAULT_EVENT_DELIVERY, ...options.eventDelivery },
    seed: seed + 2,
  });
  // Loaded only when no content source is given, so tests with their own content need nothing else.
  const documentContent = options.documentContent ?? (await import('../seed/document-content.js')).documentBytes;
  const areas = options.practiceAreas ?? practiceAreasFromFirm(firm);
  const state = new FirmState({
    firm,
    newId,
    newSeed,
    now,
    practiceAreas: new PracticeAreaCatalogue(areas === 'any' ? [] : areas, areas === 'any', newId),
    events,
    content: new DocumentContent(documentContent, options.documentSha256),
  });

  // 10 MB: a full batch of 100 cases with long Unicode descriptions must fit (the contract says so).
  const app = Fastify(withTls({ logger: false, forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 }, options.tls));
  filterConnections(app.server, options.acceptConnection);
  const deps: ControlDeps = { state, events, limiter, auth, stats, faults };
  const control = createControl(deps);
  installPipeline(app, deps);
  registerClientRoutes(app, state);
  registerCaseRoutes(app, state);
  registerFeedRoutes(app, state);
  registerControlRoutes(app, control, deps);
  registerCasePage(app, state);
  registerLeaseRoutes(app, {
    firmOf: async (req) => {
      try {
        auth.authenticate(req.headers.authorization);
        return firm.accountId;
      } catch {
        return undefined;
      }
    },
    coordination: new MemoryCoordination(),
    policy: { ...DEFAULT_LEASE_POLICY, ...options.lease },
    now: Date.now,
  });

  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  state.publicUrl = (options.publicUrl ?? url).replace(/\/+$/, '');

  return {
    url,
    firmId: firm.accountId,
    get apiKey() {
      return auth.apiKey;
    },
    stats,
    faults,
    control,
    openConnections: () => new Promise((resolve, reject) => app.server.getConnections((err, count) => (err ? reject(err) : resolve(count)))),
    close: async () => {
      events.close();
      await app.close();
    },
  };
}

/**
 * Order per /v1 request: faults (may answer 5xx, reset or hang), then auth (401), then the rate limit
 * (429), then the route. Everything else (/_sim, case pages) skips all three and is not counted.
 */
function installPipeline(app: FastifyInstance, { faults, auth, limiter, stats }: ControlDeps): void {
  installErrorHandling(app);
  faults.install(app, (path) => !isApiPath(path));
  app.addHook('onRequest', async (request) => {
    if (!isApiPath(request.url.split('?')[0] ?? '')) return;
    const key = auth.authenticate(request.headers.authorization);
    limiter.take(key);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!isApiPath(request.url.split('?')[0] ?? '')) return;
    const requestId = request.headers['x-request-id'];
    stats.record({
      at: performance.now(),
      method: request.method,
      route: normaliseRoute(request.url),
      status: reply.statusCode,
      ...(typeof requestId === 'string' ? { requestId } : {}),
    });
  });
}
