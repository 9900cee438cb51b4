import { silentLogger, type Logger } from '../../shared/logger.js';
import { StorageUrlError } from './errors.js';
import type { RelayStorage } from './port.js';
import { PostgresRelayStorage } from './postgres.js';
import { SqliteRelayStorage } from './sqlite.js';

export type StorageLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/**
 * `sqlite:/path/relay.sqlite`, `sqlite:relative.sqlite`, `sqlite::memory:`, or
 * `postgres://user@host:port/db` (also `postgresql://`).
 */
export function parseStorageUrl(url: string): StorageLocation {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new StorageUrlError('storage URL "sqlite:" needs a file path, e.g. sqlite:/var/lib/relay/relay.sqlite');
    return { kind: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url };
  throw new StorageUrlError('storage must start with sqlite: or postgres:// (e.g. sqlite:/var/lib/relay/relay.sqlite)');
}

/** Opens (and migrates) the storage the URL names. */
export async function openStorage(url: string, logger: Logger = silentLogger): Promise<RelayStorage> {
  const where = parseStorageUrl(url);
  if (where.kind === 'sqlite') return new SqliteRelayStorage(where.path);
  return PostgresRelayStorage.open(where.url, logger);
}
