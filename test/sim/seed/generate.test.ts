import { describe, expect, it } from 'vitest';
import type { ContactRecord, MatterRecord, SeededFirm } from '../../../src/sim/seed/firm-model.js';
import { AWKWARD_FILE_NAMES, AWKWARD_MESSAGE_BODIES, DEFAULT_NOW_MS, contactDisplayName, generateFirm } from '../../../src/sim/seed/generate.js';
import { msToTicks } from '../../../src/sim/common/ticks.js';

function timed(matters: number, seed = 1): { firm: SeededFirm; ms: number } {
  const t = performance.now();
  const firm = generateFirm({ seed, matters });
  return { firm, ms: performance.now() - t };
}

// Built once; the tests below only read them.
const small = timed(50, 11);
const medium = timed(2000, 7);
const large = timed(20000, 3);
console.log(
  `generateFirm times (first run, includes JIT warm-up): 50 -> ${small.ms.toFixed(0)} ms, ` +
    `2,000 -> ${medium.ms.toFixed(0)} ms, 20,000 -> ${large.ms.toFixed(0)} ms`,
);

const NOW_TICKS = msToTicks(DEFAULT_NOW_MS);

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return m;
}

function clientUse(firm: SeededFirm): Map<string, number> {
  const uses = new Map<string, number>();
  for (const m of firm.matters) for (const id of m.clientIds) uses.set(id, (uses.get(id) ?? 0) + 1);
  return uses;
}

describe('generateFirm: determinism', () => {
  it('gives deep-equal output for the same seed and size (bigints included)', () => {
    const a = generateFirm({ seed: 123, matters: 300 });
    const b = generateFirm({ seed: 123, matters: 300 });
    expect(a).toEqual(b);
    expect(typeof a.matters[0]?.lastUpdated).toBe('bigint');
  });

  it('differs for different seeds', () => {
    const a = generateFirm({ seed: 123, matters: 300 });
    const b = generateFirm({ seed: 124, matters: 300 });
    expect(a).not.toEqual(b);
    expect(a.accountId).not.toBe(b.accountId);
    const idsA = new Set(a.matters.map((m) => m.id));
    expect(b.matters.some((m) => idsA.has(m.id))).toBe(false);
  });

  it('does not depend on the wall clock; `now` moves every timestamp', () => {
    const now = Date.UTC(2024, 0, 15);
    const f = generateFirm({ seed: 5, matters: 200, now });
    const maxTicks = msToTicks(now);
    for (const m of f.matters) {
      expect(m.lastUpdated <= maxTicks).toBe(true);
      expect(Date.parse(m.openedDate)).toBeLessThanOrEqual(now);
    }
    for (const msg of f.messages) expect(Date.parse(msg.createdAt)).toBeLessThanOrEqual(now);
    for (const c of f.contacts) expect(c.lastUpdated <= maxTicks).toBe(true);
  });
});

describe('generateFirm: sizes', () => {
  it.each([
    ['50', small],
    ['2,000', medium],
    ['20,000', large],
  ])('%s matters: exact count, a bound only a pathological change misses', (_label, run) => {
    expect(run.firm.matters.length).toBe(Number(_label.replace(',', '')));
    // About 1 s for 20,000 on a quiet machine, 10.6 s once on a loaded CI box (three suites on 2 cores): the real
    // figure is held by `npm run bench:sim`; this catches only a blow-up (a quadratic step would take minutes).
    expect(run.ms).toBeLessThan(60_000);
  });

  it('handles zero matters', () => {
    const f = generateFirm({ seed: 1, matters: 0 });
    expect(f.matters).toEqual([]);
    expect(f.messages).toEqual([]);
    expect(f.documents).toEqual([]);
    expect(f.staff.length).toBeGreaterThanOrEqual(5);
  });

  it('staff scales with matters, capped at 60, with a couple of former staff', () => {
    expect(small.firm.staff.length).toBeGreaterThanOrEqual(5);
    expect(medium.firm.staff.length).toBeGreaterThanOrEqual(18);
    expect(large.firm.staff.length).toBeLessThanOrEqual(60);
    for (const { firm } of [small, medium, large]) {
      const former = firm.staff.filter((s) => s.former);
      expect(former.length).toBeGreaterThanOrEqual(2);
      expect(former.every((s) => !s.enabled)).toBe(true);
      const roles = new Set(firm.staff.map((s) => s.role));
      expect(roles).toEqual(new Set(['Attorney', 'Paralegal', 'Legal Assistant']));
    }
  });
});

