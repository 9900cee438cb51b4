import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { StateStore } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/database.js';
import { HistoryRepository } from '../../src/store/history.js';
import { describeHistoryEntry } from '../../src/contract/history.js';
import { tempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof tempDir>;
let store: StateStore;
let clock: Date;

beforeEach(() => {
  tmp = tempDir();
  clock = new Date('2026-06-01T10:00:00.000Z');
  store = new StateStore(openDatabase(join(tmp.dir, 'sync.sqlite')), () => clock);
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

function link(id: string, number: string, title: string): void {
  store.links.saveMatter({
    matterId: id,
    caseId: `case-${id}`,
    caseUrl: `https://cs.example/cases/${id}`,
    matterNumber: number,
    matterTitle: title,
    matterVersion: '1',
    status: 'Open',
    stageId: 's1',
    stageName: 'Intake',
    stageUpdated: '1',
    clientIds: [],
    fingerprint: 'f',
    caseInput: {},
  });
}

describe('matter history store', () => {
  it('keeps each entry with its time, cause, run, Smokeball change and case id, newest first', () => {
    link('m1', '2026-001', 'Smith v Jones');
    store.history.record({ matterId: 'm1', kind: 'case_created', cause: 'initial', runId: 1, source: '100', details: { to: 'Intake' } });
    clock = new Date('2026-06-01T10:05:00.000Z');
    store.history.record({
      matterId: 'm1',
      kind: 'stage_sent',
      cause: 'realtime',
      runId: 2,
      source: '638000000000000123',
      details: { from: 'Intake', to: 'Discovery' },
    });
    store.history.record({ matterId: 'other', kind: 'case_created', cause: 'initial', runId: 1 });

    const timeline = store.history.timeline('m1');
    expect(timeline.map((e) => e.kind)).toEqual(['stage_sent', 'case_created']);
    expect(timeline[0]).toMatchObject({
      at: '2026-06-01T10:05:00.000Z',
      matterId: 'm1',
      caseId: 'case-m1',
      cause: 'realtime',
      runId: 2,
      source: '638000000000000123',
      details: { from: 'Intake', to: 'Discovery' },
    });
    expect(describeHistoryEntry(timeline[0]!)).toBe('Stage sent: Intake → Discovery');
    // An unlinked matter has no case to link to.
    expect(store.history.timeline('other')[0]?.caseId).toBeNull();
  });

  it('reads its rows through the matter index', () => {
    const plan = store.db.prepare('EXPLAIN QUERY PLAN SELECT * FROM matter_history WHERE matter_id = ? ORDER BY id DESC LIMIT 10').all('m1') as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('matter_history_matter');
  });

  it('finds matters by number, title or client name and says which matched', () => {
    link('m1', '2026-001', 'Smith v Jones');
    link('m2', '2026-002', 'Estate of Brown');
    link('m3', '2026-0010', 'Lease review');
    store.history.setClientNames('m2', ['Alice Smith']);

    const byNumber = store.history.search('2026-001');
    // The exact number first, then the one that only contains it.
    expect(byNumber.map((m) => [m.matterId, m.matchedOn])).toEqual([
      ['m1', 'number'],
      ['m3', 'number'],
    ]);
    const bySmith = store.history.search('smith');
    expect(bySmith.map((m) => [m.matterId, m.matchedOn]).sort()).toEqual([
      ['m1', 'title'],
      ['m2', 'client'],
    ]);
    expect(bySmith.find((m) => m.matterId === 'm2')).toMatchObject({ clientNames: ['Alice Smith'], caseUrl: 'https://cs.example/cases/m2' });
    expect(store.history.search('m3').map((m) => [m.matterId, m.matchedOn])).toEqual([['m3', 'id']]);
    // LIKE wildcards in the query are literal text.
    expect(store.history.search('%')).toEqual([]);
    expect(store.history.search('   ')).toEqual([]);
  });

  it('keeps at most the newest N entries per matter as it writes', () => {
    const small = new HistoryRepository(store.db, () => clock, 3);
    for (let i = 1; i <= 5; i++) small.record({ matterId: 'm1', kind: 'stage_sent', source: String(i) });
    small.record({ matterId: 'm2', kind: 'case_created' });
    expect(small.timeline('m1').map((e) => e.source)).toEqual(['5', '4', '3']);
    expect(small.count('m2')).toBe(1);
  });

  it('prunes entries past the retention and past the table cap, oldest first', () => {
    store.history.record({ matterId: 'm1', kind: 'case_created', source: 'old' });
    clock = new Date('2026-09-01T10:00:00.000Z');
    for (let i = 0; i < 4; i++) store.history.record({ matterId: `n${i}`, kind: 'case_created', source: `new${i}` });
    // 92 days later: the June entry is past a 90-day retention, not past 180 days.
    expect(store.history.prune({ retentionDays: 180, maxRows: 100 })).toBe(0);
    expect(store.history.prune({ retentionDays: 90, maxRows: 100 })).toBe(1);
    expect(store.history.count('m1')).toBe(0);
    expect(store.history.prune({ retentionDays: 90, maxRows: 2 })).toBe(2);
    expect(store.history.count()).toBe(2);
    expect(['n2', 'n3'].map((m) => store.history.count(m))).toEqual([1, 1]);
  });

  it('records an attention item for a matter when it opens and when it is resolved, not every sighting', () => {
    link('m1', '2026-001', 'Smith v Jones');
    store.attention.raise('matter_failed', 'm1', 'Case Status refused matter 2026-001: bad title');
    store.attention.raise('matter_failed', 'm1', 'Case Status refused matter 2026-001: bad title');
    // A document item names its matter in the details; a stage item has no matter.
    store.attention.raise('document_failed', 'doc-1', 'Upload refused', { matterId: 'm1' });
    store.attention.raise('unmapped_stage', 's9', 'Stage Appeal has no Case Status stage');
    store.attention.resolve('matter_failed', 'm1');
    store.attention.resolve('matter_failed', 'm1');

    const entries = store.history.timeline('m1').reverse();
    expect(entries.map((e) => [e.kind, e.details.attentionKind])).toEqual([
      ['attention_raised', 'matter_failed'],
      ['attention_raised', 'document_failed'],
      ['attention_resolved', 'matter_failed'],
    ]);
    expect(entries[0]?.details.reason).toBe('Case Status refused matter 2026-001: bad title');
    expect(store.history.count()).toBe(3);
  });
});
