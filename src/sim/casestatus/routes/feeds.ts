import type { FastifyInstance } from 'fastify';
import { decodeCursor, pageBySeq } from '../cursor.js';
import { notFound } from '../errors.js';
import { pageQuerySchema } from '../schemas.js';
import type { FirmState } from '../state/firm-state.js';
import type { DocumentView, Page } from '../wire.js';
import { parseWith } from './parse.js';
import { applyFeedOverride } from '../feed-overrides.js';

const feedQuery = pageQuerySchema(200);

/** Messages and documents: firm-wide feeds and per-case lists, all paged by the same opaque cursors. */
export function registerFeedRoutes(app: FastifyInstance, state: FirmState): void {
  const caseOr404 = (externalId: string): void => {
    if (!state.cases.get(externalId)) throw notFound(`No case with external id ${externalId}`);
  };

  // Test hook (feed-overrides.ts): a bad-input test may serve a malformed item instead of the real one.
  const message = (port: number | undefined) => (v: Parameters<FirmState['messageView']>[0]) => applyFeedOverride(port, 'message', state.messageView(v));
  const document = (port: number | undefined) => async (v: Parameters<FirmState['documentView']>[0]) =>
    applyFeedOverride(port, 'document', await state.documentView(v));

  app.get('/v1/messages', async (request) => {
    const { after, limit } = parseWith(feedQuery, request.query, 'query');
    return pageBySeq('msg', state.messages.visible, (v) => v.seq, decodeCursor('msg', after), limit, message(request.socket.localPort));
  });

  app.get<{ Params: { externalId: string } }>('/v1/cases/:externalId/messages', async (request) => {
    const { after, limit } = parseWith(feedQuery, request.query, 'query');
    caseOr404(request.params.externalId);
    const items = state.messages.forCase(request.params.externalId);
    return pageBySeq('msg', items, (v) => v.seq, decodeCursor('msg', after), limit, message(request.socket.localPort));
  });

  app.get('/v1/documents', async (request) => {
    const { after, limit } = parseWith(feedQuery, request.query, 'query');
    const page = pageBySeq('doc', state.documents.visible, (v) => v.seq, decodeCursor('doc', after), limit, document(request.socket.localPort));
    return resolvePage(page);
  });

  app.get<{ Params: { externalId: string } }>('/v1/cases/:externalId/documents', async (request) => {
    const { after, limit } = parseWith(feedQuery, request.query, 'query');
    caseOr404(request.params.externalId);
    const items = state.documents.forCase(request.params.externalId);
    return resolvePage(pageBySeq('doc', items, (v) => v.seq, decodeCursor('doc', after), limit, document(request.socket.localPort)));
  });

  app.get<{ Params: { id: string } }>('/v1/documents/:id', async (request) => {
    const v = state.documents.get(request.params.id);
    if (!v) throw notFound(`No document with id ${request.params.id}`);
    return document(request.socket.localPort)(v);
  });

  app.get<{ Params: { id: string } }>('/v1/documents/:id/content', async (request, reply) => {
    const v = state.documents.get(request.params.id);
    if (!v) throw notFound(`No document with id ${request.params.id}`);
    const view = await state.documentView(v);
    // Streamed: a large file never sits in memory. The digest is also sent so a client can check the bytes.
    return reply
      .header('content-length', String(view.sizeBytes))
      .header('content-disposition', contentDisposition(view.fileName))
      .header('etag', `"${view.sha256}"`)
      .header('x-content-sha256', view.sha256)
      .type(view.contentType)
      .send(state.documentStream(v.item));
  });
}

async function resolvePage(page: Page<Promise<DocumentView>>): Promise<Page<DocumentView>> {
  return { ...page, data: await Promise.all(page.data) };
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name (file names may be awkward). */
function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${rfc5987(fileName)}`;
}

function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
