/**
 * Issue 14, row 5: the app's and the relay's state is private. After a real run of `serve --data DIR`, the
 * Electron settings adapter and `relay firm create`, folders are 0700 and files 0600 (settings, SQLite with
 * its WAL and SHM, staged uploads, the relay database with the firms' webhook keys). POSIX only: on Windows
 * the per-user profile ACL does this job (README, "State").
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElectronSettingsStore } from '../../electron/settings-store.js';
import { DEFAULT_SETTINGS } from '../../src/contract/settings.js';
import { tempDir } from '../helpers/tmp.js';
import { ElectronStoreLike } from '../helpers/electron-store-like.js';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** Every entry under `dir` (recursively) with its mode, for a readable failure. */
function modesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': mode(dir) };
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel))) {
      const relPath = rel ? `${rel}/${name}` : name;
      const full = join(dir, relPath);
      out[relPath] = mode(full);
      if (statSync(full).isDirectory()) walk(relPath);
    }
  };
  walk('');
  return out;
}

function run(args: string[], until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (until?.test(stdout)) child.kill('SIGINT');
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(process.platform === 'win32')('private state (security)', () => {
  it('serve --data DIR: the folder is 0700 and settings, SQLite, WAL/SHM and staging are 0600/0700', async () => {
    const tmp = tempDir('css-modes-');
    try {
      const data = join(tmp.dir, 'state');
      mkdirSync(data);
      chmodSync(data, 0o755); // as a user might have made it
      // The demo firm runs the real core on DIR; the process is stopped once the window address is printed and
      // the initial import has written the state file.
      const result = await run(['src/cli/main.ts', 'serve', '--demo', '--matters', '30', '--data', data, '--port', '0'], /Open this address/);
      expect(result.stdout, result.stderr).toMatch(/Open this address/);
      const modes = modesUnder(data);
      expect(existsSync(join(data, 'settings.json'))).toBe(true);
      expect(existsSync(join(data, 'sync.sqlite'))).toBe(true);
      for (const [path, m] of Object.entries(modes)) {
        const isDir = statSync(join(data, path)).isDirectory();
        expect({ path, mode: m }).toEqual({ path, mode: isDir ? '700' : '600' });
      }
    } finally {
      tmp.cleanup();
    }
  }, 120_000);

  it('the Electron settings adapter writes settings.json 0600 in a 0700 folder', () => {
    const tmp = tempDir('css-modes-electron-');
    try {
      const userData = join(tmp.dir, 'userData');
      mkdirSync(userData, { mode: 0o755 });
      chmodSync(userData, 0o755);
      const store = new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: userData });
      store.set({ ...DEFAULT_SETTINGS, nightlySyncTime: '03:00' });
      expect(store.get().nightlySyncTime).toBe('03:00');
      expect(mode(userData)).toBe('700');
      expect(mode(join(userData, 'settings.json'))).toBe('600');
    } finally {
      tmp.cleanup();
    }
  });

  it('relay firm create: the relay database holding the webhook keys is 0600, WAL/SHM too', async () => {
    const tmp = tempDir('css-modes-relay-');
    try {
      const db = join(tmp.dir, 'relay.sqlite');
      const result = await run(['src/relay/cli.ts', 'firm', 'create', '--storage', `sqlite:${db}`, '--name', 'Acme Law']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/smokeballKey:/);
      const files = readdirSync(tmp.dir).filter((f) => f.startsWith('relay.sqlite'));
      expect(files).toContain('relay.sqlite');
      for (const f of files) expect({ f, mode: mode(join(tmp.dir, f)) }).toEqual({ f, mode: '600' });
    } finally {
      tmp.cleanup();
    }
  });
});
