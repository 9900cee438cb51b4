import { randomBytes } from 'node:crypto';
import type { SecretStore } from '../sync/index.js';

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux) behind the
 * `SecretStore` port, through keytar.
 *
 * keytar is a native module, so it is loaded on first use: the CLI and the tests that never touch the keychain do not
 * need it to load, and a missing module or a missing Secret Service becomes one clear `KeychainUnavailableError`
 * instead of a crash at start-up.
 *
 * Long values are split into chunks. Windows Credential Manager refuses blobs over 2,560 bytes, and the stored OAuth
 * tokens (a JSON object holding two JWTs) can be longer than that. Chunking is applied on every platform so the Linux
 * keychain test covers the Windows path too.
 */

/** The part of keytar this adapter uses (injectable so a test can simulate a failing keychain). */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export class KeychainUnavailableError extends Error {
  constructor(reason: string) {
    super(`The system keychain is not available: ${reason}`);
    this.name = 'KeychainUnavailableError';
  }
}

export interface KeytarSecretStoreOptions {
  /** The keychain "service" every entry is filed under. */
  service?: string;
  /** Values longer than this (UTF-8 bytes) are stored in chunks. Default 2,000 (Windows' limit is 2,560). */
  maxChunkBytes?: number;
  /** Loads keytar; defaults to a dynamic import of the native module. */
  loadKeytar?: () => Promise<KeytarApi>;
}

export const DEFAULT_KEYCHAIN_SERVICE = 'Case Status Sync';

/**
 * Marks a main entry whose value lives in chunks: `<marker><generation>:<count>`. No real key or token starts with it,
 * and a value that nevertheless does is always stored chunked, so reading stays unambiguous. (Not a NUL-prefixed
 * marker: libsecret stores C strings and would cut it off.)
 */
const CHUNK_MARKER = '~css-keychain-chunks/v1:';
const MAX_CHUNKS = 64;

async function importKeytar(): Promise<KeytarApi> {
  const mod = (await import('keytar')) as unknown as KeytarApi & { default?: KeytarApi };
  return mod.default ?? mod;
}

export class KeytarSecretStore implements SecretStore {
  readonly service: string;
  private readonly maxChunkBytes: number;
  private readonly loadKeytar: () => Promise<KeytarApi>;
  private keytar: Promise<KeytarApi> | null = null;
  /** One operation at a time per key: a chunked write is several keychain calls and must not interleave. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: KeytarSecretStoreOptions = {}) {
    this.service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
    this.maxChunkBytes = options.maxChunkBytes ?? 2000;
    if (!(this.maxChunkBytes >= 16)) throw new RangeError('maxChunkBytes must be at least 16');
    this.loadKeytar = options.loadKeytar ?? importKeytar;
  }

  get(key: string): Promise<string | undefined> {
    return this.serial(key, async () => {
      const main = await this.call('read', key, (k) => k.getPassword(this.service, key));
      if (main === null) return undefined;
      const chunked = parseChunkPointer(main);
      if (!chunked) return main;
      const parts: string[] = [];
      for (let i = 0; i < chunked.count; i++) {
        const part = await this.call('read', key, (k) => k.getPassword(this.service, chunkAccount(key, chunked.generation, i)));
        if (part === null) throw new KeychainUnavailableError(`the entry "${key}" is incomplete in the keychain; enter it again`);
        parts.push(part);
      }
      return parts.join('');
    });
  }

  set(key: string, value: string): Promise<void> {
    return this.serial(key, async () => {
      const previous = await this.call('read', key, (k) => k.getPassword(this.service, key));
      const needsChunks = Buffer.byteLength(value, 'utf8') > this.maxChunkBytes || value.startsWith(CHUNK_MARKER);
      if (!needsChunks) {
        await this.call('write', key, (k) => k.setPassword(this.service, key, value), value);
      } else {
        const parts = splitUtf8(value, this.maxChunkBytes);
        if (parts.length > MAX_CHUNKS) throw new RangeError(`The value for "${key}" is too long for the keychain`);
        // New chunks go under a fresh generation and the pointer is written last, so a crash part-way leaves the
        // previous value readable rather than a mix of old and new chunks.
        const generation = randomBytes(4).toString('hex');
        for (const [i, part] of parts.entries()) {
          await this.call('write', key, (k) => k.setPassword(this.service, chunkAccount(key, generation, i), part), value, part);
        }
        await this.call('write', key, (k) => k.setPassword(this.service, key, `${CHUNK_MARKER}${generation}:${parts.length}`), value);
      }
      await this.deleteChunksOf(key, previous);
    });
  }

  delete(key: string): Promise<void> {
    return this.serial(key, async () => {
      const previous = await this.call('read', key, (k) => k.getPassword(this.service, key));
      if (previous === null) return;
      await this.call('delete', key, (k) => k.deletePassword(this.service, key));
      await this.deleteChunksOf(key, previous);
    });
  }

  /** Touches the keychain once, so a host can report "keychain unavailable" at start-up rather than at first sync. */
  async probe(): Promise<void> {
    await this.call('read', '(probe)', (k) => k.getPassword(this.service, '(probe)'));
  }

  private async deleteChunksOf(key: string, mainValue: string | null): Promise<void> {
    const chunked = mainValue === null ? null : parseChunkPointer(mainValue);
    if (!chunked) return;
    for (let i = 0; i < chunked.count; i++) {
      await this.call('delete', key, (k) => k.deletePassword(this.service, chunkAccount(key, chunked.generation, i)));
    }
  }

  private keytarApi(): Promise<KeytarApi> {
    this.keytar ??= this.loadKeytar().catch((err: unknown) => {
      this.keytar = null; // allow a later retry (e.g. the keyring daemon started after the app)
      throw new KeychainUnavailableError(`the keytar native module could not be loaded (${reasonOf(err)})`);
    });
    return this.keytar;
  }

  /** Runs one keychain call; any failure becomes a KeychainUnavailableError that names the key, never the value. */
  private async call<T>(action: 'read' | 'write' | 'delete', key: string, fn: (k: KeytarApi) => Promise<T>, ...secrets: string[]): Promise<T> {
    const keytar = await this.keytarApi();
    try {
      return await fn(keytar);
    } catch (err) {
      throw new KeychainUnavailableError(`could not ${action} "${key}" (${reasonOf(err, secrets)})`);
    }
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }
}

function chunkAccount(key: string, generation: string, index: number): string {
  return `${key}#${generation}.${index}`;
}

function parseChunkPointer(value: string): { generation: string; count: number } | null {
  if (!value.startsWith(CHUNK_MARKER)) return null;
  const match = /^([0-9a-f]{8}):(\d{1,3})$/.exec(value.slice(CHUNK_MARKER.length));
  if (!match) return null;
  const count = Number(match[2]);
  return count >= 1 && count <= MAX_CHUNKS ? { generation: match[1]!, count } : null;
}

/** Splits on code-point boundaries so no chunk holds half a character. */
function splitUtf8(value: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of value) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes && current) {
      parts.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  if (current || parts.length === 0) parts.push(current);
  return parts;
}

/** A short reason from a native error, with the secret value scrubbed in case a backend ever echoes it. */
function reasonOf(err: unknown, secrets: string[] = []): string {
  let text = err instanceof Error ? err.message : String(err);
  for (const secret of secrets) if (secret) text = text.split(secret).join('***');
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || 'unknown error';
}
