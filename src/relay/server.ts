import { createServer, type RequestListener, type Server } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { silentLogger, type Logger } from '../shared/logger.js';
import { createRelayAdmin, type RelayAdmin } from './admin.js';
import type { RelayContext } from './context.js';
import { sendError } from './http-errors.js';
import { FirmKeyCache } from './firm-cache.js';
import { FirmQuotas } from './firm-quotas.js';
import { FirmSlots } from './firm-slots.js';
import { EventBell } from './long-poll.js';
import { RetentionJob } from './retention.js';
import { registerEventRoutes } from './routes/events.js';
import { registerHookRoutes } from './routes/hooks.js';
import { registerPairRoutes } from './routes/pair.js';
import { registerLeaseRoutes } from '../shared/lease/routes.js';
import { registerBudgetRoutes } from './routes/budget.js';
import { DEFAULT_BUDGET_POLICY, type BudgetConfig, type BudgetPolicy } from '../shared/budget/rules.js';
import { hashToken } from './tokens.js';
import { firmForRequest } from './routes/auth.js';
import { DEFAULT_LEASE_POLICY, type LeasePolicy } from '../shared/lease/rules.js';
import { openStorage } from './storage/open.js';

export interface RelayServerOptions {
  /** 'sqlite:/path/relay.sqlite' | 'sqlite::memory:' | 'postgres://user@host:port/db' */
  storage: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (a free port). The CLI defaults to 8787. */
  port?: number;
  /** Base URL Smokeball and Case Status call (the proxy's https URL); default the listen URL. */
  publicUrl?: string;
  /** The app's Smokeball OAuth client id: the ClientId part of Smokeball webhook signatures. */
  smokeballClientId: string;
  /** Default 7. */
  retentionDays?: number;
  /**
   * Pairing-code exchanges (`POST /v1/pair`) one client address may try per minute. Default 10: a person typing a
   * code needs a few; guessing needs billions.
   */
  pairAttemptsPerMinute?: number;
  /**
   * Take the client address from `X-Forwarded-For` (the relay runs behind a load balancer or TLS proxy). Default
   * false: the socket's address. Behind a proxy without it, every client shares the proxy's address and its limits.
   */
  trustProxy?: boolean;
  /** Default 64 KiB (real webhooks are a few KiB); larger webhook bodies get 413. */
  maxBodyBytes?: number;
  /** A page of events stops at this many bytes of bodies. Default 1 MiB. */
  maxPageBytes?: number;
  /** Events one firm may hold at once; beyond it webhooks get 429. Default 50,000. */
  maxStoredEventsPerFirm?: number;
  /** Body bytes one firm may hold at once. Default 128 MiB. */
  maxStoredBytesPerFirm?: number;
  /** Sustained webhooks per second per firm. Default 20. */
  ingestPerSecond?: number;
  /** Webhooks per firm in one burst. Default 200. */
  ingestBurst?: number;
  /** Sustained bytes of webhook bodies per second per firm (real webhooks are a few KiB). Default 256 KiB. */
  ingestBytesPerSecond?: number;
  /** Bytes of webhook bodies per firm in one burst; at least maxBodyBytes. Default 2 MiB. */
  ingestBurstBytes?: number;
  /** Concurrent long polls per firm token. Default 4. */
  maxLongPollsPerFirm?: number;
  /** Smokeball webhooks of one firm read, verified and stored at once; more wait in the firm's queue. Default 4. */
  maxConcurrentWebhooksPerFirm?: number;
  /**
   * Webhooks of one firm waiting for a slot (each holds only its socket; beyond it 429). Default 1,000: more
   * than the ingest burst, so a legitimate burst of concurrent deliveries waits instead of being refused.
   */
  maxQueuedWebhooksPerFirm?: number;
  /** Bytes of event bodies one firm may read per second; reads beyond it wait, then get 429. Default 1 MiB. */
  readBytesPerSecond?: number;
  /** Bytes of event bodies one firm may read in one burst. Default 4 MiB. */
  readBurstBytes?: number;
  /** A request's headers and body must arrive within this. Default 15 s. */
  requestTimeoutMs?: number;
  /** A socket with no traffic at all is closed after this (longer than the 30 s long poll). Default 65 s. */
  connectionTimeoutMs?: number;
  /** An idle keep-alive socket is closed after this. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Open connections at once; beyond it new ones are refused. Default 4,000. */
  maxConnections?: number;
  /** Default 300. */
  maxClockSkewSeconds?: number;
  /** Never given tokens, secrets or signatures. */
  logger?: Logger;
  /** How often the retention purge runs. Default 1 hour. */
  retentionIntervalMs?: number;
  /** A long poll re-reads storage at least this often, in case a wake-up was lost. Default 5 s. */
  longPollRecheckMs?: number;
  /** Clock (Unix ms) for receivedAt, the skew check and retention. Default Date.now; tests move it. */
  now?: () => number;
  /** The sync lease's TTL (default 60 s) and allowed client clock skew (default 2 min); tests shorten them. */
  lease?: Partial<LeasePolicy>;
  /**
   * How Smokeball's limit is shared among the firms' hosts (docs/performance.md): `per-firm` (default; each
   * host paces at its own contracted rate) or `shared` (one partner-wide rate and concurrency, default 5/5,
   * divided by rate leases).
   */
  budget?: Partial<BudgetConfig>;
  /** Rate-lease timings (grant TTL, renewal interval, slice); tests shorten them. */
  budgetPolicy?: Partial<BudgetPolicy>;
  /** The operator's token for GET /v1/admin/budget; without it that endpoint answers 404. */
  adminToken?: string;
}