describe.each([
  ['2,000', medium.firm],
  ['20,000', large.firm],
])('generateFirm: %s-matter firm', (_label, firm) => {
  const n = firm.matters.length;
  const contactsById = new Map(firm.contacts.map((c) => [c.id, c]));
  const staffById = new Map(firm.staff.map((s) => [s.id, s]));
  const typesById = new Map(firm.matterTypes.map((t) => [t.id, t]));
  const setsById = new Map(firm.stageSets.map((s) => [s.id, s]));
  const mattersById = new Map(firm.matters.map((m) => [m.id, m]));

  it('has the status mix within bands and few leads', () => {
    const byStatus = countBy(firm.matters, (m) => m.status);
    const share = (s: string): number => (byStatus.get(s) ?? 0) / n;
    expect(share('Open')).toBeGreaterThan(0.5);
    expect(share('Open')).toBeLessThan(0.6);
    expect(share('Pending')).toBeGreaterThan(0.12);
    expect(share('Pending')).toBeLessThan(0.18);
    expect(share('Closed')).toBeGreaterThan(0.26);
    expect(share('Closed')).toBeLessThan(0.34);
    expect(share('Deleted') + share('Cancelled')).toBeLessThan(0.01);
    const leads = firm.matters.filter((m) => m.isLead).length;
    expect(leads).toBeGreaterThan(0);
    expect(leads / n).toBeLessThan(0.01);
  });

  it('references existing contacts, staff and matter types from every matter', () => {
    const problems: string[] = [];
    for (const m of firm.matters) {
      const bad = (why: string): number => problems.push(`${m.number}: ${why}`);
      if (m.clientIds.length < 1 || m.clientIds.length > 2) bad(`${m.clientIds.length} clients`);
      if (new Set(m.clientIds).size !== m.clientIds.length) bad('duplicate client');
      if (m.otherSideIds.length > 1) bad('more than one other side');
      for (const id of [...m.clientIds, ...m.otherSideIds]) {
        const c = contactsById.get(id);
        if (!c) bad(`unknown contact ${id}`);
        else if (c.isDeleted) bad(`deleted contact ${id}`);
      }
      if (m.personResponsibleStaffId !== null && staffById.get(m.personResponsibleStaffId)?.role !== 'Attorney') bad('responsible is not an attorney');
      if (m.personAssistingStaffId !== null && !staffById.has(m.personAssistingStaffId)) bad('unknown assisting staff');
      const type = typesById.get(m.matterTypeId);
      if (!type) bad('unknown matter type');
      else if (type.isDeleted || type.type !== (m.isLead ? 1 : 0)) bad('wrong matter type');
      if (!/^[0-9a-f-]{36}_[A-Z]{2}$/.test(m.matterTypeId)) bad(`matter type id ${m.matterTypeId}`);
    }
    expect(problems).toEqual([]);
    expect(firm.matters.filter((m) => m.personResponsibleStaffId !== null).length / n).toBeGreaterThan(0.98);
    expect(firm.matters.some((m) => m.personAssistingStaffId !== null)).toBe(true);
    expect(firm.matters.some((m) => m.personAssistingStaffId === null)).toBe(true);
  });

  it('has about 12 practice areas, each with its own stage set of 4-8 live stages', () => {
    const live = firm.matterTypes.filter((t) => !t.isDeleted && t.type === 0);
    expect(live.length).toBe(12);
    expect(new Set(live.map((t) => t.location)).size).toBeGreaterThanOrEqual(2);
    for (const t of firm.matterTypes) {
      const set = setsById.get(firm.stageSetByMatterType[t.id] ?? '');
      expect(set, t.name).toBeDefined();
      const alive = set?.stages.filter((s) => !s.isDeleted) ?? [];
      if (!t.isDeleted) {
        expect(alive.length).toBeGreaterThanOrEqual(4);
        expect(alive.length).toBeLessThanOrEqual(8);
      }
    }
    const allStages = firm.stageSets.flatMap((s) => s.stages);
    expect(allStages.some((s) => s.isDeleted)).toBe(true);
    expect(allStages.map((s) => s.name)).toContain('Awaiting Lien Resolution');
  });

  it("puts every matter stage on a live stage of the matter type's stage set", () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const ms of firm.matterStages) {
      const m = mattersById.get(ms.matterId);
      if (!m) {
        problems.push(`unknown matter ${ms.matterId}`);
        continue;
      }
      if (m.isLead) problems.push(`${m.number}: lead with a stage`);
      if (seen.has(ms.matterId)) problems.push(`${m.number}: two stages`);
      seen.add(ms.matterId);
      if (ms.stageSetId !== firm.stageSetByMatterType[m.matterTypeId]) problems.push(`${m.number}: wrong stage set`);
      const stage = setsById.get(ms.stageSetId)?.stages.find((s) => s.id === ms.stageId);
      if (!stage || stage.isDeleted) problems.push(`${m.number}: missing or deleted stage`);
      if (ms.lastUpdated > m.lastUpdated) problems.push(`${m.number}: stage updated after matter`);
    }
    expect(problems).toEqual([]);
    const nonLead = firm.matters.filter((m) => !m.isLead).length;
    const without = nonLead - firm.matterStages.length;
    expect(without / nonLead).toBeGreaterThan(0.02);
    expect(without / nonLead).toBeLessThan(0.09);
  });

  it('closed matters sit mostly in the last stages', () => {
    let late = 0;
    let closed = 0;
    for (const ms of firm.matterStages) {
      const m = mattersById.get(ms.matterId) as MatterRecord;
      if (m.status !== 'Closed') continue;
      closed++;
      const live = (setsById.get(ms.stageSetId)?.stages ?? []).filter((s) => !s.isDeleted);
      if (live.findIndex((s) => s.id === ms.stageId) >= live.length - 3) late++;
    }
    expect(late).toBe(closed);
  });

  it('has unique ids everywhere and unique matter numbers', () => {
    const ids = [
      ...firm.staff.map((s) => s.id),
      ...firm.matterTypes.map((t) => t.id),
      ...firm.stageSets.map((s) => s.id),
      ...firm.stageSets.flatMap((s) => s.stages.map((st) => st.id)),
      ...firm.contacts.map((c) => c.id),
      ...firm.matters.map((m) => m.id),
      ...firm.matterStages.map((m) => m.id),
      ...firm.messages.map((m) => m.id),
      ...firm.documents.map((d) => d.id),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(firm.matters.map((m) => m.number)).size).toBe(n);
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(firm.contacts.filter((c) => !guid.test(c.versionId) || !guid.test(c.id))).toEqual([]);
  });

  it('has sane dates and ticks', () => {
    const problems: string[] = [];
    for (const m of firm.matters) {
      const opened = Date.parse(m.openedDate);
      if (!(opened <= DEFAULT_NOW_MS)) problems.push(`${m.number}: opened ${m.openedDate}`);
      if (m.lastUpdated > NOW_TICKS || m.lastUpdated < msToTicks(opened)) problems.push(`${m.number}: lastUpdated ${m.lastUpdated}`);
      if (m.status === 'Closed') {
        const closed = Date.parse(m.closedDate ?? '');
        if (!(closed >= opened && closed <= DEFAULT_NOW_MS)) problems.push(`${m.number}: closed ${m.closedDate}`);
      } else if (m.closedDate !== null) problems.push(`${m.number}: ${m.status} with closedDate`);
    }
    const twoYearsAgo = msToTicks(DEFAULT_NOW_MS - 2 * 365 * 86_400_000);
    for (const c of firm.contacts) {
      if (c.lastUpdated > NOW_TICKS || c.lastUpdated < twoYearsAgo) problems.push(`contact ${c.id}: lastUpdated ${c.lastUpdated}`);
    }
    expect(problems).toEqual([]);
  });

  it('has about 1.3-1.5 contacts per matter, ~10% company clients, a few deleted unrelated contacts', () => {
    const ratio = firm.contacts.length / n;
    expect(ratio).toBeGreaterThanOrEqual(1.3);
    expect(ratio).toBeLessThanOrEqual(1.5);
    const uses = clientUse(firm);
    const clients = [...uses.keys()].map((id) => contactsById.get(id) as ContactRecord);
    const companies = clients.filter((c) => c.company).length / clients.length;
    expect(companies).toBeGreaterThan(0.05);
    expect(companies).toBeLessThan(0.15);
    const deleted = firm.contacts.filter((c) => c.isDeleted);
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.length / firm.contacts.length).toBeLessThan(0.02);
    expect(deleted.some((c) => uses.has(c.id))).toBe(false);
    expect(firm.contacts.filter((c) => Boolean(c.person) === Boolean(c.company))).toEqual([]);
  });

  it('shares ~10% of clients between 2-3 matters', () => {
    const uses = [...clientUse(firm).values()];
    const shared = uses.filter((u) => u >= 2).length / uses.length;
    expect(shared).toBeGreaterThan(0.05);
    expect(shared).toBeLessThan(0.15);
    expect(Math.max(...uses)).toBeLessThanOrEqual(3);
  });

  it('leaves ~8% of client persons without a cell and some without email; phones are US-shaped', () => {
    const clients = [...clientUse(firm).keys()].map((id) => contactsById.get(id) as ContactRecord);
    const persons = clients.filter((c) => c.person);
    const noCell = persons.filter((c) => !c.person?.cell).length / persons.length;
    expect(noCell).toBeGreaterThan(0.04);
    expect(noCell).toBeLessThan(0.13);
    expect(persons.some((c) => !c.person?.email)).toBe(true);
    const badPhones: unknown[] = [];
    for (const c of firm.contacts) {
      for (const p of [c.person?.phone, c.person?.cell, c.company?.phone]) {
        if (!p) continue;
        const digits = (p.number ?? '').replace(/\D/g, '');
        const ok = p.areaCode !== undefined ? /^[2-9]\d{2}$/.test(p.areaCode) && /^\d{7}$/.test(digits) : /^\d{10}$/.test(digits);
        if (!ok) badPhones.push(p);
      }
    }
    expect(badPhones).toEqual([]);
  });

  it('has Case Status messages on existing matters, ascending and alternating within each thread', () => {
    expect(firm.messages.length).toBeLessThanOrEqual(1.5 * n);
    const threads = new Map<string, typeof firm.messages>();
    const staffNames = new Set(firm.staff.map((s) => `${s.firstName} ${s.lastName}`));
    const problems: string[] = [];
    for (const msg of firm.messages) {
      const m = mattersById.get(msg.matterId);
      if (!m) {
        problems.push(`unknown matter ${msg.matterId}`);
        continue;
      }
      if (m.isLead || (m.status !== 'Open' && m.status !== 'Pending')) problems.push(`${m.number}: message on ${m.status}`);
      const list = threads.get(msg.threadId) ?? [];
      list.push(msg);
      threads.set(msg.threadId, list);
      if (msg.senderRole === 'client') {
        const names = m.clientIds.map((id) => contactDisplayName(contactsById.get(id) as ContactRecord));
        if (!names.includes(msg.senderName)) problems.push(`${m.number}: client sender ${msg.senderName}`);
      } else if (!staffNames.has(msg.senderName)) problems.push(`${m.number}: staff sender ${msg.senderName}`);
      if (!(Date.parse(msg.createdAt) <= DEFAULT_NOW_MS)) problems.push(`${msg.id}: createdAt ${msg.createdAt}`);
    }
    for (const [threadId, list] of threads) {
      if (list.length > 6) problems.push(`${threadId}: ${list.length} messages`);
      if (new Set(list.map((m) => m.matterId)).size !== 1) problems.push(`${threadId}: several matters`);
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1] as (typeof list)[number];
        const cur = list[i] as (typeof list)[number];
        if (!(Date.parse(cur.createdAt) > Date.parse(prev.createdAt))) problems.push(`${threadId}: not ascending at ${i}`);
        if (cur.senderRole === prev.senderRole) problems.push(`${threadId}: same sender role twice at ${i}`);
      }
    }
    expect(problems).toEqual([]);
    const active = firm.matters.filter((m) => !m.isLead && (m.status === 'Open' || m.status === 'Pending')).length;
    const withMessages = new Set(firm.messages.map((m) => m.matterId)).size / active;
    expect(withMessages).toBeGreaterThan(0.35);
    expect(withMessages).toBeLessThan(0.45);
    const bodies = new Set(firm.messages.map((m) => m.body));
    for (const b of AWKWARD_MESSAGE_BODIES) expect(bodies.has(b), JSON.stringify(b.slice(0, 40))).toBe(true);
  });

  it('has Case Status documents with varied sizes under the byte budget and awkward names', () => {
    const total = firm.documents.reduce((a, d) => a + d.sizeBytes, 0);
    expect(total).toBeLessThan((60 * 1024 * 1024 * n) / 2000);
    const bad = firm.documents.filter(
      (d) =>
        !mattersById.has(d.matterId) ||
        !(Number.isInteger(d.sizeBytes) && d.sizeBytes > 0) ||
        !(Number.isInteger(d.contentSeed) && d.contentSeed >= 0 && d.contentSeed < 2 ** 32) ||
        !(Date.parse(d.createdAt) <= DEFAULT_NOW_MS),
    );
    expect(bad).toEqual([]);
    const sizes = firm.documents.map((d) => d.sizeBytes);
    expect(sizes.filter((s) => s >= 2048 && s <= 300 * 1024).length / sizes.length).toBeGreaterThan(0.85);
    expect(sizes.some((s) => s >= 1024 * 1024)).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5 * 1024 * 1024);
    const names = new Set(firm.documents.map((d) => d.fileName));
    for (const f of AWKWARD_FILE_NAMES) expect(names.has(f), f.slice(0, 40)).toBe(true);
    const nfd = firm.documents.find((d) => d.fileName.normalize('NFC') === 'résumé (1).pdf');
    expect(nfd?.fileName).not.toBe('résumé (1).pdf'); // stored decomposed
    expect([...names].some((f) => f.length === 300)).toBe(true);
    const perMatter = countBy(firm.documents, (d) => `${d.matterId}\u0000${d.fileName}`);
    expect([...perMatter.values()].some((c) => c >= 2)).toBe(true);
    const active = firm.matters.filter((m) => !m.isLead && (m.status === 'Open' || m.status === 'Pending')).length;
    const withDocs = new Set(firm.documents.map((d) => d.matterId)).size / active;
    expect(withDocs).toBeGreaterThan(0.15);
    expect(withDocs).toBeLessThan(0.25);
  });
});

