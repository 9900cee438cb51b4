import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AxiosInstance } from 'axios';
import type { CaseStatusSim } from '../../../src/sim/casestatus/server.js';
import { ATTORNEY, CLIENT_1, CLIENT_2, MATTER_A, MATTER_B, MATTER_C, caseBody, clientBody } from './fixtures.js';
import { api, startSim } from './helpers.js';

let sim: CaseStatusSim;
let client: AxiosInstance;
beforeAll(async () => {
  sim = await startSim();
  client = api(sim);
});
afterAll(() => sim.close());

const guid = (n: number) => `33333333-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('clients', () => {
  it('creates, then reports an identical upsert as unchanged, then a real change', async () => {
    const created = await client.put(`/clients/${CLIENT_1}`, clientBody());
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ externalId: CLIENT_1, created: true, changed: true, textable: true });
    const again = await client.put(`/clients/${CLIENT_1}`, clientBody());
    expect(again.status).toBe(200);
    expect(again.data).toEqual({ ...created.data, created: false, changed: false });
    const changed = await client.put(`/clients/${CLIENT_1}`, clientBody({ email: 'new@example.com' }));
    expect(changed.data).toMatchObject({ created: false, changed: true });
    expect((await client.get(`/clients/${CLIENT_1}`)).data).toMatchObject({ email: 'new@example.com', id: created.data.id });
  });

  it('accepts a client without a cell phone but marks it not textable', async () => {
    const res = await client.put(`/clients/${CLIENT_2}`, clientBody({ cellPhone: null, firstName: 'Lee' }));
    expect(res.data).toMatchObject({ created: true, textable: false });
    expect(sim.control.clients().get(CLIENT_2)?.textable).toBe(false);
  });

  it('refuses a malformed phone or a nameless client with 400 and field details', async () => {
    const phone = await client.put(`/clients/${guid(900)}`, clientBody({ cellPhone: '(312) 555-0100' }));
    expect(phone.status).toBe(400);
    expect(phone.data.error).toMatchObject({ code: 'invalid_request', details: [{ path: 'cellPhone' }] });
    const nameless = await client.put(`/clients/${guid(901)}`, { lastName: 'Only' });
    expect(nameless.status).toBe(400);
    const mismatch = await client.put(`/clients/${guid(902)}`, clientBody({ externalId: guid(903) }));
    expect(mismatch.status).toBe(400);
    const company = await client.put(`/clients/${guid(904)}`, { companyName: 'Acme LLC' });
    expect(company.status).toBe(201);
    const badJson = await client.put(`/clients/${guid(905)}`, '{"firstName":', { headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect(badJson.data.error.code).toBe('invalid_request');
  });

  it('upserts a batch with per-item results and refuses more than 100 items', async () => {
    const items = Array.from({ length: 100 }, (_, i) => clientBody({ externalId: guid(i), firstName: `P${i}` }));
    const res = await client.post('/clients/batch', { clients: items });
    expect(res.status).toBe(200);
    expect(res.data.results).toHaveLength(100);
    expect(res.data.results.every((r: { ok: boolean; created: boolean }) => r.ok && r.created)).toBe(true);

    const tooMany = await client.post('/clients/batch', { clients: [...items, clientBody({ externalId: guid(100) })] });
    expect(tooMany.status).toBe(413);
    expect(tooMany.data.error).toMatchObject({ code: 'batch_too_large', details: { max: 100, received: 101 } });

    const mixed = await client.post('/clients/batch', {
      clients: [clientBody({ externalId: guid(0) }), { firstName: 'No id' }, clientBody({ externalId: guid(200), cellPhone: 'x' })],
    });
    expect(mixed.data.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, false]);
    expect(mixed.data.results[1]).toMatchObject({ index: 1, externalId: null, error: { status: 400 } });
    expect(mixed.data.results[2]).toMatchObject({ index: 2, externalId: guid(200), error: { status: 400, code: 'invalid_request' } });
    expect((await client.post('/clients/batch', { nope: [] })).status).toBe(400);
  });
});

describe('cases', () => {
  it('creates a case with a URL and records the initial stage once', async () => {
    const res = await client.put(`/cases/${MATTER_A}`, caseBody());
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({ externalId: MATTER_A, readableId: '2024-0001', created: true, changed: true, stageChanged: true });
    expect(res.data.url).toBe(`${sim.url}/cases/${res.data.id}`);
    const page = await fetch(res.data.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Client v. Trucking Co');

    const again = await client.put(`/cases/${MATTER_A}`, caseBody());
    expect(again.status).toBe(200);
    expect(again.data).toMatchObject({ created: false, changed: false, stageChanged: false, id: res.data.id });
    const changes = sim.control.stageChanges().filter((c) => c.caseExternalId === MATTER_A);
    expect(changes).toEqual([
      {
        seq: expect.any(Number),
        caseId: res.data.id,
        caseExternalId: MATTER_A,
        from: null,
        to: 'Intake',
        at: expect.any(String),
        source: 'api',
        notified: true,
      },
    ]);
  });

  it('records a stage change once per actual change, not per upsert', async () => {
    const before = sim.control.stageChanges().length;
    const moves = ['Investigation', 'Investigation', 'Treatment', 'Treatment', 'Treatment'];
    for (const stage of moves) await client.put(`/cases/${MATTER_A}`, caseBody({ stage }));
    // A change of other fields is a change, but not a stage change.
    const titled = await client.put(`/cases/${MATTER_A}`, caseBody({ stage: 'Treatment', title: 'Renamed' }));
    expect(titled.data).toMatchObject({ changed: true, stageChanged: false });
    const recorded = sim.control.stageChanges().slice(before);
    expect(recorded.map((c) => [c.from, c.to])).toEqual([
      ['Intake', 'Investigation'],
      ['Investigation', 'Treatment'],
    ]);
    expect(sim.control.cases().get(MATTER_A)).toMatchObject({ stage: 'Treatment', title: 'Renamed', clientExternalIds: [CLIENT_1] });
  });

  it('moves a stage without a survey when asked (notifyClient: false, our contract extension)', async () => {
    const before = sim.control.stageChanges().length;
    const silent = await client.put(`/cases/${MATTER_A}`, { ...caseBody({ stage: 'Intake', title: 'Renamed' }), notifyClient: false });
    expect(silent.data).toMatchObject({ changed: true, stageChanged: true });
    await client.put(`/cases/${MATTER_A}`, caseBody({ stage: 'Treatment', title: 'Renamed' }));
    expect(
      sim.control
        .stageChanges()
        .slice(before)
        .map((c) => [c.to, c.notified]),
    ).toEqual([
      ['Intake', false],
      ['Treatment', true],
    ]);
    // The flag is not part of the case: reading it back shows no such field.
    expect((await client.get(`/cases/${MATTER_A}`)).data).not.toHaveProperty('notifyClient');
  });

  it('closes and reopens a case through status', async () => {
    const closed = await client.put(`/cases/${MATTER_A}`, caseBody({ stage: 'Treatment', title: 'Renamed', status: 'closed' }));
    expect(closed.data).toMatchObject({ changed: true, stageChanged: false });
    const view = (await client.get(`/cases/${MATTER_A}`)).data;
    expect(view).toMatchObject({ status: 'closed', closedAt: expect.any(String), primaryAttorney: { externalId: ATTORNEY } });
    await client.put(`/cases/${MATTER_A}`, caseBody({ stage: 'Treatment', title: 'Renamed', status: 'open' }));
    expect((await client.get(`/cases/${MATTER_A}`)).data.closedAt).toBeNull();
  });

  it('refuses a case that references an unknown client with 422, in a batch only for that item', async () => {
    const unknown = '44444444-0000-4000-8000-000000000404';
    const single = await client.put(`/cases/${MATTER_B}`, caseBody({ readableId: 'B-1', clientExternalIds: [CLIENT_1, unknown] }));
    expect(single.status).toBe(422);
    expect(single.data.error).toMatchObject({ code: 'unknown_client', details: { missing: [unknown] } });
    expect(sim.control.cases().has(MATTER_B)).toBe(false);

    const batch = await client.post('/cases/batch', {
      cases: [
        caseBody({ externalId: MATTER_B, readableId: 'B-1', clientExternalIds: [unknown] }),
        caseBody({ externalId: MATTER_C, readableId: 'C-1', practiceArea: 'Estate Planning', stage: 'Drafting', clientExternalIds: [CLIENT_2] }),
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.data.results[0]).toMatchObject({ index: 0, ok: false, externalId: MATTER_B, error: { status: 422, code: 'unknown_client' } });
    expect(batch.data.results[1]).toMatchObject({ index: 1, ok: true, externalId: MATTER_C, created: true, stageChanged: true });
    expect(sim.control.cases().has(MATTER_B)).toBe(false);
    expect(sim.control.cases().get(MATTER_C)?.stage).toBe('Drafting');
  });

  it('checks practice areas and stages exactly, and readable ids for uniqueness', async () => {
    const area = await client.put(`/cases/${MATTER_B}`, caseBody({ readableId: 'B-1', practiceArea: 'personal injury' }));
    expect(area.status).toBe(422);
    expect(area.data.error.code).toBe('unknown_practice_area');
    const stage = await client.put(`/cases/${MATTER_B}`, caseBody({ readableId: 'B-1', stage: 'Withdrawn', practiceArea: 'Estate Planning' }));
    expect(stage.data.error.code).toBe('unknown_stage');
    const taken = await client.put(`/cases/${MATTER_B}`, caseBody({ readableId: '2024-0001' }));
    expect(taken.status).toBe(409);
    expect(taken.data.error).toMatchObject({ code: 'readable_id_conflict', details: { caseExternalId: MATTER_A } });
    const missingStage = await client.put(`/cases/${MATTER_B}`, { ...caseBody({ readableId: 'B-1' }), stage: undefined });
    expect(missingStage.status).toBe(400);
    expect(missingStage.data.error.details).toEqual([{ path: 'stage', message: expect.any(String) }]);

    const areas = (await client.get('/practice-areas')).data.data;
    expect(areas.map((a: { name: string }) => a.name)).toEqual(['Personal Injury', 'Estate Planning']);
    expect(areas[1].stages.map((s: { name: string }) => s.name)).toEqual(['Consultation', 'Drafting', 'Signing']);
  });

  it('pages the case list with an opaque cursor', async () => {
    const cases = Array.from({ length: 60 }, (_, i) => caseBody({ externalId: guid(5000 + i), readableId: `P-${i}`, stage: null, clientExternalIds: [] }));
    await client.post('/cases/batch', { cases });
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const res = await client.get('/cases', { params: { limit: 25, ...(after ? { after } : {}) } });
      expect(res.status).toBe(200);
      seen.push(...res.data.data.map((c: { externalId: string }) => c.externalId));
      after = res.data.nextCursor;
      if (!res.data.hasMore) break;
    }
    expect(seen).toEqual([...sim.control.cases().keys()]);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await client.get('/cases', { params: { limit: 501 } })).status).toBe(400);
    expect((await client.get('/cases', { params: { after: 'garbage' } })).status).toBe(400);
    // `cursor` is a synonym of `after`; an unknown parameter is refused rather than ignored.
    const first = await client.get('/cases', { params: { limit: 25 } });
    const viaCursor = await client.get('/cases', { params: { limit: 25, cursor: first.data.nextCursor } });
    expect(viaCursor.data.data[0].externalId).toBe(seen[25]);
    const typo = await client.get('/cases', { params: { limit: 25, afterCursor: first.data.nextCursor } });
    expect(typo.status).toBe(400);
    expect(typo.data.error.details[0].message).toContain('afterCursor');
  });

  // Speed is measured by the benchmarks (ratios and counts); a wall-clock bound here failed under a loaded suite.
  it('upserts a batch of 100 cases in one request, each result in order and changed', async () => {
    const batch = (round: number) =>
      Array.from({ length: 100 }, (_, i) =>
        caseBody({ externalId: guid(10_000 + i), readableId: `F-${i}`, title: `Fast ${i} r${round}`, clientExternalIds: [guid(i)] }),
      );
    await client.post('/cases/batch', { cases: batch(0) });
    const res = await client.post('/cases/batch', { cases: batch(1) });
    const results = res.data.results as { ok: boolean; changed: boolean }[];
    expect(results).toHaveLength(100);
    expect(results.every((r) => r.ok && r.changed)).toBe(true);
  });
});
