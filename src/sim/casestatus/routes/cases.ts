import type { FastifyInstance } from 'fastify';
import { decodeCursor, pageBySeq } from '../cursor.js';
import { notFound } from '../errors.js';
import { caseBatchSchema, caseInputSchema, pageQuerySchema } from '../schemas.js';
import type { FirmState } from '../state/firm-state.js';
import { checkBodyExternalId, parseWith, runBatch } from './parse.js';

const listQuery = pageQuerySchema(500);

export function registerCaseRoutes(app: FastifyInstance, state: FirmState): void {
  app.put<{ Params: { externalId: string } }>('/v1/cases/:externalId', async (request, reply) => {
    const { externalId } = request.params;
    const input = parseWith(caseInputSchema, request.body, 'case');
    checkBodyExternalId(externalId, input.externalId);
    const result = state.upsertCase(externalId, input);
    return reply.code(result.created ? 201 : 200).send(result);
  });

  app.post('/v1/cases/batch', async (request) => {
    const { cases } = parseWith(caseBatchSchema, request.body, 'batch');
    return { results: runBatch(cases, caseInputSchema, 'case', (id, input) => state.upsertCase(id, input)) };
  });

  app.get<{ Params: { externalId: string } }>('/v1/cases/:externalId', async (request) => {
    const record = state.cases.get(request.params.externalId);
    if (!record) throw notFound(`No case with external id ${request.params.externalId}`);
    return state.caseView(record);
  });

  app.get('/v1/cases', async (request) => {
    const { after, limit } = parseWith(listQuery, request.query, 'query');
    return pageBySeq(
      'case',
      state.cases.ordered,
      (c) => c.seq,
      decodeCursor('case', after),
      limit,
      (c) => state.caseView(c),
    );
  });

  app.get('/v1/practice-areas', async () => ({ data: state.practiceAreas.list() }));
}