describe('generateFirm: awkward data in a small firm', () => {
  const firm = small.firm;
  const names = firm.contacts.map((c) => contactDisplayName(c));

  it('has unicode, apostrophes, hyphens and CJK in contact names', () => {
    expect(names.some((s) => /[\u0080-\uffff]/.test(s))).toBe(true);
    expect(names.some((s) => s.includes("'"))).toBe(true);
    expect(names.some((s) => /\p{L}-\p{L}/u.test(s))).toBe(true);
    expect(names.some((s) => /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(s))).toBe(true);
    expect(names.some((s) => /[À-ɏḀ-ỿ]/.test(s))).toBe(true); // Latin diacritics, e.g. José, Nguyễn
  });

  it('has a shared client and a client without a cell even at 50 matters', () => {
    expect([...clientUse(firm).values()].some((u) => u >= 2)).toBe(true);
    const clients = new Set(firm.matters.flatMap((m) => m.clientIds));
    expect(firm.contacts.some((c) => clients.has(c.id) && c.person && !c.person.cell)).toBe(true);
  });

  it('has every awkward file name and message body even at 50 matters', () => {
    const fileNames = new Set(firm.documents.map((d) => d.fileName));
    for (const f of AWKWARD_FILE_NAMES) expect(fileNames.has(f)).toBe(true);
    const bodies = new Set(firm.messages.map((m) => m.body));
    for (const b of AWKWARD_MESSAGE_BODIES) expect(bodies.has(b)).toBe(true);
    expect(firm.messages.some((m) => m.body.includes('\u0000'))).toBe(true);
    expect(firm.messages.some((m) => m.body.length >= 5000)).toBe(true);
  });
});
