import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFirm } from '../../../src/sim/seed/generate.js';
import type { SeededFirm } from '../../../src/sim/seed/firm-model.js';
import { startTestSim, type Json, type TestSim } from './helpers.js';

let firm: SeededFirm;
let t: TestSim;
let startupMs = 0;

beforeAll(async () => {
  firm = generateFirm({ seed: 2024, matters: 20_000 });
  const started = performance.now();
  t = await startTestSim({ firm });
  startupMs = performance.now() - started;
});
afterAll(async () => {
  await t.sim.close();
});

async function timed(path: string): Promise<{ ms: number; body: Json }> {
  const started = performance.now();
  const res = await t.api(path);
  const body = await res.json();
  expect(res.status).toBe(200);
  return { ms: performance.now() - started, body };
}

describe('a 20,000-matter generated firm', () => {
  it('starts well under a second', () => {
    console.log(`startup ${startupMs.toFixed(0)} ms for ${firm.matters.length} matters / ${firm.contacts.length} contacts`);
    // Well under a second on a quiet machine; 1.8 s failed a 1 s bound on a loaded CI box. The bound is 10×:
    // it catches a pathological start (an index built by a scan per record: minutes), not a busy machine.
    // `npm run bench:sim` keeps the tight figure.
    expect(startupMs).toBeLessThan(10_000);
  });

  it('serves 500-record pages in milliseconds (round trip incl. ~600 KB of JSON)', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 9; i++) samples.push((await timed(`/matters?Limit=500&Offset=${i * 2000}`)).ms);
    for (let i = 0; i < 5; i++) samples.push((await timed(`/contacts?Limit=500&Offset=${i * 5000}`)).ms);
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    console.log(`page round trip median ${median.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms`);
    // ~10 ms on a quiet machine. The bound only catches a pathological page (a scan per record, a quadratic
    // filter: seconds); 60 ms failed CI on a loaded clean clone. The benchmarks measure the speed.
    expect(median).toBeLessThan(500);
  });

  it('walks every matter exactly once through `next` links, and filters by UpdatedSince', async () => {
    const seen = new Set<string>();
    let href: string | undefined = `${t.sim.url}/matters?Type=Matters,Leads`;
    while (href) {
      const res = await fetch(href, { headers: { 'x-api-key': t.sim.options.apiKey, authorization: `Bearer ${t.token}` } });
      const page = (await res.json()) as { value: Array<{ id: string }>; next?: { href: string }; size: number };
      expect(page.size).toBe(20_000);
      for (const m of page.value) {
        expect(seen.has(m.id)).toBe(false);
        seen.add(m.id);
      }
      href = page.next?.href;
    }
    expect(seen.size).toBe(20_000);

    const sorted = firm.matters.map((m) => m.lastUpdated).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const pivot = sorted[19_900]!;
    const expected = firm.matters.filter((m) => m.lastUpdated > pivot && !m.isLead).length;
    const { body, ms } = await timed(`/matters?UpdatedSince=${pivot}`);
    expect(body.size).toBe(expected);
    // The first use builds the date index. A bound 10× what a loaded box needs: only a pathological filter (a scan per
    // record, minutes) misses it.
    expect(ms).toBeLessThan(20_000);
  });

  it('returns generated records in wire shape', async () => {
    const m = firm.matters.find((x) => x.personResponsibleStaffId && x.clientIds.length > 0)!;
    const body = (await timed(`/matters/${m.id}`)).body;
    expect(body.number).toBe(m.number);
    expect(body.clients.map((c: { id: string }) => c.id)).toEqual(m.clientIds);
    const batch = await t.api('/contacts/batch', { method: 'POST', json: { ids: m.clientIds } });
    expect(((await batch.json()) as { value: Array<{ id: string }> }).value.map((c) => c.id)).toEqual(m.clientIds);
  });
});
