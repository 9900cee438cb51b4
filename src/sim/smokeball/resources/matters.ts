/**
 * /matters: list with Smokeball's filters and paging, single matter, and the asynchronous writes
 * (POST/PUT/PATCH/DELETE → 202, applied after the write delay).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MatterStatus } from '../../seed/firm-model.js';
import { QueryCache } from '../collection.js';
import type { MatterFields } from '../domain.js';
import { pageOf, parsePaging } from '../paging.js';
import { badRequest, notFound } from '../problem.js';
import { parseBool, Query } from '../query.js';
import type { StoredMatter } from '../state.js';
import { accept, byCreation, pageContext, parseBody, parseSort, sortBy, updatedAfter, type ApiContext } from './context.js';

const STATUSES: readonly MatterStatus[] = ['Open', 'Pending', 'Closed', 'Deleted', 'Cancelled'];

function canonicalStatus(value: string): MatterStatus | undefined {
  return STATUSES.find((s) => s.toLowerCase() === value.trim().toLowerCase());
}

const status = z.string().transform((v, ctx) => {
  const s = canonicalStatus(v);
  if (!s) {
    ctx.addIssue({ code: 'custom', message: `Status must be one of ${STATUSES.join(', ')}.` });
    return z.NEVER;
  }
  return s;
});
const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'Must be an ISO 8601 date-time.');
const optString = z.string().nullish();

const matterFields = {
  externalSystemId: optString,
  number: optString,
  description: optString,
  openedDate: isoDate.nullish(),
  dateOpened: isoDate.nullish(), // the docs' examples use this name
  closedDate: isoDate.nullish(),
  personResponsibleStaffId: optString,
  personAssistingStaffId: optString,
  isLead: z.boolean().optional(),
};

/** MatterDto: matterTypeId, clientIds and status are required on create/replace. */
const matterDto = z.looseObject({
  ...matterFields,
  matterTypeId: z.string().min(1),
  clientIds: z.array(z.string()),
  otherSideIds: z.array(z.string()).nullish(),
  status,
});

/** MatterDto2 (PATCH): everything optional. */
const matterPatchDto = z.looseObject({
  ...matterFields,
  matterTypeId: z.string().min(1).nullish(),
  clientIds: z.array(z.string()).nullish(),
  otherSideIds: z.array(z.string()).nullish(),
  status: status.nullish(),
});

type MatterBody = z.infer<typeof matterPatchDto>;

/** Body fields → stored fields, leaving out what was not sent. */
function toFields(b: MatterBody): Partial<MatterFields> {
  const f: Partial<MatterFields> = {};
  if (b.externalSystemId != null) f.externalSystemId = b.externalSystemId;
  if (b.number != null) f.number = b.number;
  if (b.description != null) f.description = b.description;
  if (b.matterTypeId != null) f.matterTypeId = b.matterTypeId;
  if (b.clientIds != null) f.clientIds = b.clientIds;
  if (b.otherSideIds != null) f.otherSideIds = b.otherSideIds;
  if (b.status != null) f.status = b.status;
  const opened = b.openedDate ?? b.dateOpened;
  if (opened != null) f.openedDate = new Date(opened).toISOString();
  if (b.closedDate != null) f.closedDate = new Date(b.closedDate).toISOString();
  if (b.personResponsibleStaffId != null) f.personResponsibleStaffId = b.personResponsibleStaffId;
  if (b.personAssistingStaffId != null) f.personAssistingStaffId = b.personAssistingStaffId;
  if (b.isLead !== undefined) f.isLead = b.isLead;
  return f;
}

