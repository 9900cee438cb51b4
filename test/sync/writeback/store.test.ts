import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { schemaVersion } from '../../../src/store/database.js';
import { openStateStore } from '../../../src/store/index.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = tempDir();
afterEach(() => dir.cleanup());

it('migration 2 upgrades a version-1 state file in place, keeping its data', () => {
  mkdirSync(dir.dir, { recursive: true });
  const path = join(dir.dir, 'sync.sqlite');
  const raw = new Database(path);
  raw.exec(MIGRATIONS[0]!);
  raw.pragma('user_version = 1');
  raw
    .prepare(
      `INSERT INTO outbox(idempotency_key, kind, subject_id, payload, state, created_at, updated_at) VALUES ('msg:1', 'memo_entry', '1', '{}', 'pending', 'x', 'x')`,
    )
    .run();
  raw.close();

  const store = openStateStore(path);
  try {
    expect(schemaVersion(store.db)).toBe(MIGRATIONS.length);
    expect(store.outbox.byKey('msg:1')?.state).toBe('pending');
    expect(store.outbox.activeCount(['memo_entry'])).toBe(1);
    store.writeback.addEntry({ messageId: 'm', piece: 1, threadId: 't', part: 1, sortKey: '2024|m', text: 'hello' });
    expect(store.writeback.entriesOfPart('t', 1).map((e) => e.text)).toEqual(['hello']);
  } finally {
    store.close();
  }
});

it('file name claims are unique per matter ignoring case, and one per document', () => {
  const store = openStateStore(join(dir.dir, 'claims.sqlite'));
  try {
    expect(store.writeback.claim({ matterId: 'm', nameKey: 'a.pdf', documentId: 'd1', fileName: 'A.pdf' })).toBe(true);
    expect(store.writeback.claim({ matterId: 'm', nameKey: 'a.pdf', documentId: 'd2', fileName: 'a.pdf' })).toBe(false);
    expect(store.writeback.claim({ matterId: 'other', nameKey: 'a.pdf', documentId: 'd3', fileName: 'a.pdf' })).toBe(true);
    expect(store.writeback.claim({ matterId: 'm', nameKey: 'b.pdf', documentId: 'd1', fileName: 'b.pdf' })).toBe(false); // d1 already named
    expect(store.writeback.claimOf('d1')?.fileName).toBe('A.pdf');
    expect([...store.writeback.claimedKeys('m')]).toEqual(['a.pdf']);
  } finally {
    store.close();
  }
});
