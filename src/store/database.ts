import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import { ensurePrivateFile, PRIVATE_DIR_MODE } from '../shared/private-files.js';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the state database in WAL mode and brings its schema up to date.
 * WAL + synchronous=NORMAL survives a killed process without losing committed transactions
 * (only a power loss can drop the last few), and lets the UI read while the engine writes.
 */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') {
    // A folder made here is owner-only; an existing one is left as it is (the data folder is tightened by
    // whoever owns it). The file itself always is: it holds client messages.
    mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
    ensurePrivateFile(path);
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function schemaVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: SqliteDatabase): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new Error(
      `State database schema version ${current} is newer than this app understands (${MIGRATIONS.length}). ` +
        'Update Case Status Sync, or point it at a fresh state folder.',
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
