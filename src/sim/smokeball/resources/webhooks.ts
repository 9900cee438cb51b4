/**
 * /webhooks: subscription management. Unlike domain writes these are synchronous: create/update return
 * 200 with the subscription (echoing `key`, as the docs' example does; GET never returns it).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { callerOf } from '../gateway.js';
import { pageOf, parsePaging } from '../paging.js';
import { notFound, validationProblem, type FieldError } from '../problem.js';
import { Query } from '../query.js';
import { WEBHOOK_EVENT_TYPES, type SubscriptionRecord } from '../webhooks.js';
import { pageContext, parseBody, type ApiContext } from './context.js';

const subscriptionDto = z.looseObject({
  key: z.string().nullish(),
  name: z.string().nullish(),
  eventTypes: z.array(z.string(), { error: 'The EventTypes field is required.' }),
  eventNotificationUrl: z.string({ error: 'The EventNotificationUrl field is required.' }),
});

type SubscriptionBody = z.infer<typeof subscriptionDto>;

function validate(body: SubscriptionBody): void {
  const errors: FieldError[] = [];
  if (body.eventTypes.length === 0) errors.push({ field: 'eventTypes', message: 'At least one event type is required.' });
  for (const t of body.eventTypes) {
    if (!WEBHOOK_EVENT_TYPES.includes(t)) errors.push({ field: 'eventTypes', message: `Unknown event type '${t}'.` });
  }
  let url: URL | undefined;
  try {
    url = new URL(body.eventNotificationUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    errors.push({ field: 'eventNotificationUrl', message: 'EventNotificationUrl must be an absolute http(s) URL.' });
  }
  if (errors.length > 0) throw validationProblem(errors);
}

export function registerWebhookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { webhooks, wire } = ctx;

  function subscriptionOr404(id: string): SubscriptionRecord {
    const sub = webhooks.get(id);
    if (!sub) throw notFound('WebhookSubscription', id);
    return sub;
  }

  app.get('/webhooks/types', async () => ({ value: [...WEBHOOK_EVENT_TYPES] }));

  app.get('/webhooks', async (request) => {
    const q = new Query(request.url);
    const paging = parsePaging(q);
    return pageOf(webhooks.list(), paging, pageContext(ctx, request, q), (s) => wire.subscription(s, false));
  });

  app.post('/webhooks', async (request) => {
    const body = parseBody(subscriptionDto, request.body);
    validate(body);
    const sub = webhooks.create(body, callerOf(request).grantId);
    return wire.subscription(sub, true);
  });

  app.get('/webhooks/:id', async (request) => wire.subscription(subscriptionOr404((request.params as { id: string }).id), false));

  app.put('/webhooks/:id', async (request) => {
    const sub = subscriptionOr404((request.params as { id: string }).id);
    const body = parseBody(subscriptionDto, request.body);
    validate(body);
    return wire.subscription(webhooks.update(sub, body), true);
  });

  app.delete('/webhooks/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    subscriptionOr404(id);
    webhooks.delete(id);
    return reply.code(200).send();
  });

  /** A `noop` test event to this subscription. */
  app.post('/webhooks/:id/notify', async (request, reply) => {
    const sub = subscriptionOr404((request.params as { id: string }).id);
    const caller = callerOf(request);
    webhooks.notify(sub, {
      type: 'noop',
      source: 'API',
      requestId: caller.requestId,
      userId: caller.userId,
      payload: { id: randomUUID() },
      occurredAt: ctx.state.clock.next(),
    });
    return reply.code(200).send();
  });
}