export function registerMatterRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { state, wire } = ctx;
  const cache = new QueryCache<StoredMatter>();

  function matterOr404(id: string): StoredMatter {
    const m = state.matters.get(id);
    if (!m) throw notFound('Matter', id);
    return m;
  }

  /** The filtered, sorted list for a query (cached until matters or contacts change). */
  function select(q: Query): readonly StoredMatter[] {
    const statuses = q.all('Status').flatMap((s) => s.split(','));
    const wanted = new Set<MatterStatus>();
    for (const s of statuses) {
      const c = canonicalStatus(s);
      if (!c) throw badRequest('Status', `The value '${s}' is not valid for Status.`);
      wanted.add(c);
    }
    const isLeadParam = parseBool(q.get('IsLead'));
    if (isLeadParam === 'invalid') throw badRequest('IsLead', 'IsLead must be true or false.');
    const typeParam = q.get('Type');
    let includeMatters = true;
    let includeLeads = false;
    if (typeParam !== undefined) {
      const parts = new Set(typeParam.split(',').map((p) => p.trim().toLowerCase()));
      if (parts.size === 0 || [...parts].some((p) => p !== 'matters' && p !== 'leads')) {
        throw badRequest('Type', 'Type must be Matters, Leads or Matters,Leads.');
      }
      includeMatters = parts.has('matters');
      includeLeads = parts.has('leads');
    } else if (isLeadParam === true) {
      includeMatters = false;
      includeLeads = true;
    }
    const after = updatedAfter(q);
    const sort = parseSort(q.get('Sort'), ['status', 'lastUpdated']);
    const matterTypeId = q.get('MatterTypeId');
    const contactId = q.get('ContactId');
    const search = q.get('Search')?.toLowerCase();

    const key = JSON.stringify([[...wanted].sort(), includeMatters, includeLeads, after?.toString(), sort, matterTypeId, contactId, search]);
    return cache.get(key, `${state.matters.version}:${search ? state.contacts.version : 0}`, () => {
      const candidates: readonly StoredMatter[] = after === undefined ? state.matters.all() : byCreation(state.mattersByUpdated.after(after));
      const out = candidates.filter((m) => {
        if (m.isLead ? !includeLeads : !includeMatters) return false;
        if (wanted.size > 0 && !wanted.has(m.status)) return false;
        if (matterTypeId !== undefined && m.matterTypeId !== matterTypeId) return false;
        if (contactId !== undefined && !m.clientIds.includes(contactId) && !m.otherSideIds.includes(contactId)) return false;
        if (search !== undefined && !matchesSearch(m, search)) return false;
        return true;
      });
      return sortBy(out, sort, (m, field) => (field === 'status' ? m.status : m.lastUpdated));
    });
  }

  /** Free text over number, title, description and client/other-side names (Smokeball's matter Search). */
  function matchesSearch(m: StoredMatter, needle: string): boolean {
    if (`${m.number}\n${m.title}\n${m.description}`.toLowerCase().includes(needle)) return true;
    return [...m.clientIds, ...m.otherSideIds].some((id) => {
      const c = state.contacts.get(id);
      const name = c?.person ? `${c.person.firstName} ${c.person.lastName}` : (c?.company?.name ?? '');
      return name.toLowerCase().includes(needle);
    });
  }

  app.get('/matters', async (request) => {
    const q = new Query(request.url);
    const paging = parsePaging(q);
    const items = select(q);
    const withItems = (q.get('Fields') ?? '').toLowerCase().split(',').includes('items');
    return pageOf(items, paging, pageContext(ctx, request, q), (m) => wire.matter(m, { items: withItems }));
  });

  app.get('/matters/:matterId', async (request) => {
    const { matterId } = request.params as { matterId: string };
    return wire.matter(matterOr404(matterId), { items: true });
  });

  app.post('/matters', async (request, reply) => {
    const body = parseBody(matterDto, request.body);
    const id = randomUUID();
    const fields = toFields(body);
    return accept(ctx, request, reply, { id, href: wire.href(`/matters/${id}`) }, (change) => {
      ctx.domain.createMatter({ ...fields, id, matterTypeId: body.matterTypeId, clientIds: body.clientIds, status: body.status }, change);
    });
  });

  app.put('/matters/:matterId', async (request, reply) => {
    const { matterId } = request.params as { matterId: string };
    const matter = matterOr404(matterId);
    const body = parseBody(matterDto, request.body);
    if (body.isLead === true && !matter.isLead) throw badRequest('isLead', 'A matter cannot be converted back to a lead.');
    // PUT cannot change the matter's clients or other sides.
    const { clientIds: _c, otherSideIds: _o, ...fields } = toFields(body);
    return accept(ctx, request, reply, { id: matterId, href: wire.href(`/matters/${matterId}`) }, (change) => {
      ctx.domain.updateMatter(matter, fields, change);
    });
  });

  app.patch('/matters/:matterId', async (request, reply) => {
    const { matterId } = request.params as { matterId: string };
    const matter = matterOr404(matterId);
    const body = parseBody(matterPatchDto, request.body);
    if (body.isLead === true && !matter.isLead) throw badRequest('isLead', 'A matter cannot be converted back to a lead.');
    const fields = toFields(body);
    return accept(ctx, request, reply, { id: matterId, href: wire.href(`/matters/${matterId}`) }, (change) => {
      ctx.domain.updateMatter(matter, fields, change);
    });
  });

  app.delete('/matters/:matterId', async (request, reply) => {
    const { matterId } = request.params as { matterId: string };
    const matter = matterOr404(matterId);
    return accept(ctx, request, reply, { id: matterId, href: wire.href(`/matters/${matterId}`) }, (change) => {
      ctx.domain.updateMatter(matter, { status: 'Deleted' }, change);
    });
  });
}
