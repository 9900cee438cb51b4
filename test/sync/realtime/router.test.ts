import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../../src/sync/realtime/coalescer.js';
import { routeEvent, type Route } from '../../../src/sync/realtime/event-router.js';
import { backoffMs } from '../../../src/sync/realtime/realtime-sync.js';
import { isAlreadyApplied, readTicks } from '../../../src/sync/realtime/version-guard.js';

const MATTER = '0b6f3c1e-1111-4c1e-9d0a-2f7b1a9d0001';
const OTHER = '0b6f3c1e-2222-4c1e-9d0a-2f7b1a9d0002';
const T1 = '638396640000000001';
const T2 = '638396640000500000';

function sbEvent(type: string, payload: unknown, requestId: string | null = 'req-staff', cursor = '1') {
  return {
    cursor,
    source: 'smokeball',
    type,
    receivedAt: '2026-01-01T00:00:00.000Z',
    requestId,
    eventId: `e${cursor}`,
    body: { accountId: 'a', subscriptionId: 's', type, source: 'Smokeball', payload, timestamp: T1 },
  };
}
function csEvent(type: string, data: unknown, cursor = '2') {
  return {
    cursor,
    source: 'casestatus',
    type,
    receivedAt: '2026-01-01T00:00:00.000Z',
    requestId: null,
    eventId: `c${cursor}`,
    body: { id: `c${cursor}`, type, firmId: 'f', createdAt: '2026-01-01T00:00:00.000Z', data },
  };
}
const none = () => false;
const route = (raw: unknown, own: (id: string) => boolean = none): Route => routeEvent(raw, own).route;

describe('event router', () => {
  it('routes matter, stage and contact events to what must be re-read', () => {
    expect(route(sbEvent('matter.updated', { id: MATTER, versionId: T2 }))).toEqual({
      kind: 'matter',
      matterId: MATTER,
      version: { value: BigInt(T2), exact: true },
    });
    expect(route(sbEvent('matter.closed', { id: MATTER }))).toMatchObject({ kind: 'matter', matterId: MATTER, version: undefined });
    expect(route(sbEvent('matterstage.updated', { id: 'ms', matter: { id: MATTER }, lastUpdated: T1 }))).toEqual({
      kind: 'stage',
      matterId: MATTER,
      lastUpdated: { value: BigInt(T1), exact: true },
    });
    expect(route(sbEvent('contact.updated', { id: OTHER }))).toEqual({ kind: 'contact', contactId: OTHER });
  });

  it('treats malformed events as malformed and never throws', () => {
    const bad: unknown[] = [
      null,
      'text',
      42,
      [],
      {},
      { source: 'smokeball', type: 'matter.updated' }, // no body
      { ...sbEvent('matter.updated', { id: MATTER }), source: 'zapier' },
      sbEvent('matter.updated', null),
      sbEvent('matter.updated', { id: 12 }),
      sbEvent('matter.updated', { id: '' }),
      sbEvent('matter.updated', { id: 'has spaces; DROP TABLE' }),
      sbEvent('matterstage.updated', { matter: 'not-an-object' }),
      sbEvent('contact.updated', { id: { nested: true } }),
      csEvent('message.created', null),
      csEvent('case.updated', { source: 'elsewhere' }),
      { cursor: 3, source: 'smokeball', type: 7, body: {} },
    ];
    for (const raw of bad) expect(route(raw).kind, JSON.stringify(raw)).toBe('malformed');
  });

  it('ignores unknown and unused event types without acting on them', () => {
    expect(route(sbEvent('invoice.finalized', { id: MATTER }))).toMatchObject({ kind: 'ignore', reason: expect.stringContaining('unknown') });
    expect(route(sbEvent('memo.created', { id: 'm1', matterId: MATTER }))).toMatchObject({ kind: 'ignore' });
    expect(route(sbEvent('noop', { id: 'n' }))).toMatchObject({ kind: 'ignore' });
    expect(route(csEvent('invoice.paid', {}))).toMatchObject({ kind: 'ignore', reason: expect.stringContaining('unknown') });
  });

  it('ignores the echoes of our own writes by RequestId, but still reports failed writes', () => {
    const own = (id: string) => id === 'req-ours';
    expect(route(sbEvent('matter.updated', { id: MATTER }, 'req-ours'), own)).toMatchObject({ kind: 'own' });
    expect(route(sbEvent('memo.created', { id: 'm1' }, 'req-ours'), own)).toMatchObject({ kind: 'own' });
    // The same event made by staff in Smokeball (another RequestId) is applied.
    expect(route(sbEvent('matter.updated', { id: MATTER }, 'req-staff'), own)).toMatchObject({ kind: 'matter' });
    // An `error` event reports that one of our asynchronous writes failed: the write-back job must hear of it.
    expect(route(sbEvent('error', { message: 'Contact not found', resourceName: 'Memo', resourceId: 'x' }, 'req-ours'), own)).toMatchObject({
      kind: 'writeback',
    });
  });

  it('routes Case Status events: messages and documents to write-back, our own case updates ignored, portal edits logged', () => {
    expect(route(csEvent('message.created', { id: 'm', caseExternalId: MATTER }))).toMatchObject({ kind: 'writeback' });
    expect(route(csEvent('document.created', { id: 'd' }))).toMatchObject({ kind: 'writeback' });
    expect(route(csEvent('case.updated', { source: 'api', case: { externalId: MATTER } }))).toMatchObject({ kind: 'own' });
    const portal = route(csEvent('case.updated', { source: 'portal', case: { externalId: MATTER }, stageChange: { from: 'A', to: 'B' } }));
    expect(portal).toMatchObject({ kind: 'ignore', note: expect.stringContaining(MATTER) });
  });
});

