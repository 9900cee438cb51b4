/**
 * Bad input corpus, Smokeball side: hostile and malformed records served by the real Smokeball simulator over
 * HTTP (through the test-only wire overrides), synced by the real engine into a real SQLite store and the
 * Case Status simulator. Each bad record must end as a clear error or an item needing attention; the run
 * goes on (every other matter synced), and nothing reaches Case Status twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearWireOverrides, overrideWire } from '../../src/sim/smokeball/wire-overrides.js';
import { connectToWorld, startWorld, type World } from '../../src/testbed/world.js';
import type { SyncStack } from '../../src/sync/compose.js';
import type { RunSummary } from '../../src/sync/engine/engine.js';
import { expectedCases } from '../helpers/firm-expectations.js';
import { tempDir } from '../helpers/tmp.js';

const FAST = { faults: { latencyMs: 5, latencyJitterMs: 3 } };
// 800 seeded matters give 579 eligible ones: two 500-record pages, so a duplicate id can span pages.
const MATTERS = 800;

type Wire = Record<string, unknown>;

let world: World;
let stack: SyncStack & { dataDir: string };
let dir: ReturnType<typeof tempDir>;
let run: RunSummary;
/** Eligible matters in the order the simulator lists them (creation order). */
let eligible: string[];
const pick: Record<string, string> = {};
const contactPick: Record<string, string> = {};
const expected = new Map<string, ReturnType<typeof expectedCases> extends Map<string, infer V> ? V : never>();

const HTML_TITLE = '<script>alert("pwned")</script> & <b>Smith</b> v. Jones';
const HTML_DESCRIPTION = '<img src=x onerror=alert(1)><iframe src="javascript:alert(2)"></iframe>';
const CONTROL_TITLE = 'Smith\u0000 v.\u0007 Jones\u001b[31m\u007f Estate';
const HUGE = 100_000;

function casesCreatedPerMatter(): Map<string, number> {
  const n = new Map<string, number>();
  for (const c of world.caseStatus.control.stageChanges()) if (c.from === null) n.set(c.caseExternalId, (n.get(c.caseExternalId) ?? 0) + 1);
  return n;
}

function stageChangeCounts(): Map<string, number> {
  const n = new Map<string, number>();
  for (const c of world.caseStatus.control.stageChanges()) n.set(c.caseExternalId, (n.get(c.caseExternalId) ?? 0) + 1);
  return n;
}

/** The first eligible matters (page one) that have a client with a person record and a stage: safe targets. */
function choosePicks(): void {
  const contacts = new Map(world.firm.contacts.map((c) => [c.id, c]));
  const stageOf = new Set(world.firm.matterStages.map((s) => s.matterId));
  const usedContacts = new Set<string>();
  // Contacts shared by several matters would spread one hostile record over many cases: avoid them.
  const clientUse = new Map<string, number>();
  for (const m of world.firm.matters) for (const id of m.clientIds) clientUse.set(id, (clientUse.get(id) ?? 0) + 1);
  const candidates = eligible.slice(0, 400).filter((id) => {
    const m = world.firm.matters.find((x) => x.id === id)!;
    const exp = expectedCases(world.firm).get(id);
    return stageOf.has(id) && exp?.stage && m.clientIds.length === 1 && contacts.get(m.clientIds[0]!)?.person && clientUse.get(m.clientIds[0]!) === 1;
  });
  const names = [
    'html',
    'control',
    'huge',
    'titleNumber',
    'clientsNull',
    'noId',
    'statusNumber',
    'typeString',
    'badTicks',
    'unknownStage',
    'stageNameNumber',
    'duplicateOf',
    'contactHtml',
    'contactNumberName',
    'contactNoPhone',
    'contactGarbagePhone',
    'contactNoNames',
    'contactHuge',
  ];
  names.forEach((name, i) => {
    const id = candidates[i];
    if (!id) throw new Error(`not enough candidate matters for ${name}`);
    pick[name] = id;
    if (name.startsWith('contact')) {
      const contactId = world.firm.matters.find((x) => x.id === id)!.clientIds[0]!;
      usedContacts.add(contactId);
      contactPick[name] = contactId;
    }
  });
  // The duplicate: a record on page two that carries page one's id (offset paging of a shifting list).
  pick.duplicateSlot = eligible[eligible.length - 5]!;
}

