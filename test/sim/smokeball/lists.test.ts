import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msToTicks } from '../../../src/sim/common/ticks.js';
import { smallFirm } from './fixtures.js';
import { startTestSim, type Json, type TestSim } from './helpers.js';

let t: TestSim;
const firm = smallFirm({ matters: 1234, leadEvery: 10 });

beforeAll(async () => {
  t = await startTestSim({ firm });
});
afterAll(async () => {
  await t.sim.close();
});

async function walk(first: string): Promise<{ ids: string[]; pages: number; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let next: string | undefined = first;
  let pages = 0;
  while (next) {
    const res = await fetch(next.startsWith('http') ? next : t.sim.url + next, {
      headers: { 'x-api-key': t.sim.options.apiKey, authorization: `Bearer ${t.token}` },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { value: Array<{ id: string }>; next?: { href: string; rel: string }; size: number };
    ids.push(...page.value.map((v) => v.id));
    sizes.push(page.size);
    if (page.next) expect(page.next.rel).toBe('collection');
    next = page.next?.href;
    pages += 1;
  }
  return { ids, pages, sizes };
}

describe('paging', () => {
  it('rejects Limit outside 1..500 and a negative or junk Offset with 400 ProblemDetails', async () => {
    for (const q of ['Limit=501', 'Limit=0', 'Limit=-1', 'Limit=abc', 'Offset=-1', 'offset=x']) {
      const res = await t.api(`/matters?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const body = (await res.json()) as { status: number; errors: Array<{ field: string }> };
      expect(body.status).toBe(400);
      expect(body.errors[0]?.field).toMatch(/Limit|Offset/);
    }
  });

  it('defaults to Limit 500 and builds first/next/last links with absolute hrefs that keep other parameters', async () => {
    const page = await t.get('/matters?Status=Open&Status=Pending');
    expect(page.limit).toBe(500);
    expect(page.offset).toBe(0);
    expect(page.previous).toBeUndefined();
    const next = new URL(page.next.href);
    expect(next.origin).toBe(t.sim.url);
    expect(next.searchParams.getAll('Status')).toEqual(['Open', 'Pending']);
    expect(next.searchParams.get('offset')).toBe('500');
    expect(page.first.rel).toBe('collection');
    expect(new URL(page.last.href).searchParams.get('offset')).toBe(String(Math.floor((page.size - 1) / 500) * 500));
  });

  it('walking `next` visits every record exactly once; size is the total; the last page has no next', async () => {
    const { ids, pages, sizes } = await walk('/matters?Limit=100&Type=Matters,Leads');
    expect(ids).toHaveLength(1234);
    expect(new Set(ids).size).toBe(1234);
    expect(pages).toBe(13);
    expect(new Set(sizes)).toEqual(new Set([1234]));
    // Default order is creation order.
    expect(ids).toEqual(firm.matters.map((m) => m.id));
  });

  it('parameter names are case-insensitive', async () => {
    const a = await t.get('/contacts?limit=7&offset=3');
    const b = await t.get('/contacts?LIMIT=7&OFFSET=3');
    expect(a.value.map((c: { id: string }) => c.id)).toEqual(b.value.map((c: { id: string }) => c.id));
    expect(a.limit).toBe(7);
    expect(a.previous.href).toContain('offset=0');
  });
});

describe('matter filters', () => {
  it('Status is repeatable; leads are excluded unless Type asks for them', async () => {
    const open = await t.get('/matters?Status=Open&Limit=500');
    const expectedOpen = firm.matters.filter((m) => m.status === 'Open' && !m.isLead);
    expect(open.size).toBe(expectedOpen.length);
    expect(open.value.every((m: { status: string }) => m.status === 'Open')).toBe(true);
    const two = await t.get('/matters?Status=Closed&Status=Cancelled');
    expect(two.size).toBe(firm.matters.filter((m) => (m.status === 'Closed' || m.status === 'Cancelled') && !m.isLead).length);
    const leads = await t.get('/matters?Type=Leads');
    expect(leads.size).toBe(firm.matters.filter((m) => m.isLead).length);
    expect(leads.value.every((m: { isLead: boolean }) => m.isLead)).toBe(true);
    expect((await t.api('/matters?Status=Bogus')).status).toBe(400);
    expect((await t.api('/matters?Type=Everything')).status).toBe(400);
  });

  it('UpdatedSince returns matters whose lastUpdated is strictly greater; LastUpdated (ISO) works; both → 400', async () => {
    const pivot = firm.matters[1000]!.lastUpdated;
    const page = await t.get(`/matters?UpdatedSince=${pivot}&Type=Matters,Leads`);
    expect(page.size).toBe(233);
    expect(page.value.every((m: { versionId: string }) => BigInt(m.versionId) > pivot)).toBe(true);
    expect(page.value[0].id).toBe(firm.matters[1001]!.id); // still creation order
    const iso = new Date(Date.parse('2024-01-01T00:00:00Z') + 1000 * 60_000).toISOString();
    const byIso = await t.get(`/matters?LastUpdated=${encodeURIComponent(iso)}&Type=Matters,Leads`);
    expect(byIso.size).toBe(233);
    expect((await t.api(`/matters?UpdatedSince=${pivot}&LastUpdated=${encodeURIComponent(iso)}`)).status).toBe(400);
    expect((await t.api('/matters?UpdatedSince=yesterday')).status).toBe(400);
  });

  it('Sort=desc(lastUpdated) and asc(status) order the list; junk sorts are 400', async () => {
    const desc = await t.get('/matters?Sort=desc(lastUpdated)&Limit=5');
    const versions = desc.value.map((m: { versionId: string }) => BigInt(m.versionId));
    expect([...versions].sort((a, b) => (a < b ? 1 : -1))).toEqual(versions);
    const byStatus = await t.get('/matters?Sort=asc(status)&Limit=500');
    const statuses = byStatus.value.map((m: { status: string }) => m.status);
    expect([...statuses].sort()).toEqual(statuses);
    expect((await t.api('/matters?Sort=asc(title)')).status).toBe(400);
  });

  it('MatterTypeId, ContactId and Search filter', async () => {
    const type = firm.matterTypes[1]!.id;
    expect((await t.get(`/matters?MatterTypeId=${type}&Type=Matters,Leads`)).size).toBe(617);
    const m = firm.matters[7]!;
    const byContact = await t.get(`/matters?ContactId=${m.clientIds[0]}`);
    expect(byContact.value.map((x: { id: string }) => x.id)).toEqual([m.id]);
    const bySearch = await t.get('/matters?Search=m-00008');
    expect(bySearch.value.map((x: { id: string }) => x.id)).toEqual([m.id]);
  });

  it('returns a matter with Links (absolute hrefs, rel), versionId and deprecated clientIds; 404 for unknown ids', async () => {
    const m = firm.matters[2]!; // a Closed matter
    const res = await t.api(`/matters/${m.id}`);
    const body = (await res.json()) as Record<string, Json>;
    expect(body.versionId).toBe(m.lastUpdated.toString());
    expect(body.matterType).toMatchObject({ id: m.matterTypeId, rel: 'MatterTypes', name: 'Personal Injury' });
    expect(body.matterType.href).toBe(`${t.sim.url}/mattertypes/${m.matterTypeId}`);
    expect(body.clients[0]).toEqual({ id: m.clientIds[0], href: `${t.sim.url}/contacts/${m.clientIds[0]}`, rel: 'Contacts' });
    expect(body.personResponsible.rel).toBe('Staff');
    expect(body.clientIds).toEqual(m.clientIds);
    expect(body.status).toBe('Closed');
    expect(body.closedDate).toBe(m.closedDate);
    const missing = await t.api('/matters/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('contacts', () => {
  it('batch returns found contacts in request order and drops unknown ids; more than 500 ids → 400', async () => {
    const ids = [firm.contacts[9]!.id, 'aaaaaaaa-0000-4000-8000-000000000000', firm.contacts[2]!.id, firm.contacts[5]!.id];
    const res = await t.api('/contacts/batch', { method: 'POST', json: { ids } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { value: Array<{ id: string }> };
    expect(body.value.map((c) => c.id)).toEqual([ids[0], ids[2], ids[3]]);
    const tooMany = await t.api('/contacts/batch', { method: 'POST', json: { ids: Array.from({ length: 501 }, (_, i) => String(i)) } });
    expect(tooMany.status).toBe(400);
    const exactly500 = await t.api('/contacts/batch', { method: 'POST', json: { ids: firm.contacts.slice(0, 500).map((c) => c.id) } });
    expect(((await exactly500.json()) as { value: unknown[] }).value).toHaveLength(500);
  });

  it('writes lastUpdated as an exact int64 JSON number (beyond 2^53)', async () => {
    const c = firm.contacts[0]!;
    const text = await (await t.api(`/contacts/${c.id}`)).text();
    expect(text).toContain(`"lastUpdated":${c.lastUpdated.toString()}`);
  });

  it('filters by UpdatedSince, Type, ExcludeDeletedContacts and Search', async () => {
    const pivot = firm.contacts[2000]!.lastUpdated;
    const since = await t.get(`/contacts?UpdatedSince=${pivot}`);
    expect(since.size).toBe(firm.contacts.filter((c) => c.lastUpdated > pivot).length);
    const people = await t.get('/contacts?Type=Person');
    expect(people.size).toBe(1234);
    const orgs = await t.get('/contacts?Type=Organisation&ExcludeDeletedContacts=true');
    expect(orgs.size).toBe(firm.contacts.filter((c) => c.company && !c.isDeleted).length);
    const search = await t.get('/contacts?Search=name:*Family12*&Search=email:client12@*');
    expect(search.value.map((c: { person: { lastName: string } }) => c.person.lastName)).toEqual(['Family12']);
    expect((await t.api('/contacts?Search=shoesize:9')).status).toBe(400);
    expect((await t.api('/contacts?Type=Alien')).status).toBe(400);
  });
});

describe('directory and stages', () => {
  it('serves staff, matter types, stage sets and the firm', async () => {
    const staff = await t.get('/staff');
    expect(staff.size).toBe(3);
    expect(staff.value[0]).toMatchObject({ firstName: 'Alice', enabled: true, former: false });
    expect((await t.get(`/staff/${firm.staff[1]!.id}`)).lastName).toBe('Paralegal');
    expect((await t.api('/staff/nope')).status).toBe(404);
    const types = await t.get('/mattertypes');
    expect(types.value.map((x: { id: string }) => x.id)).toEqual(firm.matterTypes.map((x) => x.id));
    expect((await t.get(`/mattertypes/${firm.matterTypes[0]!.id}`)).location).toBe('IL');
    const sets = await t.get('/stagesets');
    expect(sets.value[0].stages.map((s: { name: string }) => s.name)).toEqual(['Intake', 'Discovery', 'Trial', 'Settled']);
    expect((await t.get('/firm')).id).toBe(firm.accountId);
  });

  it('GET /matters/{id}/stages returns the MatterStage, 404 without stage info; /stages lists them with UpdatedSince', async () => {
    const withStage = firm.matterStages[0]!;
    const ms = await t.get(`/matters/${withStage.matterId}/stages`);
    expect(ms.stage.id).toBe(withStage.stageId);
    expect(ms.matter.id).toBe(withStage.matterId);
    expect(ms.stageSet.id).toBe(withStage.stageSetId);
    const without = firm.matters[1]!; // odd matters have no stage
    expect((await t.api(`/matters/${without.id}/stages`)).status).toBe(404);
    const all = await t.get('/stages');
    expect(all.size).toBe(firm.matterStages.length);
    const recent = await t.get(`/stages?UpdatedSince=${msToTicks(Date.parse('2024-01-01T00:00:00Z') + 1200 * 60_000)}`);
    expect(recent.size).toBe(firm.matterStages.filter((x) => x.lastUpdated > msToTicks(Date.parse('2024-01-01T00:00:00Z') + 1200 * 60_000)).length);
  });
});
