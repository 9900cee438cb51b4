/** /contacts: list (UpdatedSince, Type, ExcludeDeletedContacts, Search, Sort), single, batch and writes. */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CompanyDetails, PersonDetails } from '../../seed/firm-model.js';
import { QueryCache } from '../collection.js';
import { pageOf, parsePaging } from '../paging.js';
import { badRequest, notFound, validationProblem } from '../problem.js';
import { parseBool, Query } from '../query.js';
import { compileSearch } from '../search.js';
import type { StoredContact } from '../state.js';
import { accept, byCreation, pageContext, parseBody, parseSort, sortBy, updatedAfter, type ApiContext } from './context.js';

const MAX_BATCH = 500;

const phone = z.looseObject({ areaCode: z.string().nullish(), number: z.string().nullish() });
const person = z.looseObject({
  title: z.string().nullish(),
  firstName: z.string().nullish(),
  middleName: z.string().nullish(),
  lastName: z.string().nullish(),
  email: z.string().nullish(),
  phone: phone.nullish(),
  cell: phone.nullish(),
});
const company = z.looseObject({ name: z.string().nullish(), email: z.string().nullish(), phone: phone.nullish() });
const contactDto = z.looseObject({
  externalSystemId: z.string().nullish(),
  person: person.nullish(),
  company: company.nullish(),
  trust: z.unknown().optional(),
  groupOfPeople: z.unknown().optional(),
  isDeleted: z.boolean().optional(),
});
const batchDto = z.looseObject({ ids: z.array(z.string()) });

type PhoneBody = z.infer<typeof phone> | null | undefined;

function toPhone(p: PhoneBody): { areaCode?: string; number?: string } | undefined {
  if (!p) return undefined;
  return { ...(p.areaCode ? { areaCode: p.areaCode } : {}), ...(p.number ? { number: p.number } : {}) };
}

function stripNulls<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/** Validates the contact body: exactly one kind, with a name. [GUESS] on which fields are required. */
function toContactFields(body: z.infer<typeof contactDto>): { person?: PersonDetails; company?: CompanyDetails; externalSystemId: string | null } {
  const kinds = [body.person, body.company, body.trust, body.groupOfPeople].filter((k) => k !== undefined && k !== null);
  if (kinds.length !== 1) throw badRequest('body', 'Exactly one of person, company, trust or groupOfPeople must be supplied.');
  if (body.trust != null || body.groupOfPeople != null) {
    throw badRequest('body', 'The simulator supports person and company contacts only.');
  }
  const externalSystemId = body.externalSystemId ?? null;
  if (body.person) {
    const p = body.person;
    if (!p.firstName && !p.lastName) throw validationProblem([{ field: 'person.lastName', message: 'A person needs a first or last name.' }]);
    return {
      externalSystemId,
      person: stripNulls({
        ...p,
        firstName: p.firstName ?? '',
        lastName: p.lastName ?? '',
        phone: toPhone(p.phone),
        cell: toPhone(p.cell),
      }) as PersonDetails,
    };
  }
  const c = body.company as z.infer<typeof company>;
  if (!c.name) throw validationProblem([{ field: 'company.name', message: 'The company name is required.' }]);
  return { externalSystemId, company: stripNulls({ ...c, name: c.name, phone: toPhone(c.phone) }) as CompanyDetails };
}

const TYPES = ['Staff', 'Person', 'Organisation', 'GroupOfPeople', 'Trust'] as const;

function contactName(c: StoredContact): string {
  if (c.person) return [c.person.firstName, c.person.middleName, c.person.lastName].filter(Boolean).join(' ');
  return c.company?.name ?? '';
}

function contactPhones(c: StoredContact): string[] {
  const phones = c.person ? [c.person.phone, c.person.cell] : [c.company?.phone];
  return phones.filter((p) => p !== undefined).map((p) => `${p?.areaCode ?? ''}${p?.number ?? ''}`);
}

export function registerContactRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { state, wire } = ctx;
  const cache = new QueryCache<StoredContact>();

  function select(q: Query): readonly StoredContact[] {
    const after = updatedAfter(q, false);
    const exclude = parseBool(q.get('ExcludeDeletedContacts'));
    if (exclude === 'invalid') throw badRequest('ExcludeDeletedContacts', 'ExcludeDeletedContacts must be true or false.');
    const types = new Set<string>();
    for (const t of q.all('Type').flatMap((v) => v.split(','))) {
      const canonical = TYPES.find((x) => x.toLowerCase() === t.trim().toLowerCase());
      if (!canonical) throw badRequest('Type', `The value '${t}' is not valid for Type. Allowed: ${TYPES.join(', ')}.`);
      types.add(canonical);
    }
    const terms = q.all('Search');
    const search = compileSearch<StoredContact>(terms, {
      name: (c) => [contactName(c)],
      email: (c) => [c.person?.email ?? c.company?.email ?? ''],
      phone: contactPhones,
    });
    const sort = parseSort(q.get('Sort'), ['lastUpdated']);
    const key = JSON.stringify([after?.toString(), exclude, [...types].sort(), terms, sort]);
    return cache.get(key, state.contacts.version, () => {
      const candidates: readonly StoredContact[] = after === undefined ? state.contacts.all() : byCreation(state.contactsByUpdated.after(after));
      const out = candidates.filter((c) => {
        if (exclude === true && c.isDeleted) return false;
        if (types.size > 0 && !((c.person && types.has('Person')) || (c.company && types.has('Organisation')))) return false;
        return terms.length === 0 || search(c);
      });
      return sortBy(out, sort, (c) => c.lastUpdated);
    });
  }

  function contactOr404(id: string): StoredContact {
    const c = state.contacts.get(id);
    if (!c) throw notFound('Contact', id);
    return c;
  }

  app.get('/contacts', async (request) => {
    const q = new Query(request.url);
    const paging = parsePaging(q);
    return pageOf(select(q), paging, pageContext(ctx, request, q), (c) => wire.contact(c));
  });

  app.get('/contacts/:id', async (request) => wire.contact(contactOr404((request.params as { id: string }).id)));

  /** Found contacts in request order; unknown ids are silently dropped. More than 500 ids → 400. */
  app.post('/contacts/batch', async (request) => {
    const body = parseBody(batchDto, request.body);
    if (body.ids.length > MAX_BATCH) throw badRequest('ids', `A maximum of ${MAX_BATCH} ids may be supplied per request.`);
    const value = body.ids
      .map((id) => state.contacts.get(id))
      .filter((c) => c !== undefined)
      .map((c) => wire.contact(c));
    return { href: wire.href('/contacts/batch'), value };
  });

  app.post('/contacts', async (request, reply) => {
    const fields = toContactFields(parseBody(contactDto, request.body));
    const id = randomUUID();
    return accept(ctx, request, reply, { id, href: wire.href(`/contacts/${id}`) }, (change) => {
      ctx.domain.createContact({ ...fields, id }, change);
    });
  });

  app.put('/contacts/:id', async (request, reply) => {
    const contact = contactOr404((request.params as { id: string }).id);
    const fields = toContactFields(parseBody(contactDto, request.body));
    return accept(ctx, request, reply, { id: contact.id, href: wire.href(`/contacts/${contact.id}`) }, (change) => {
      ctx.domain.updateContact(contact, fields, change, true);
    });
  });

  app.delete('/contacts/:id', async (request, reply) => {
    const contact = contactOr404((request.params as { id: string }).id);
    return accept(ctx, request, reply, { id: contact.id, href: wire.href(`/contacts/${contact.id}`) }, (change) => {
      ctx.domain.updateContact(contact, { isDeleted: true }, change);
    });
  });
}
