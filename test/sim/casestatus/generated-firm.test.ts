import { afterEach, describe, expect, it } from 'vitest';
import { startCaseStatusSim, type CaseStatusSim } from '../../../src/sim/casestatus/server.js';
import { documentSha256 } from '../../../src/sim/seed/document-content.js';
import type { ContactRecord, SeededFirm } from '../../../src/sim/seed/firm-model.js';
import { generateFirm } from '../../../src/sim/seed/generate.js';
import { api } from './helpers.js';

/** Against the real seeded-firm generator and the default document content (no test stand-ins). */
let sim: CaseStatusSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function clientOf(c: ContactRecord) {
  const cell = c.person?.cell;
  const digits = `${cell?.areaCode ?? ''}${cell?.number ?? ''}`.replace(/\D/g, '');
  return {
    externalId: c.id,
    firstName: c.person?.firstName ?? '',
    lastName: c.person?.lastName ?? '',
    email: c.person?.email ?? c.company?.email ?? null,
    cellPhone: digits.length === 10 ? `+1${digits}` : null,
    companyName: c.company?.name ?? null,
  };
}

function casesOf(firm: SeededFirm) {
  const types = new Map(firm.matterTypes.map((t) => [t.id, t]));
  const stageNames = new Map(firm.stageSets.flatMap((s) => s.stages.map((st) => [st.id, st.name] as const)));
  const stageOf = new Map(firm.matterStages.map((ms) => [ms.matterId, stageNames.get(ms.stageId) ?? null]));
  return firm.matters
    .filter((m) => !m.isLead && types.get(m.matterTypeId)?.isDeleted === false && m.status !== 'Deleted' && m.status !== 'Cancelled')
    .map((m) => ({
      externalId: m.id,
      readableId: m.number,
      title: m.title,
      description: m.description || null,
      practiceArea: types.get(m.matterTypeId)?.name ?? '',
      status: m.status.toLowerCase(),
      stage: stageOf.get(m.id) ?? null,
      primaryAttorney: null,
      clientExternalIds: m.clientIds,
    }));
}

async function inBatches<T>(items: T[], send: (batch: T[]) => Promise<{ ok: boolean }[]>): Promise<{ ok: boolean }[]> {
  const out: { ok: boolean }[] = [];
  for (let i = 0; i < items.length; i += 100) out.push(...(await send(items.slice(i, i + 100))));
  return out;
}

describe('with a generated firm', () => {
  it('accepts every eligible matter with the default practice areas and serves the generator’s bytes', async () => {
    const firm = generateFirm({ seed: 3, matters: 150 });
    sim = await startCaseStatusSim({ firm, rateLimit: false });
    const client = api(sim);
    const clients = await inBatches(firm.contacts.map(clientOf), async (b) => (await client.post('/clients/batch', { clients: b })).data.results);
    expect(clients.filter((r) => !r.ok)).toEqual([]);
    const cases = casesOf(firm);
    const results = await inBatches(cases, async (b) => (await client.post('/cases/batch', { cases: b })).data.results);
    expect(results.filter((r) => !r.ok)).toEqual([]);

    const created = new Set(cases.map((c) => c.externalId));
    expect(sim.control.messages()).toHaveLength(firm.messages.filter((m) => created.has(m.matterId)).length);
    const docs = await sim.control.documents();
    const expected = firm.documents.filter((d) => created.has(d.matterId));
    expect(docs).toHaveLength(expected.length);
    for (const seed of expected.slice(0, 10)) {
      expect(docs.find((d) => d.id === seed.id)?.sha256).toBe(await documentSha256(seed));
    }
  });

  it('holds 20,000 cases and upserts batches of 100 in milliseconds', async () => {
    const firm = generateFirm({ seed: 4, matters: 0 });
    sim = await startCaseStatusSim({ firm, rateLimit: false, practiceAreas: 'any' });
    const client = api(sim);
    const id = (n: number) => `66666666-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const started = performance.now();
    for (let b = 0; b < 200; b++) {
      const cases = Array.from({ length: 100 }, (_, i) => ({
        externalId: id(b * 100 + i),
        readableId: `N-${b * 100 + i}`,
        title: `Matter ${b * 100 + i}`,
        practiceArea: 'General',
        status: 'open',
        stage: 'Open',
        primaryAttorney: null,
        clientExternalIds: [],
      }));
      const res = await client.post('/cases/batch', { cases });
      expect(res.status).toBe(200);
    }
    const perBatchMs = (performance.now() - started) / 200;
    console.log(`upsert batch of 100: ${perBatchMs.toFixed(1)} ms on average (HTTP round trip included) over 200 batches`);
    expect(sim.control.cases().size).toBe(20_000);
    // A few ms on a quiet machine; 86 ms failed a 50 ms bound on a loaded CI box. The bound is 10× the quiet
    // figure: it catches a pathological upsert (a scan of every stored case per case: seconds per batch),
    // not a busy machine. `npm run bench:sim` keeps the tight figure.
    expect(perBatchMs).toBeLessThan(500);
    const last = await client.get('/cases', { params: { limit: 500 } });
    expect(last.data.hasMore).toBe(true);
  });
});