async function installCorpus(): Promise<void> {
  const sb = world.smokeball.url;
  const m = (name: string, t: (w: Wire) => unknown) => overrideWire(sb, 'matter', pick[name]!, t);
  const c = (name: string, t: (w: Wire) => unknown) => overrideWire(sb, 'contact', contactPick[name]!, t);
  m('html', (w) => ({ ...w, title: HTML_TITLE, description: HTML_DESCRIPTION }));
  m('control', (w) => ({ ...w, title: CONTROL_TITLE, description: 'line one\u0000\u0001line two' }));
  m('huge', (w) => ({ ...w, title: 'T'.repeat(HUGE), description: 'D'.repeat(HUGE), number: `${String(w.number)}-${'N'.repeat(HUGE)}` }));
  m('titleNumber', (w) => ({ ...w, title: 12345, description: { nested: ['object'] } }));
  m('clientsNull', (w) => ({ ...w, clients: null, clientIds: null }));
  m('noId', (w) => {
    const { id: _id, ...rest } = w;
    return rest;
  });
  m('statusNumber', (w) => ({ ...w, status: 42 }));
  m('typeString', (w) => ({ ...w, matterType: 'Personal Injury' }));
  overrideWire(sb, 'matterStage', pick.badTicks!, (w) => ({ ...w, lastUpdated: 'yesterday' }));
  overrideWire(sb, 'matterStage', pick.unknownStage!, (w) => ({
    ...w,
    stage: { id: 'ffffffff-0000-4000-8000-00000000dead', name: 'Mystery Stage', isDeleted: false },
  }));
  overrideWire(sb, 'matterStage', pick.stageNameNumber!, (w) => ({ ...w, stage: { ...(w.stage as Wire), name: 7 } }));
  // Page two serves page one's record again, in place of one of its own.
  const { items: _items, ...duplicateWire } = await stack.smokeball.get<Wire>(`/matters/${pick.duplicateOf}`);
  overrideWire(sb, 'matter', pick.duplicateSlot!, () => duplicateWire);
  c('contactHtml', (w) => ({ ...w, person: { ...(w.person as Wire), firstName: '<script>alert(1)</script>Pat\u0000', lastName: '<b>Client</b>' } }));
  c('contactNumberName', (w) => ({ ...w, person: { ...(w.person as Wire), firstName: 42, lastName: null } }));
  c('contactNoPhone', (w) => ({ ...w, person: { ...(w.person as Wire), cell: null, phone: null } }));
  c('contactGarbagePhone', (w) => ({ ...w, person: { ...(w.person as Wire), cell: 'call me maybe' } }));
  c('contactNoNames', (w) => {
    const { person: _p, company: _c, ...rest } = w;
    return rest;
  });
  c('contactHuge', (w) => ({ ...w, person: { ...(w.person as Wire), firstName: 'F'.repeat(HUGE), lastName: 'L'.repeat(HUGE) } }));
}

beforeAll(async () => {
  world = await startWorld({ matters: MATTERS, seed: 7, smokeball: FAST, caseStatus: FAST });
  dir = tempDir('css-bad-sb-');
  stack = await connectToWorld(world, { dataDir: dir.dir, ratePerSecond: 20, burst: 10 });
  for (const [id, v] of expectedCases(world.firm)) expected.set(id, v);
  eligible = world.firm.matters.filter((m) => expected.has(m.id)).map((m) => m.id);
  choosePicks();
  await installCorpus();
  run = await stack.engine.initialImport();
}, 60_000);

afterAll(async () => {
  clearWireOverrides();
  stack?.close();
  await world?.close();
  dir?.cleanup();
});

