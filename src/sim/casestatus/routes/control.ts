import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CaseStatusControl, ControlDeps } from '../control.js';
import { addDocumentSchema, addMessageSchema, externalIdSchema, portalCaseUpdateSchema } from '../schemas.js';
import { parseWith } from './parse.js';

const rate = z.number().min(0).max(1);
const faultsSchema = z.object({
  latencyMs: z.number().min(0).optional(),
  latencyJitterMs: z.number().min(0).optional(),
  serverErrorRate: rate.optional(),
  resetRate: rate.optional(),
  hangRate: rate.optional(),
  pathPrefixes: z.array(z.string()).optional(),
});
const rateLimitSchema = z.union([z.object({ ratePerSecond: z.number().positive(), burst: z.number().int().min(1) }), z.object({ enabled: z.literal(false) })]);
const webhookSchema = z.object({ url: z.url().nullable(), secret: z.string().min(1).optional() });
const eventFaultsSchema = z.object({ duplicateRate: rate.optional(), dropRate: rate.optional() });
const apiKeySchema = z.object({ apiKey: z.string().min(1) });

/**
 * The control API under /_sim/: no auth, no faults, no rate limit, not counted in request stats.
 * For demos and tests that drive the simulator from outside the process.
 */
export function registerControlRoutes(app: FastifyInstance, control: CaseStatusControl, deps: ControlDeps): void {
  const { stats, faults, limiter, events, state } = deps;

  app.get('/_sim/stats', async () => ({
    requests: stats.toJSON(),
    peakRequestsPerSecond: stats.peakInWindow(1000),
    faults: { config: faults.config, injected: faults.injected },
    rateLimit: limiter.current,
    events: events.stats,
    counts: {
      clients: state.clients.size,
      cases: state.cases.size,
      stageChanges: state.cases.stageChanges.length,
      messages: { visible: state.messages.visible.length, pending: state.messages.pendingCount },
      documents: { visible: state.documents.visible.length, pending: state.documents.pendingCount },
    },
  }));
  app.post('/_sim/stats/reset', async () => {
    stats.reset();
    return { ok: true };
  });

  app.get('/_sim/cases', async () => ({ data: [...control.cases().values()] }));
  app.get('/_sim/clients', async () => ({ data: [...control.clients().values()] }));
  app.get('/_sim/stage-changes', async () => ({ data: control.stageChanges() }));
  app.get('/_sim/events', async () => ({ data: control.events() }));
  app.get('/_sim/events/idle', async () => {
    await control.whenIdle();
    return { ok: true };
  });

  app.post('/_sim/messages', async (request, reply) => {
    const input = parseWith(addMessageSchema, request.body, 'message');
    return reply.code(201).send(control.addMessage(input));
  });
  app.post('/_sim/documents', { bodyLimit: 256 * 1024 * 1024 }, async (request, reply) => {
    const { contentBase64, ...input } = parseWith(addDocumentSchema, request.body, 'document');
    const content = contentBase64 === undefined ? undefined : Buffer.from(contentBase64, 'base64');
    return reply.code(201).send(control.addDocument({ ...input, ...(content ? { content } : {}) }));
  });
  app.patch<{ Params: { externalId: string } }>('/_sim/cases/:externalId', async (request) => {
    const externalId = parseWith(externalIdSchema, request.params.externalId, 'external id');
    return control.updateCase(externalId, parseWith(portalCaseUpdateSchema, request.body, 'case update'));
  });

  app.put('/_sim/faults', async (request) => {
    faults.set(parseWith(faultsSchema, request.body, 'faults'));
    return faults.config;
  });
  app.put('/_sim/rate-limit', async (request) => {
    const body = parseWith(rateLimitSchema, request.body, 'rate limit');
    control.setRateLimit('enabled' in body ? false : body);
    return { rateLimit: limiter.current };
  });
  app.put('/_sim/api-key', async (request) => {
    control.setApiKey(parseWith(apiKeySchema, request.body, 'api key').apiKey);
    return { ok: true };
  });
  app.put('/_sim/event-webhook', async (request) => {
    const { url, secret } = parseWith(webhookSchema, request.body, 'event webhook');
    control.setEventWebhook(url, secret);
    return { url };
  });
  app.put('/_sim/event-faults', async (request) => {
    control.setEventFaults(parseWith(eventFaultsSchema, request.body, 'event faults'));
    return events.faults;
  });
}
