import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainUnavailableError, KeytarSecretStore, type KeytarApi } from '../../src/app/keychain.js';
import { tempDir } from '../helpers/tmp.js';
import { KEYCHAIN_VALUES as V } from './fixtures/keychain-values.js';

/**
 * The keychain adapter against a real Secret Service: each phase runs a child process inside its own D-Bus session
 * with gnome-keyring unlocked over a keyring folder in a temp dir (never the user's own keyring).
 */
const repoRoot = join(import.meta.dirname, '..', '..');
const child = 'test/app/fixtures/keychain-child.ts';

function requireTool(cmd: string, args: string[], pkg: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) {
    throw new Error(`${cmd} is not installed (${r.error.message}); the keychain test needs it: apt-get install ${pkg} (scripts/setup.sh does this)`);
  }
}

interface ChildResult {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

function runChild(phase: 'write' | 'read' | 'fail', env: NodeJS.ProcessEnv, viaKeyring = true): ChildResult {
  const node = `node --import tsx ${child} ${phase}`;
  const [cmd, args] = viaKeyring
    ? ['dbus-run-session', ['--', 'sh', '-c', `echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec ${node}`]]
    : ['sh', ['-c', `exec ${node}`]];
  const r = spawnSync(cmd as string, args as string[], { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`keychain child (${phase}) printed no result; exit ${r.status}; stderr:\n${r.stderr}`);
  return JSON.parse(line) as ChildResult;
}

function filesUnder(dir: string): string[] {
  return (
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((f) => join(dir, f))
      // A keyring daemon that is still exiting removes its socket folder under XDG_RUNTIME_DIR as we list: an
      // entry gone between the listing and its stat is no file to search.
      .filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile() === true)
  );
}

describe('KeytarSecretStore against a real Secret Service (gnome-keyring)', () => {
  const tmp = tempDir('css-keychain-');
  let env: NodeJS.ProcessEnv;
  let written: ChildResult;

  beforeAll(() => {
    requireTool('dbus-run-session', ['--version'], 'dbus');
    requireTool('gnome-keyring-daemon', ['--version'], 'gnome-keyring');
    const runtime = join(tmp.dir, 'run');
    mkdirSync(runtime, { mode: 0o700 });
    // Everything the keyring daemon writes goes under the temp dir.
    env = {
      ...process.env,
      HOME: tmp.dir,
      XDG_DATA_HOME: join(tmp.dir, 'data'),
      XDG_CONFIG_HOME: join(tmp.dir, 'config'),
      XDG_CACHE_HOME: join(tmp.dir, 'cache'),
      XDG_RUNTIME_DIR: runtime,
    };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.DISPLAY;
    written = runChild('write', env);
  });
  afterAll(() => tmp.cleanup());

  it('stores, reads back and overwrites values, including unicode and a long value', () => {
    expect(written.error).toBeUndefined();
    expect(written.ok).toBe(true);
    expect(written.firstRead).toBe(V.ascii);
    expect(written.ascii).toBe(V.asciiOverwritten);
    expect(written.unicode).toBe(V.unicode);
    expect(written.long === V.long, 'long value read back intact').toBe(true);
    expect(written.missing).toBeNull();
  });

  it('splits a long value into chunks and removes them when it is overwritten by a short one', () => {
    expect(Buffer.byteLength(V.long)).toBeGreaterThan(2560);
    expect(written.longChunks).toBeGreaterThanOrEqual(Math.ceil(Buffer.byteLength(V.long) / 2000));
    expect(written.longThenShort).toBe(V.shortAfterLong);
    const accounts = written.accounts as string[];
    expect(accounts.filter((a) => a.startsWith('longThenShort#'))).toEqual([]);
    expect(accounts.filter((a) => a.startsWith('long#')).length).toBe(written.longChunks);
  });

  it('deletes a value (and deleting twice is harmless)', () => {
    expect(written.beforeDelete).toBe(V.deleted);
    expect(written.deleted).toBeNull();
    expect((written.accounts as string[]).includes('deleted')).toBe(false);
  });

  it('keeps the values in the keyring across a restart of the keyring daemon', () => {
    const again = runChild('read', env);
    expect(again.error).toBeUndefined();
    expect(again.ok).toBe(true);
    expect(again.ascii).toBe(V.asciiOverwritten);
    expect(again.unicode).toBe(V.unicode);
    expect(again.long === V.long, 'long value read back intact').toBe(true);
    expect(again.longThenShort).toBe(V.shortAfterLong);
    expect(again.deleted).toBeNull();
  });

  it('never writes a value in clear text to any file under the data folder', () => {
    const files = filesUnder(tmp.dir);
    // The keyring itself must be on disk (encrypted), or this check would prove nothing.
    expect(files.some((f) => f.endsWith('.keyring'))).toBe(true);
    const needles = [V.ascii, V.asciiOverwritten, V.unicode, V.shortAfterLong, V.deleted, V.long.slice(0, 40), 'MARKER'];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) {
        expect(bytes.includes(Buffer.from(needle, 'utf8')), `${needle.slice(0, 20)}… found in ${file}`).toBe(false);
        expect(bytes.includes(Buffer.from(needle, 'utf16le')), `${needle.slice(0, 20)}… (UTF-16) found in ${file}`).toBe(false);
      }
    }
  });

