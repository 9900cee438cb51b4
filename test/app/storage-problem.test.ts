import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { failureOf, storageProblemOf } from '../../src/app/storage-problem.js';
import { tempDir } from '../helpers/tmp.js';

describe('storageProblemOf', () => {
  it('tells a full disk from SQLite and from Node file writes, with the folder and what to do', () => {
    for (const failure of [{ code: 'SQLITE_FULL', message: 'database or disk is full' }, { code: 'ENOSPC', message: 'ENOSPC: no space left on device, write' }, { message: 'database or disk is full' }]) {
      const p = storageProblemOf(failure, '/data/css');
      expect(p?.kind).toBe('disk_full');
      expect(p?.reason).toContain('/data/css');
      expect(p?.reason).toMatch(/Free some space/);
    }
  });

  it('tells an unwritable folder apart, and leaves every other failure to the sync', () => {
    expect(storageProblemOf({ code: 'SQLITE_READONLY', message: 'attempt to write a readonly database' }, '/d')?.kind).toBe('storage_unwritable');
    expect(storageProblemOf({ code: 'SQLITE_IOERR_WRITE', message: 'disk I/O error' }, '/d')?.kind).toBe('storage_unwritable');
    expect(storageProblemOf({ code: 'ECONNRESET', message: 'socket hang up' }, '/d')).toBeNull();
    expect(storageProblemOf({ message: 'Smokeball GET /matters failed: HTTP 503' }, '/d')).toBeNull();
    expect(storageProblemOf({}, '/d')).toBeNull();
  });

  it('reads the code a real SQLite full-database error carries', () => {
    const dir = tempDir('css-storage-');
    const db = new Database(`${dir.dir}/full.sqlite`);
    try {
      db.exec('CREATE TABLE t(x BLOB)');
      // A database capped at its current size refuses to grow, exactly as on a full disk.
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      let thrown: unknown;
      try {
        db.prepare('INSERT INTO t VALUES (zeroblob(100000))').run();
      } catch (error) {
        thrown = error;
      }
      expect(failureOf(thrown).code).toBe('SQLITE_FULL');
      expect(storageProblemOf(failureOf(thrown), dir.dir)?.kind).toBe('disk_full');
    } finally {
      db.close();
      dir.cleanup();
    }
  });
});
