import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { storageProblemOf } from '../../src/app/storage-problem.js';
import { ApiError } from '../../src/sync/http/api-error.js';
import { describeFailure, failureReasonOf } from '../../src/sync/failure.js';
import { AuthRequiredError } from '../../src/sync/smokeball/oauth.js';
import { tempDir } from '../helpers/tmp.js';

describe('failureReasonOf', () => {
  it('decides by error type and code, never by the message', () => {
    expect(failureReasonOf(new AuthRequiredError('anything'))).toBe('auth');
    expect(failureReasonOf(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe('disk_full');
    expect(failureReasonOf(Object.assign(new Error('x'), { code: 'EDQUOT' }))).toBe('disk_full');
    expect(failureReasonOf(Object.assign(new Error('x'), { code: 'SQLITE_READONLY_DBMOVED' }))).toBe('unwritable');
    expect(failureReasonOf(Object.assign(new Error('x'), { code: 'SQLITE_IOERR_WRITE' }))).toBe('unwritable');
    expect(failureReasonOf(new ApiError('Smokeball', 'GET', '/matters', 503, undefined, ''))).toBe('remote');
    // A message that reads like a full disk is not one: only the code says so.
    expect(failureReasonOf(new Error('database or disk is full'))).toBe('internal');
    expect(failureReasonOf('a thrown string')).toBe('internal');
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
      expect(describeFailure(thrown)).toMatchObject({ reason: 'disk_full', code: 'SQLITE_FULL' });
    } finally {
      db.close();
      dir.cleanup();
    }
  });

  it('reads the code of a real read-only database', () => {
    const dir = tempDir('css-storage-ro-');
    const path = `${dir.dir}/ro.sqlite`;
    new Database(path).exec('CREATE TABLE t(x)');
    const db = new Database(path, { readonly: true });
    try {
      let thrown: unknown;
      try {
        db.prepare('INSERT INTO t VALUES (1)').run();
      } catch (error) {
        thrown = error;
      }
      expect(describeFailure(thrown)).toMatchObject({ reason: 'unwritable' });
    } finally {
      db.close();
      dir.cleanup();
    }
  });
});

describe('storageProblemOf', () => {
  it('tells staff about a full disk, with the folder and what to do', () => {
    const p = storageProblemOf({ reason: 'disk_full', code: 'ENOSPC' }, '/data/css');
    expect(p?.kind).toBe('disk_full');
    expect(p?.reason).toContain('/data/css');
    expect(p?.reason).toMatch(/Free some space/);
  });

  it('names the code of an unwritable folder, and leaves every other failure to the sync', () => {
    const p = storageProblemOf({ reason: 'unwritable', code: 'SQLITE_READONLY' }, '/d');
    expect(p?.kind).toBe('storage_unwritable');
    expect(p?.reason).toContain('SQLITE_READONLY');
    for (const reason of ['auth', 'remote', 'internal', null, undefined] as const) expect(storageProblemOf({ reason }, '/d')).toBeNull();
  });
});
