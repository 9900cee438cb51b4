/** Read-only firm directory: /staff, /mattertypes and /firm. */
import type { FastifyInstance } from 'fastify';
import { pageOf, parsePaging } from '../paging.js';
import { badRequest, notFound } from '../problem.js';
import { Query } from '../query.js';
import { compileSearch } from '../search.js';
import type { StoredMatterType, StoredStaff } from '../state.js';
import { pageContext, type ApiContext } from './context.js';

export function registerDirectoryRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { state, wire } = ctx;

  app.get('/staff', async (request) => {
    const q = new Query(request.url);
    const paging = parsePaging(q);
    const terms = q.all('Search');
    const search = compileSearch<StoredStaff>(terms, {
      name: (s) => [`${s.firstName} ${s.lastName}`],
      email: (s) => [s.email],
    });
    const items = terms.length === 0 ? state.staff.all() : state.staff.all().filter(search);
    return pageOf(items, paging, pageContext(ctx, request, q), (s) => wire.staff(s));
  });

  app.get('/staff/:id', async (request) => {
    const { id } = request.params as { id: string };
    const s = state.staff.get(id);
    if (!s) throw notFound('Staff', id);
    return wire.staff(s);
  });

  app.get('/mattertypes', async (request) => {
    const q = new Query(request.url);
    const paging = parsePaging(q);
    const name = q.get('Name')?.toLowerCase();
    const location = q.get('Location')?.toLowerCase();
    const category = q.get('Category')?.toLowerCase();
    const typeParam = q.get('Type');
    if (typeParam !== undefined && typeParam !== '0' && typeParam !== '1') throw badRequest('Type', 'Type must be 0 (matter) or 1 (lead).');
    const items = state.matterTypes
      .all()
      .filter(
        (t: StoredMatterType) =>
          (name === undefined || t.name.toLowerCase().includes(name)) &&
          (location === undefined || t.location.toLowerCase() === location) &&
          (category === undefined || t.category.toLowerCase() === category) &&
          (typeParam === undefined || String(t.type) === typeParam),
      );
    return pageOf(items, paging, pageContext(ctx, request, q), (t) => wire.matterType(t));
  });

  app.get('/mattertypes/:id', async (request) => {
    const { id } = request.params as { id: string };
    const t = state.matterTypes.get(id);
    if (!t) throw notFound('MatterType', id);
    return wire.matterType(t);
  });

  app.get('/firm', async () => ({
    href: wire.href('/firm'),
    id: state.accountId,
    versionId: state.accountId,
    name: state.firmName,
    status: { status: 'Active' },
  }));
}