export interface RelayServer {
  url: string;
  admin: RelayAdmin;
  /** Runs the retention purge now; resolves to the number of events deleted. */
  purgeExpired(): Promise<number>;
  close(): Promise<void>;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  retentionDays: 7,
  pairAttemptsPerMinute: 10,
  maxBodyBytes: 64 * 1024,
  maxPageBytes: 1024 * 1024,
  maxStoredEventsPerFirm: 50_000,
  maxStoredBytesPerFirm: 128 * 1024 * 1024,
  ingestPerSecond: 20,
  ingestBurst: 200,
  ingestBytesPerSecond: 256 * 1024,
  ingestBurstBytes: 2 * 1024 * 1024,
  maxLongPollsPerFirm: 4,
  readBytesPerSecond: 1024 * 1024,
  maxConcurrentWebhooksPerFirm: 4,
  maxQueuedWebhooksPerFirm: 1_000,
  readBurstBytes: 4 * 1024 * 1024,
  requestTimeoutMs: 15_000,
  connectionTimeoutMs: 65_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4_000,
  maxClockSkewSeconds: 300,
  retentionIntervalMs: 60 * 60 * 1000,
  longPollRecheckMs: 5_000,
} as const;

/** A setting the relay cannot start with. */
export class RelayConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayConfigError';
  }
}

export async function startRelayServer(options: RelayServerOptions): Promise<RelayServer> {
  const settings = resolve(options);
  const logger = options.logger ?? silentLogger;
  const storage = await openStorage(options.storage, logger);
  const bell = new EventBell();
  const unsubscribe = storage.onRemoteEvent((firmId) => bell.ring(firmId));
  const now = options.now ?? Date.now;
  const ctx: RelayContext = {
    storage,
    bell,
    firmKeys: new FirmKeyCache(storage),
    logger,
    smokeballClientId: settings.smokeballClientId,
    maxClockSkewSeconds: settings.maxClockSkewSeconds,
    maxBodyBytes: settings.maxBodyBytes,
    longPollRecheckMs: settings.longPollRecheckMs,
    maxPageBytes: settings.maxPageBytes,
    quotas: new FirmQuotas(
      storage,
      {
        maxStoredEvents: settings.maxStoredEventsPerFirm,
        maxStoredBytes: settings.maxStoredBytesPerFirm,
        ingestPerSecond: settings.ingestPerSecond,
        ingestBurst: settings.ingestBurst,
        ingestBytesPerSecond: settings.ingestBytesPerSecond,
        ingestBurstBytes: settings.ingestBurstBytes,
        maxLongPolls: settings.maxLongPollsPerFirm,
        readBytesPerSecond: settings.readBytesPerSecond,
        readBurstBytes: settings.readBurstBytes,
      },
      now,
    ),
    ingestSlots: new FirmSlots(settings.maxConcurrentWebhooksPerFirm, settings.maxQueuedWebhooksPerFirm),
    now,
    leasePolicy: { ...DEFAULT_LEASE_POLICY, ...options.lease },
    publicUrl: '',
  };
  let draining = false;
  const app = buildApp(ctx, settings, () => draining);
  const retention = new RetentionJob(storage, settings.retentionDays, settings.retentionIntervalMs, now, logger, () => ctx.quotas.forgetUsage());
  let address: string;
  try {
    address = await app.listen({ host: settings.host, port: settings.port });
  } catch (err) {
    unsubscribe();
    await storage.close();
    throw err;
  }
  const url = address.replace(/\/$/, '');
  ctx.publicUrl = settings.publicUrl ?? url;
  retention.start();
  logger.info('relay listening', { url, publicUrl: ctx.publicUrl, storage: storage.kind });

  let closing: Promise<void> | undefined;
  return {
    url,
    admin: createRelayAdmin(storage, now),
    purgeExpired: () => retention.runOnce(),
    close() {
      closing ??= (async () => {
        await retention.stop();
        // Responses from now on close their connection, so in-flight requests (long polls especially) do not
        // leave keep-alive sockets that hold the server open after they answer.
        draining = true;
        // Answer waiting long polls (empty) so the server can drain instead of waiting out their timeouts.
        bell.shutdown();
        await app.close();
        unsubscribe();
        await storage.close();
        logger.info('relay stopped', { url });
      })();
      return closing;
    },
  };
}