describe('coalescer', () => {
  it('merges events per matter, keeps the newest version, and counts the events', () => {
    const c = new Coalescer();
    c.add({ kind: 'stage', matterId: MATTER, lastUpdated: readTicks(T1) });
    c.add({ kind: 'stage', matterId: MATTER, lastUpdated: readTicks(T2) });
    c.add({ kind: 'stage', matterId: MATTER, lastUpdated: readTicks(T1) }); // late duplicate
    c.add({ kind: 'matter', matterId: OTHER, version: readTicks(T1) });
    c.add({ kind: 'contact', contactId: 'c1' });
    c.add({ kind: 'contact', contactId: 'c1' });
    expect(c.add({ kind: 'own', reason: 'x' })).toBe(false);
    const batch = c.drain();
    expect(batch.matters.size).toBe(2);
    expect(batch.matters.get(MATTER)).toMatchObject({ stage: true, matter: false, events: 3, stageUpdated: { value: BigInt(T2) } });
    expect(batch.matters.get(OTHER)).toMatchObject({ matter: true, stage: false, matterVersion: { value: BigInt(T1) } });
    expect([...batch.contacts]).toEqual(['c1']);
    expect(batch.actionableEvents).toBe(6);
    expect(c.size).toBe(0);
  });

  it('a hint without a version makes the merged hint unversioned (it must be re-read)', () => {
    const c = new Coalescer();
    c.add({ kind: 'stage', matterId: MATTER, lastUpdated: readTicks(T2) });
    c.add({ kind: 'stage', matterId: MATTER, lastUpdated: undefined });
    // A matter event does not blank the stage version, and vice versa.
    c.add({ kind: 'matter', matterId: MATTER, version: readTicks(T1) });
    const hint = c.drain().matters.get(MATTER)!;
    expect(hint.stageUpdated).toBeUndefined();
    expect(hint.matterVersion).toEqual({ value: BigInt(T1), exact: true });
  });

  it('restores a batch that failed, merged with what came meanwhile', () => {
    const c = new Coalescer();
    c.add({ kind: 'stage', matterId: MATTER, lastUpdated: readTicks(T1) });
    const failed = c.drain();
    c.add({ kind: 'stage', matterId: MATTER, lastUpdated: readTicks(T2) });
    c.add({ kind: 'contact', contactId: 'c9' });
    c.restore(failed);
    const batch = c.drain();
    expect(batch.matters.get(MATTER)).toMatchObject({ events: 2, stageUpdated: { value: BigInt(T2) } });
    expect(batch.contacts.has('c9')).toBe(true);
    expect(batch.actionableEvents).toBe(3);
  });
});

describe('version guard', () => {
  it('drops exact hints that are not newer than the applied version', () => {
    expect(isAlreadyApplied(readTicks(T1), T2)).toBe(true);
    expect(isAlreadyApplied(readTicks(T2), T2)).toBe(true); // a duplicate of what was applied
    expect(isAlreadyApplied(readTicks(T2), T1)).toBe(false);
    expect(isAlreadyApplied(readTicks(T1), null)).toBe(false); // nothing applied yet
    expect(isAlreadyApplied(undefined, T2)).toBe(false); // unversioned: re-read
  });

  it('treats ticks that went through a JSON double as approximate: only clearly older ones are dropped', () => {
    const applied = BigInt(T2);
    const rounded = readTicks(Number(T2))!; // JSON.parse rounding
    expect(rounded.exact).toBe(false);
    expect(isAlreadyApplied(rounded, String(applied))).toBe(false); // too close to call: re-read
    expect(isAlreadyApplied(rounded, String(applied + 1n))).toBe(false);
    expect(isAlreadyApplied(readTicks(Number(T1)), T2)).toBe(true); // 50 ms older: certainly older
    expect(readTicks('12abc')).toBeUndefined();
    expect(readTicks(-5)).toBeUndefined();
  });
});

describe('backoff and the recent RequestId set', () => {
  it('backs off exponentially with jitter up to the cap', () => {
    expect(backoffMs(1, 30_000, () => 0)).toBe(250);
    expect(backoffMs(1, 30_000, () => 1)).toBe(500);
    expect(backoffMs(4, 30_000, () => 1)).toBe(4_000);
    expect(backoffMs(20, 30_000, () => 1)).toBe(30_000);
    expect(backoffMs(20, 30_000, () => 0)).toBe(15_000);
  });
});
