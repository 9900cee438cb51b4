import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStateStore, type StateStore } from '../../src/store/index.js';
import { schemaVersion } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { tempDir } from '../helpers/tmp.js';

let tmp: ReturnType<typeof tempDir>;
let store: StateStore;
let path: string;

beforeEach(() => {
  tmp = tempDir();
  path = join(tmp.dir, 'state', 'sync.sqlite');
  store = openStateStore(path);
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const matterLink = (id: string, over: Partial<Parameters<StateStore['links']['saveMatter']>[0]> = {}) => ({
  matterId: id,
  caseId: `case-${id}`,
  caseUrl: `https://cs.example/cases/${id}`,
  matterNumber: `N-${id}`,
  matterTitle: 'Smith - PI',
  matterVersion: '638000000000000000',
  status: 'Open',
  stageId: 's1',
  stageName: 'Intake',
  stageUpdated: '638000000000000000',
  clientIds: ['c1', 'c2'],
  fingerprint: 'f1',
  caseInput: { title: 'Smith - PI' },
  ...over,
});

describe('state store', () => {
  it('creates the file in WAL mode with the latest schema', () => {
    expect(existsSync(path)).toBe(true);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(store.db)).toBe(MIGRATIONS.length);
  });

  it('looks up our own write RequestIds by index (asked for every real-time event)', () => {
    const plan = store.db.prepare('EXPLAIN QUERY PLAN SELECT 1 FROM outbox WHERE request_id = ? LIMIT 1').all('x') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX outbox_request_id/);
    const item = store.outbox.enqueue({ idempotencyKey: 'k1', kind: 'memo_entry', subjectId: 'm1', payload: {} });
    store.outbox.markInFlight(item.id, 'req-1');
    expect(store.outbox.hasRequestId('req-1')).toBe(true);
    expect(store.outbox.hasRequestId('req-2')).toBe(false);
  });

  it('refuses a database from a newer version of the app', () => {
    store.close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    expect(() => openStateStore(path)).toThrow(/newer than this app understands/);
    store = openStateStore(join(tmp.dir, 'other.sqlite'));
  });

  it('upserts matter links and finds matters by client', () => {
    store.links.saveMatter(matterLink('m1'));
    store.links.saveMatter(matterLink('m2', { clientIds: ['c2'] }));
    store.links.saveMatter(matterLink('m1', { stageId: 's2', fingerprint: 'f2' }));
    expect(store.links.matterCount()).toBe(2);
    expect(store.links.matter('m1')).toMatchObject({ stageId: 's2', fingerprint: 'f2', clientIds: ['c1', 'c2'] });
    expect(store.links.mattersWithClient('c2').map((m) => m.matterId)).toEqual(['m1', 'm2']);
    expect(store.links.mattersWithClient('c1').map((m) => m.matterId)).toEqual(['m1']);
    expect([...store.links.allMatters()]).toHaveLength(2);
  });

  it('keeps checkpoints as JSON and clears them by prefix', () => {
    store.checkpoints.set('import.matters.page.0', { done: true });
    store.checkpoints.set('import.matters.page.500', { done: true });
    store.checkpoints.set('import_x', 1);
    store.checkpoints.set('cursor.matters', '638000000000000001');
    expect(store.checkpoints.get('import.matters.page.0')).toEqual({ done: true });
    store.checkpoints.deletePrefix('import.');
    expect(store.checkpoints.get('import.matters.page.500')).toBeUndefined();
    expect(store.checkpoints.get('import_x')).toBe(1); // '_' is not a wildcard
    expect(store.checkpoints.get('cursor.matters')).toBe('638000000000000001');
  });

  it('queues an outbox item once per idempotency key and walks it through its states', () => {
    const a = store.outbox.enqueue({ idempotencyKey: 'memo:msg-1', kind: 'memo', subjectId: 'm1', payload: { text: 'hi' } });
    const b = store.outbox.enqueue({ idempotencyKey: 'memo:msg-1', kind: 'memo', subjectId: 'm1', payload: { text: 'other' } });
    expect(b.id).toBe(a.id);
    expect(b.payload).toEqual({ text: 'hi' });
    store.outbox.markInFlight(a.id, 'req-1');
    expect(store.outbox.ready('memo')).toHaveLength(1); // interrupted in-flight items are still ready (to be checked)
    store.outbox.markFailed(a.id, 'timeout', new Date(Date.now() + 60_000), false);
    expect(store.outbox.ready('memo')).toHaveLength(0); // backing off
    store.outbox.markFailed(a.id, 'HTTP 400', null, true);
    expect(store.outbox.counts().dead).toBe(1);
    store.outbox.revive(a.id);
    expect(store.outbox.ready('memo')).toHaveLength(1);
    store.outbox.markDone(a.id, 'memo-9');
    expect(store.outbox.byKey('memo:msg-1')).toMatchObject({ state: 'done', remoteId: 'memo-9', attempts: 1, requestId: 'req-1' });
  });

  it('records runs and marks runs left running as interrupted', () => {
    const id = store.runs.start('initial');
    store.runs.finish(id, 'succeeded', { matters: 10 });
    store.runs.start('incremental');
    expect(store.runs.markInterrupted()).toBe(1);
    expect(store.runs.recent().map((r) => r.outcome)).toEqual(['interrupted', 'succeeded']);
    expect(store.runs.lastSucceeded()?.stats).toEqual({ matters: 10 });
  });

  it('keeps one open attention item per subject and counts repeats', () => {
    store.attention.raise('unmapped_stage', 'stage-1', 'Stage "Lien" has no Case Status stage', { matters: 3 });
    store.attention.raise('unmapped_stage', 'stage-1', 'Stage "Lien" has no Case Status stage', { matters: 4 });
    store.attention.raise('client_without_cell_phone', 'c9', 'No cell phone');
    expect(store.attention.open()).toHaveLength(2);
    expect(store.attention.open('unmapped_stage')[0]).toMatchObject({ occurrences: 2, details: { matters: 4 } });
    expect(store.attention.resolve('unmapped_stage', 'stage-1')).toBe(true);
    expect(store.attention.countOpen()).toEqual({ client_without_cell_phone: 1 });
    store.attention.raise('unmapped_stage', 'stage-1', 'again');
    expect(store.attention.open('unmapped_stage')[0]?.occurrences).toBe(1);
  });

  it('links messages, folders and documents idempotently', () => {
    store.items.linkMessage({ messageId: 'x', threadId: 't', matterId: 'm', memoId: 'memo1', part: 1 });
    store.items.linkMessage({ messageId: 'x', threadId: 't', matterId: 'm', memoId: 'memo2', part: 1 });
    expect(store.items.messageLinked('x')).toBe(true);
    store.items.saveThreadPart({ threadId: 't', part: 1, matterId: 'm', memoId: 'memo1', entryCount: 1, textLength: 10 });
    store.items.saveThreadPart({ threadId: 't', part: 2, matterId: 'm', memoId: null, entryCount: 0, textLength: 0 });
    expect(store.items.latestThreadPart('t')?.part).toBe(2);
    store.items.saveFolder('m', 'f1');
    expect(store.items.folder('m')).toBe('f1');
    const doc = { documentId: 'd', matterId: 'm', fileId: 'file1', folderId: 'f1', fileName: 'a.pdf', sha256: 'ab', sizeBytes: 3 };
    store.items.linkDocument(doc);
    store.items.linkDocument({ ...doc, fileId: 'file2' });
    expect(store.items.document('d')?.fileId).toBe('file1');
    expect(store.items.fileNamesInFolder('f1')).toEqual(['a.pdf']);
  });

  it('rolls back a transaction that throws, checkpoint included', () => {
    expect(() =>
      store.transaction(() => {
        store.links.saveMatter(matterLink('m1'));
        store.checkpoints.set('import.page.0', true);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.links.matter('m1')).toBeUndefined();
    expect(store.checkpoints.get('import.page.0')).toBeUndefined();
  });

  it('reopens after the process was killed mid-transaction: committed work kept, uncommitted gone', () => {
    store.close();
    // A child process commits one page, starts a second transaction and is SIGKILLed inside it.
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(${JSON.stringify(path)});
      db.pragma('journal_mode = WAL');
      const put = db.prepare("INSERT INTO checkpoints(name, value, updated_at) VALUES (?, '1', 'now')");
      db.transaction(() => put.run('committed'))();
      db.exec('BEGIN');
      for (let i = 0; i < 1000; i++) put.run('uncommitted-' + i);
      process.kill(process.pid, 'SIGKILL');
    `;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd() });
    expect(child.signal).toBe('SIGKILL');
    store = openStateStore(path);
    expect(store.checkpoints.get('committed')).toBe(1);
    expect(store.checkpoints.get('uncommitted-0')).toBeUndefined();
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