/**
 * The HTTP server with every timeout set: a client that trickles a body or headers is cut off after
 * requestTimeoutMs (checked every second, not Node's default 30 s), an idle socket after connectionTimeoutMs,
 * and at most maxConnections are open at once.
 */
function boundedServer(settings: Settings) {
  return (handler: RequestListener): Server => {
    const server = createServer(
      {
        requestTimeout: settings.requestTimeoutMs,
        headersTimeout: settings.requestTimeoutMs,
        keepAliveTimeout: settings.keepAliveTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, settings.requestTimeoutMs),
      },
      handler,
    );
    server.setTimeout(settings.connectionTimeoutMs);
    server.maxConnections = settings.maxConnections;
    return server;
  };
}

function buildApp(ctx: RelayContext, settings: Settings, draining: () => boolean): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: ctx.maxBodyBytes, trustProxy: settings.trustProxy, serverFactory: boundedServer(settings) });
  app.addHook('onSend', async (_req, reply) => {
    if (draining()) reply.header('connection', 'close');
  });
  // Keep every body as the raw bytes: Case Status signs the exact bytes, and the stored body must be the
  // text as received. The hooks parse JSON themselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, 'payload_too_large', `the body is larger than ${ctx.maxBodyBytes} bytes`);
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendError(reply, status, 'bad_request', err.message);
    ctx.logger.error('relay request failed', { method: req.method, route: req.routeOptions.url, error: err.message });
    return sendError(reply, 500, 'internal_error', 'the relay could not handle the request; try again');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'not_found', `no route for ${req.method} ${req.url.split('?')[0]}`));

  app.get('/healthz', async () => ({ ok: true }));
  registerHookRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerPairRoutes(app, ctx, createRelayAdmin(ctx.storage, ctx.now), settings.pairAttemptsPerMinute);
  registerLeaseRoutes(app, {
    firmOf: async (req) => (await firmForRequest(ctx, req))?.id,
    coordination: ctx.storage.coordination,
    policy: ctx.leasePolicy,
    now: ctx.now,
  });
  registerBudgetRoutes(app, {
    firmOf: async (req) => (await firmForRequest(ctx, req))?.id,
    budget: ctx.storage.budget,
    config: settings.budget,
    policy: settings.budgetPolicy,
    adminTokenHash: settings.adminTokenHash,
    now: ctx.now,
  });
  return app;
}

interface Settings {
  host: string;
  port: number;
  publicUrl: string | undefined;
  smokeballClientId: string;
  retentionDays: number;
  pairAttemptsPerMinute: number;
  trustProxy: boolean;
  maxBodyBytes: number;
  maxClockSkewSeconds: number;
  retentionIntervalMs: number;
  longPollRecheckMs: number;
  maxPageBytes: number;
  maxStoredEventsPerFirm: number;
  maxStoredBytesPerFirm: number;
  ingestPerSecond: number;
  ingestBurst: number;
  ingestBytesPerSecond: number;
  ingestBurstBytes: number;
  maxLongPollsPerFirm: number;
  readBytesPerSecond: number;
  readBurstBytes: number;
  maxConcurrentWebhooksPerFirm: number;
  maxQueuedWebhooksPerFirm: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  budget: BudgetConfig;
  budgetPolicy: BudgetPolicy;
  adminTokenHash: string | undefined;
}

