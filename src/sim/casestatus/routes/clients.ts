import type { FastifyInstance } from 'fastify';
import { decodeCursor, pageBySeq } from '../cursor.js';
import { notFound } from '../errors.js';
import { clientBatchSchema, clientInputSchema, pageQuerySchema } from '../schemas.js';
import { clientView } from '../state/clients.js';
import type { FirmState } from '../state/firm-state.js';
import { checkBodyExternalId, parseWith, runBatch } from './parse.js';

const listQuery = pageQuerySchema(500);

export function registerClientRoutes(app: FastifyInstance, state: FirmState): void {
  app.put<{ Params: { externalId: string } }>('/v1/clients/:externalId', async (request, reply) => {
    const { externalId } = request.params;
    const input = parseWith(clientInputSchema, request.body, 'client');
    checkBodyExternalId(externalId, input.externalId);
    const result = state.upsertClient(externalId, input);
    return reply.code(result.created ? 201 : 200).send(result);
  });

  app.post('/v1/clients/batch', async (request) => {
    const { clients } = parseWith(clientBatchSchema, request.body, 'batch');
    return { results: runBatch(clients, clientInputSchema, 'client', (id, input) => state.upsertClient(id, input)) };
  });

  app.get<{ Params: { externalId: string } }>('/v1/clients/:externalId', async (request) => {
    const record = state.clients.get(request.params.externalId);
    if (!record) throw notFound(`No client with external id ${request.params.externalId}`);
    return clientView(record);
  });

  app.get('/v1/clients', async (request) => {
    const { after, limit } = parseWith(listQuery, request.query, 'query');
    return pageBySeq('client', state.clients.ordered, (c) => c.seq, decodeCursor('client', after), limit, clientView);
  });
}
