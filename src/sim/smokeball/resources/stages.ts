/**
 * Stages: /stagesets (+ stages), a matter's current stage (/matters/{id}/stages, 404 without stage info)
 * and the firm-wide MatterStage list /stages for incremental sync. There is no write endpoint for a
 * matter's stage (as in the spec); stages change only through the control surface.
 */
import type { FastifyInstance } from 'fastify';
import { pageOf, parsePaging } from '../paging.js';
import { notFound } from '../problem.js';
import { Query } from '../query.js';
import type { StoredMatterStage, StoredStageSet } from '../state.js';
import { byCreation, pageContext, updatedAfter, type ApiContext } from './context.js';

export function registerStageRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { state, wire } = ctx;

  app.get('/stagesets', async (request) => {
    const q = new Query(request.url);
    const paging = parsePaging(q);
    const after = updatedAfter(q);
    const items: readonly StoredStageSet[] = after === undefined ? state.stageSets.all() : byCreation(state.stageSetsByUpdated.after(after));
    return pageOf(items, paging, pageContext(ctx, request, q), (s) => wire.stageSet(s));
  });

  app.get('/stagesets/:id', async (request) => {
    const { id } = request.params as { id: string };
    const set = state.stageSets.get(id);
    if (!set) throw notFound('StageSet', id);
    return wire.stageSet(set);
  });

  app.get('/stagesets/:stageSetId/stages/:id', async (request) => {
    const { stageSetId, id } = request.params as { stageSetId: string; id: string };
    const found = state.stages.get(id);
    if (!found || found.stageSetId !== stageSetId) throw notFound('Stage', id);
    return wire.stage(stageSetId, found.stage);
  });

  app.get('/matters/:matterId/stages', async (request) => {
    const { matterId } = request.params as { matterId: string };
    if (!state.matters.get(matterId)) throw notFound('Matter', matterId);
    const ms = state.matterStageByMatter.get(matterId);
    if (!ms) throw notFound('MatterStage', matterId);
    return wire.matterStage(ms);
  });

  app.get('/stages', async (request) => {
    const q = new Query(request.url);
    const paging = parsePaging(q);
    const after = updatedAfter(q);
    const items: readonly StoredMatterStage[] = after === undefined ? state.matterStages.all() : byCreation(state.matterStagesByUpdated.after(after));
    return pageOf(items, paging, pageContext(ctx, request, q), (ms) => wire.matterStage(ms));
  });
}