describe('bad input from Smokeball: the import goes on and every bad record is named', () => {
  it('finishes the run and syncs every good matter exactly once', () => {
    expect(run.error).toBeUndefined();
    expect(run.outcome).not.toBe('failed');
    const cases = world.caseStatus.control.cases();
    const skipped = new Set([pick.noId, pick.statusNumber, pick.duplicateSlot, pick.badTicks, pick.typeString]);
    for (const id of expected.keys()) {
      if (skipped.has(id)) continue;
      expect(cases.has(id), `case of ${id}`).toBe(true);
    }
    // Nothing created twice, no stage sent twice (the import sets each stage once, at creation).
    expect(Math.max(...casesCreatedPerMatter().values())).toBe(1);
    expect(Math.max(...stageChangeCounts().values())).toBe(1);
    expect([...cases.keys()].every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
  });

  it('HTML reaches Case Status as plain text (not executed, not double-escaped), control characters never', () => {
    const cases = world.caseStatus.control.cases();
    const html = cases.get(pick.html!)!;
    expect(html.title).toBe(HTML_TITLE);
    expect(html.description).toBe(HTML_DESCRIPTION);
    const control = cases.get(pick.control!)!;
    expect(control.title).toBe('Smith v. Jones [31m Estate');
    // eslint-disable-next-line no-control-regex -- control characters are what must not get through
    expect(control.description ?? '').not.toMatch(/[\u0000-\u0008]/);
    const client = world.caseStatus.control.clients().get(contactPick.contactHtml!)!;
    expect(client.firstName).toBe('<script>alert(1)</script>Pat');
    expect(client.lastName).toBe('<b>Client</b>');
  });

  it('cuts 100,000-character fields to Case Status limits instead of failing the case', () => {
    const huge = world.caseStatus.control.cases().get(pick.huge!)!;
    expect(huge.title).toBe('T'.repeat(500));
    expect(huge.description!.length).toBe(20_000);
    expect(huge.readableId.length).toBeLessThanOrEqual(100);
    const client = world.caseStatus.control.clients().get(contactPick.contactHuge!)!;
    expect(client.firstName).toBe('F'.repeat(200));
    expect(client.lastName).toBe('L'.repeat(200));
  });

  it('reads wrong types without crashing: a number title, null client lists, a string matter type', () => {
    const cases = world.caseStatus.control.cases();
    expect(cases.get(pick.titleNumber!)!.title).toBe('12345');
    expect(cases.get(pick.clientsNull!)!.clientExternalIds).toEqual([]);
    // A matter type that is not a link cannot be mapped: an item needing attention names the matter and why.
    expect(cases.has(pick.typeString!)).toBe(false);
    const typeItem = stack.store.attention.open('matter_failed', 1000).find((i) => i.subjectId === pick.typeString);
    expect(typeItem?.reason).toMatch(/matter type is "Personal Injury", not a link/);
    // A stage name that is a number is read as text: no such stage in Case Status, so an item, and no stage.
    expect(cases.get(pick.stageNameNumber!)!.stage).toBeNull();
    expect(stack.store.attention.open('unmapped_stage').find((i) => i.reason.includes('"7"'))).toBeDefined();
    const client = world.caseStatus.control.clients().get(contactPick.contactNumberName!)!;
    expect(client.firstName).toBe('42');
  });

  it('lists records it cannot use (no id, unreadable status, unreadable stage time) as items needing attention', () => {
    const failed = stack.store.attention.open('matter_failed', 1000);
    const reasons = failed.map((i) => `${i.subjectId}: ${i.reason}`).join('\n');
    expect(
      failed.find((i) => i.subjectId === pick.statusNumber),
      reasons,
    ).toBeDefined();
    expect(
      failed.find((i) => i.subjectId === pick.badTicks),
      reasons,
    ).toBeDefined();
    expect(
      failed.find((i) => /without an id/i.test(i.reason)),
      reasons,
    ).toBeDefined();
    // A stage time it cannot read makes any stage a guess (and a wrong one texts the client a survey): the
    // matter waits for a readable one instead of being written.
    expect(world.caseStatus.control.cases().has(pick.badTicks!)).toBe(false);
    for (const i of failed.filter((x) => x.details.unreadable === true))
      expect(i.reason).toMatch(/^Smokeball sent .+ that cannot be synced: .+\. It is skipped/);
  });

  it('raises an item for an unknown stage and a client without a usable cell phone; the case is still written', () => {
    const unmapped = stack.store.attention.open('unmapped_stage');
    expect(unmapped.find((i) => i.reason.includes('Mystery Stage'))).toBeDefined();
    expect(world.caseStatus.control.cases().get(pick.unknownStage!)!.stage).toBeNull();
    const noPhone = new Set(stack.store.attention.open('client_without_cell_phone', 5000).map((i) => i.subjectId));
    expect(noPhone.has(contactPick.contactNoPhone!)).toBe(true);
    expect(noPhone.has(contactPick.contactGarbagePhone!)).toBe(true);
    for (const name of ['contactNoPhone', 'contactGarbagePhone']) {
      expect(world.caseStatus.control.clients().get(contactPick[name]!)!.cellPhone).toBeNull();
      expect(world.caseStatus.control.cases().get(pick[name]!)!.clientExternalIds).toEqual([contactPick[name]]);
    }
    // A contact with neither a person nor a company still becomes a client Case Status accepts.
    expect(world.caseStatus.control.clients().get(contactPick.contactNoNames!)).toBeDefined();
  });

  it('writes a matter served twice across pages once', () => {
    const changes = world.caseStatus.control.stageChanges().filter((c) => c.caseExternalId === pick.duplicateOf);
    expect(changes).toHaveLength(1);
    expect(world.caseStatus.control.cases().get(pick.duplicateOf!)!.title).toBe(world.firm.matters.find((m) => m.id === pick.duplicateOf)!.title);
  });

  it('the next reconcile with clean data picks up what was skipped and sends nothing twice', async () => {
    clearWireOverrides(world.smokeball.url);
    const before = stageChangeCounts();
    const again = await stack.engine.reconcile();
    expect(again.outcome).toBe('succeeded');
    const cases = world.caseStatus.control.cases();
    for (const id of [pick.noId!, pick.statusNumber!, pick.duplicateSlot!, pick.typeString!]) expect(cases.has(id), id).toBe(true);
    // Stage changes only where the clean data really differs (the unreadable and unknown stages), one each.
    const after = stageChangeCounts();
    const changed = [...after]
      .filter(([id, n]) => n !== (before.get(id) ?? 0))
      .map(([id]) => id)
      .sort();
    const allowed = new Set([pick.noId, pick.statusNumber, pick.duplicateSlot, pick.typeString, pick.badTicks, pick.unknownStage, pick.stageNameNumber]);
    for (const id of changed) expect(allowed.has(id), `unexpected stage change for ${id}`).toBe(true);
    expect(Math.max(...[...after].map(([id, n]) => n - (before.get(id) ?? 0)))).toBeLessThanOrEqual(1);
    // The records that were unreadable are readable now: their items are resolved.
    const failed = stack.store.attention.open('matter_failed', 1000).map((i) => i.subjectId);
    expect(failed).not.toContain(pick.statusNumber);
    expect(failed).not.toContain(pick.badTicks);
  }, 60_000);

  it('a linked matter served unreadable during a reconcile is not closed, and a real-time refresh of it does not fail', async () => {
    const [a, b] = [...stack.store.links.allMatters()].filter((l) => l.status !== 'Closed').map((l) => l.matterId);
    const before = world.caseStatus.control.cases();
    overrideWire(world.smokeball.url, 'matter', a!, (w) => ({ ...w, status: 'Banana', title: ['not', 'text'] }));
    overrideWire(world.smokeball.url, 'matterStage', b!, (w) => ({ ...w, lastUpdated: -1 }));
    const changes = world.caseStatus.control.stageChanges().length;
    const rec = await stack.engine.reconcile();
    expect(rec.outcome).toBe('succeeded');
    expect(rec.counts.casesClosed).toBe(0);
    expect(world.caseStatus.control.cases().get(a!)).toEqual(before.get(a!));
    expect(world.caseStatus.control.cases().get(b!)).toEqual(before.get(b!));
    const failed = stack.store.attention.open('matter_failed', 1000);
    expect(failed.find((i) => i.subjectId === a)?.reason).toMatch(/status is "Banana"/);
    expect(failed.find((i) => i.subjectId === b)?.reason).toMatch(/lastUpdated is -1/);

    // The real-time path (an event names the matter): the refresh succeeds, the case stays, the item stays open.
    const refresh = await stack.engine.refresh({ matterIds: [a!], stageMatterIds: [b!] });
    expect(refresh.outcome).toBe('succeeded');
    expect(world.caseStatus.control.cases().get(a!)!.status).toBe(before.get(a!)!.status);
    expect(world.caseStatus.control.stageChanges().length).toBe(changes);
    expect(stack.store.attention.open('matter_failed', 1000).filter((i) => i.subjectId === a || i.subjectId === b)).toHaveLength(2);

    // Once Smokeball answers properly, the next complete scan resolves both items and writes nothing new.
    clearWireOverrides(world.smokeball.url);
    const clean = await stack.engine.reconcile();
    expect(clean.counts.casesCreated + clean.counts.casesUpdated + clean.counts.casesClosed).toBe(0);
    expect(stack.store.attention.open('matter_failed', 1000).filter((i) => i.subjectId === a || i.subjectId === b)).toHaveLength(0);
    expect(world.caseStatus.control.stageChanges().length).toBe(changes);
  }, 60_000);
});
