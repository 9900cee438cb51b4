/**
 * The control surface over HTTP under /_sim (JSON; no API key; never faulted, throttled or counted), so a
 * CLI demo or a child process can drive the simulator. Errors: 400/404 {"error": "..."}.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FaultInjector } from '../common/faults.js';
import type { RequestStats } from '../common/request-stats.js';
import { ApplyError } from './domain.js';
import { UnknownIdError, type SmokeballControl } from './control.js';

const phone = z.object({ areaCode: z.string().optional(), number: z.string().optional() });
const person = z.looseObject({ firstName: z.string(), lastName: z.string(), email: z.string().optional(), phone: phone.optional(), cell: phone.optional() });
const company = z.looseObject({ name: z.string(), email: z.string().optional(), phone: phone.optional() });
const contactInput = z.object({
  id: z.string().optional(),
  externalSystemId: z.string().nullable().optional(),
  person: person.optional(),
  company: company.optional(),
});
const status = z.enum(['Open', 'Pending', 'Closed', 'Deleted', 'Cancelled']);
const matterPartial = z.object({
  number: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  status: status.optional(),
  matterTypeId: z.string().optional(),
  clientIds: z.array(z.string()).optional(),
  otherSideIds: z.array(z.string()).optional(),
  personResponsibleStaffId: z.string().nullable().optional(),
  personAssistingStaffId: z.string().nullable().optional(),
  openedDate: z.string().optional(),
  closedDate: z.string().nullable().optional(),
  isLead: z.boolean().optional(),
  externalSystemId: z.string().nullable().optional(),
});
const rate = z.object({ ratePerSecond: z.number().positive().optional(), burst: z.number().positive().optional(), sendRetryAfter: z.boolean().optional() });
const rateShare = z.number().min(0).max(1);
const faults = z.object({
  latencyMs: z.number().min(0).optional(),
  latencyJitterMs: z.number().min(0).optional(),
  serverErrorRate: rateShare.optional(),
  resetRate: rateShare.optional(),
  hangRate: rateShare.optional(),
  pathPrefixes: z.array(z.string()).optional(),
});
const webhookFaults = z.object({
  duplicateRate: rateShare.optional(),
  reorderRate: rateShare.optional(),
  dropRate: rateShare.optional(),
  retries: z.number().int().min(0).optional(),
  retryBackoffMs: z.number().min(0).optional(),
  timeoutMs: z.number().positive().optional(),
  holdBackMs: z.number().min(0).optional(),
});

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new ControlInputError(r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

class ControlInputError extends Error {}

/** Drops keys whose value is undefined (zod keeps them as absent; Partial<> callers expect that). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export interface ControlRouteDeps {
  control: SmokeballControl;
  stats: RequestStats;
  faults: FaultInjector;
  info: () => Record<string, unknown>;
}

export function registerControlRoutes(app: FastifyInstance, deps: ControlRouteDeps): void {
  const { control } = deps;

  app.register(
    async (sim) => {
      sim.setErrorHandler((error, _request, reply) => {
        if (error instanceof UnknownIdError) return reply.code(404).send({ error: error.message });
        if (error instanceof ControlInputError || error instanceof ApplyError) return reply.code(400).send({ error: error.message });
        const status = (error as { statusCode?: number }).statusCode ?? 500;
        return reply.code(status).send({ error: (error as Error).message });
      });

      sim.get('/', async () => deps.info());

      sim.get('/stats', async () => ({
        ...deps.stats.toJSON(),
        peakPerSecond: deps.stats.peakInWindow(1000),
        faultsInjected: { ...deps.faults.injected },
        pendingWrites: control.pendingWrites,
        pendingDeliveries: control.pendingDeliveries,
      }));
      sim.post('/stats/reset', async () => {
        deps.stats.reset();
        return { ok: true };
      });

      sim.post('/tokens', async () => control.issueTokens());
      sim.post('/tokens/expire', async () => {
        control.expireAccessTokens();
        return { ok: true };
      });
      sim.post('/tokens/revoke', async (request) => {
        const { refreshToken } = parse(z.object({ refreshToken: z.string() }), request.body);
        return { revoked: control.revokeRefreshToken(refreshToken) };
      });

      sim.get('/faults', async () => ({ ...deps.faults.config, injected: { ...deps.faults.injected } }));
      sim.put('/faults', async (request) => {
        control.setFaults(defined(parse(faults, request.body)));
        return deps.faults.config;
      });
      sim.get('/webhook-faults', async () => control.webhookFaults);
      sim.put('/webhook-faults', async (request) => {
        control.setWebhookFaults(defined(parse(webhookFaults, request.body)));
        return control.webhookFaults;
      });
      sim.get('/rate-limit', async () => control.rateLimit);
      sim.put('/rate-limit', async (request) => {
        control.setRateLimit(defined(parse(rate, request.body)));
        return control.rateLimit;
      });
      sim.put('/write-delay', async (request) => {
        const { ms } = parse(z.object({ ms: z.number().min(0) }), request.body);
        control.setWriteDelay(ms);
        return { ms };
      });

      sim.post('/matters', async (request) => ({
        id: control.createMatter(defined(parse(matterPartial.extend({ stageId: z.string().optional() }), request.body))),
      }));
      sim.get('/matters/:id', async (request) => control.matter((request.params as { id: string }).id));
      sim.patch('/matters/:id', async (request) => {
        const { id } = request.params as { id: string };
        control.updateMatter(id, defined(parse(matterPartial, request.body)));
        return control.matter(id);
      });
      sim.post('/matters/:id/stage', async (request) => {
        const { id } = request.params as { id: string };
        control.changeMatterStage(id, parse(z.object({ stageId: z.string() }), request.body).stageId);
        return control.matter(id);
      });
      sim.post('/matters/:id/close', async (request) => {
        const { id } = request.params as { id: string };
        control.closeMatter(id);
        return control.matter(id);
      });
      sim.post('/matters/:id/clients', async (request) => {
        const { id } = request.params as { id: string };
        const body = parse(z.union([z.object({ contactId: z.string() }), contactInput]), request.body);
        const contactId = 'contactId' in body ? control.addClientToMatter(id, body.contactId) : control.addClientToMatter(id, defined(body));
        return { contactId };
      });
      sim.patch('/contacts/:id', async (request) => {
        const { id } = request.params as { id: string };
        const body = parse(contactInput.extend({ isDeleted: z.boolean().optional() }).omit({ id: true }), request.body);
        control.updateContact(id, defined(body));
        return { ok: true };
      });

      sim.get('/matters/:id/memos', async (request) => control.memos((request.params as { id: string }).id));
      sim.get('/matters/:id/folders', async (request) => control.folders((request.params as { id: string }).id));
      sim.get('/matters/:id/files', async (request) => control.files((request.params as { id: string }).id));
      sim.get('/webhooks', async () => control.webhookSubscriptions());
      sim.get('/deliveries', async () => control.deliveries());
      sim.post('/idle', async () => {
        await control.whenIdle();
        return { ok: true };
      });
    },
    { prefix: '/_sim' },
  );
}