  it('reports a missing Secret Service as a clear error without the value', () => {
    const failed = runChild('fail', env, false);
    expect(failed.ok).toBe(true);
    expect(failed.failed).toBe(true);
    expect(failed.name).toBe('KeychainUnavailableError');
    expect(failed.message).toMatch(/^The system keychain is not available: could not (read|write) "ascii" \(/);
    expect(String(failed.message)).not.toContain('MARKER');
    expect(String(failed.stack)).not.toContain('MARKER');
  });
});

describe('KeytarSecretStore error handling (keytar injected)', () => {
  it('reports a native module that cannot load, and retries loading on the next call', async () => {
    let attempts = 0;
    const store = new KeytarSecretStore({
      loadKeytar: async () => {
        attempts++;
        throw new Error('Cannot find module keytar.node');
      },
    });
    await expect(store.get('k')).rejects.toThrow(
      'The system keychain is not available: the keytar native module could not be loaded (Cannot find module keytar.node)',
    );
    await expect(store.get('k')).rejects.toBeInstanceOf(KeychainUnavailableError);
    expect(attempts).toBe(2);
  });

  it('scrubs the value from a backend error that echoes it', async () => {
    const echoing: KeytarApi = {
      getPassword: async () => null,
      setPassword: async (_s, _a, password) => {
        throw new Error(`refused ${password}`);
      },
      deletePassword: async () => true,
    };
    const store = new KeytarSecretStore({ loadKeytar: async () => echoing });
    let err: Error | undefined;
    try {
      await store.set('relay.token', 'super-secret-token');
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(KeychainUnavailableError);
    expect(err?.message).toBe('The system keychain is not available: could not write "relay.token" (refused ***)');
  });

  it('serialises operations on one key so a chunked write never interleaves with a read', async () => {
    const data = new Map<string, string>();
    let active = 0;
    let maxActive = 0;
    const slow: KeytarApi = {
      getPassword: async (_s, a) => track(() => data.get(a) ?? null),
      setPassword: async (_s, a, p) => track(() => void data.set(a, p)),
      deletePassword: async (_s, a) => track(() => data.delete(a)),
    };
    async function track<T>(fn: () => T): Promise<T> {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 1));
      active--;
      return fn();
    }
    const store = new KeytarSecretStore({ loadKeytar: async () => slow, maxChunkBytes: 16 });
    const value = 'x'.repeat(100);
    const [, read] = await Promise.all([store.set('k', value), store.get('k')]);
    expect(read).toBe(value);
    expect(maxActive).toBe(1);
    // A value that looks like the chunk pointer is stored chunked too, so it reads back as itself.
    await store.set('tricky', '~css-keychain-chunks/v1:deadbeef:1');
    expect(await store.get('tricky')).toBe('~css-keychain-chunks/v1:deadbeef:1');
  });
});