function resolve(o: RelayServerOptions): Settings {
  if (typeof o.smokeballClientId !== 'string' || o.smokeballClientId.trim() === '') {
    throw new RelayConfigError("smokeballClientId is required: the app's Smokeball OAuth client id (it is part of every webhook signature)");
  }
  const positive = (name: string, value: number | undefined, fallback: number, integer = false): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
      throw new RelayConfigError(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
    return v;
  };
  const port = o.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RelayConfigError('port must be an integer from 0 to 65535');
  let publicUrl: string | undefined;
  if (o.publicUrl !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(o.publicUrl);
    } catch {
      throw new RelayConfigError(`publicUrl is not a URL: ${o.publicUrl}`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new RelayConfigError('publicUrl must be an http(s) URL');
    if (parsed.search || parsed.hash) throw new RelayConfigError('publicUrl must not have a query or fragment');
    publicUrl = parsed.toString().replace(/\/+$/, '');
  }
  const maxBodyBytes = positive('maxBodyBytes', o.maxBodyBytes, DEFAULTS.maxBodyBytes, true);
  const ingestBurstBytes = positive('ingestBurstBytes', o.ingestBurstBytes, DEFAULTS.ingestBurstBytes, true);
  // A burst smaller than the body cap would refuse the largest allowed webhook for ever.
  if (ingestBurstBytes < maxBodyBytes) throw new RelayConfigError(`ingestBurstBytes (${ingestBurstBytes}) must be at least maxBodyBytes (${maxBodyBytes})`);
  return {
    host: o.host ?? DEFAULTS.host,
    port,
    publicUrl,
    smokeballClientId: o.smokeballClientId,
    retentionDays: positive('retentionDays', o.retentionDays, DEFAULTS.retentionDays),
    pairAttemptsPerMinute: positive('pairAttemptsPerMinute', o.pairAttemptsPerMinute, DEFAULTS.pairAttemptsPerMinute, true),
    trustProxy: o.trustProxy ?? false,
    maxBodyBytes,
    maxClockSkewSeconds: positive('maxClockSkewSeconds', o.maxClockSkewSeconds, DEFAULTS.maxClockSkewSeconds),
    retentionIntervalMs: positive('retentionIntervalMs', o.retentionIntervalMs, DEFAULTS.retentionIntervalMs, true),
    longPollRecheckMs: positive('longPollRecheckMs', o.longPollRecheckMs, DEFAULTS.longPollRecheckMs, true),
    maxPageBytes: positive('maxPageBytes', o.maxPageBytes, DEFAULTS.maxPageBytes, true),
    maxStoredEventsPerFirm: positive('maxStoredEventsPerFirm', o.maxStoredEventsPerFirm, DEFAULTS.maxStoredEventsPerFirm, true),
    maxStoredBytesPerFirm: positive('maxStoredBytesPerFirm', o.maxStoredBytesPerFirm, DEFAULTS.maxStoredBytesPerFirm, true),
    ingestPerSecond: positive('ingestPerSecond', o.ingestPerSecond, DEFAULTS.ingestPerSecond),
    ingestBurst: positive('ingestBurst', o.ingestBurst, DEFAULTS.ingestBurst, true),
    ingestBytesPerSecond: positive('ingestBytesPerSecond', o.ingestBytesPerSecond, DEFAULTS.ingestBytesPerSecond),
    ingestBurstBytes,
    maxLongPollsPerFirm: positive('maxLongPollsPerFirm', o.maxLongPollsPerFirm, DEFAULTS.maxLongPollsPerFirm, true),
    readBytesPerSecond: positive('readBytesPerSecond', o.readBytesPerSecond, DEFAULTS.readBytesPerSecond),
    readBurstBytes: positive('readBurstBytes', o.readBurstBytes, DEFAULTS.readBurstBytes, true),
    maxConcurrentWebhooksPerFirm: positive('maxConcurrentWebhooksPerFirm', o.maxConcurrentWebhooksPerFirm, DEFAULTS.maxConcurrentWebhooksPerFirm, true),
    maxQueuedWebhooksPerFirm: positive('maxQueuedWebhooksPerFirm', o.maxQueuedWebhooksPerFirm, DEFAULTS.maxQueuedWebhooksPerFirm, true),
    requestTimeoutMs: positive('requestTimeoutMs', o.requestTimeoutMs, DEFAULTS.requestTimeoutMs, true),
    connectionTimeoutMs: positive('connectionTimeoutMs', o.connectionTimeoutMs, DEFAULTS.connectionTimeoutMs, true),
    keepAliveTimeoutMs: positive('keepAliveTimeoutMs', o.keepAliveTimeoutMs, DEFAULTS.keepAliveTimeoutMs, true),
    maxConnections: positive('maxConnections', o.maxConnections, DEFAULTS.maxConnections, true),
    budget: resolveBudget(o.budget, positive),
    budgetPolicy: { ...DEFAULT_BUDGET_POLICY, ...o.budgetPolicy },
    adminTokenHash: resolveAdminToken(o.adminToken),
  };
}

function resolveBudget(
  b: Partial<BudgetConfig> | undefined,
  positive: (name: string, value: number | undefined, fallback: number, integer?: boolean) => number,
): BudgetConfig {
  const mode = b?.mode ?? 'per-firm';
  if (mode !== 'per-firm' && mode !== 'shared') throw new RelayConfigError(`budget mode must be per-firm or shared, got "${String(mode)}"`);
  return { mode, ratePerSecond: positive('budget rate', b?.ratePerSecond, 5), concurrency: positive('budget concurrency', b?.concurrency, 5, true) };
}

function resolveAdminToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  // Short operator tokens are guessable; the token is compared by its sha256 in constant time.
  if (token.length < 24) throw new RelayConfigError('the admin token must be at least 24 characters (e.g. openssl rand -base64 32)');
  return hashToken(token);
}
