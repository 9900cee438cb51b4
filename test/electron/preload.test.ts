import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src/contract/commands.js';
import { buildElectron } from '../../scripts/build-electron.js';
import { tempDir } from '../helpers/tmp.js';
import { baseView } from './helpers.js';

/** A stand-in for the sandboxed renderer's `electron` module: records what the preload exposes and sends. */
function fakeElectron() {
  const exposed = new Map<string, unknown>();
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  return {
    exposed,
    invoked,
    listeners,
    module: {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          return { ok: true };
        },
        on: (channel: string, l: (...args: unknown[]) => void) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
        removeListener: (channel: string, l: (...args: unknown[]) => void) => listeners.get(channel)?.delete(l),
      },
    },
  };
}

const electron = vi.hoisted(() => ({ current: null as unknown }));
vi.mock('electron', () => ({
  get contextBridge() {
    return (electron.current as ReturnType<typeof fakeElectron>).module.contextBridge;
  },
  get ipcRenderer() {
    return (electron.current as ReturnType<typeof fakeElectron>).module.ipcRenderer;
  },
}));

type Bridge = { invoke(command: string, input?: unknown): Promise<unknown>; onView(l: (v: unknown) => void): () => void };

function checkBridge(fake: ReturnType<typeof fakeElectron>) {
  expect([...fake.exposed.keys()]).toEqual(['caseStatusSync']);
  const api = fake.exposed.get('caseStatusSync') as Bridge;
  // Exactly the AppBridge verbs: no ipcRenderer, no send, no generic channel access.
  expect(Object.keys(api).sort()).toEqual(['invoke', 'onView']);
  return api;
}

async function exerciseBridge(fake: ReturnType<typeof fakeElectron>) {
  const api = checkBridge(fake);
  await expect(api.invoke('pause', { minutes: 30 })).resolves.toEqual({ ok: true });
  expect(fake.invoked).toEqual([[IPC_CHANNELS.invoke, 'pause', { minutes: 30 }]]);

  const seen: unknown[] = [];
  const stop = api.onView((v) => seen.push(v));
  const view = baseView();
  const deliver = () => [...(fake.listeners.get(IPC_CHANNELS.view) ?? [])].forEach((l) => l({ sender: 'the IpcRendererEvent' }, view));
  deliver();
  expect(seen).toEqual([view]); // the view only, never the event object
  stop();
  deliver();
  expect(seen).toHaveLength(1);
  expect(fake.listeners.get(IPC_CHANNELS.view)?.size).toBe(0);
}

describe('preload bridge (source)', () => {
  it('exposes only invoke and onView on window.caseStatusSync, over the contract channels', async () => {
    const fake = fakeElectron();
    electron.current = fake;
    await import('../../electron/preload.js');
    await exerciseBridge(fake);
  });
});

describe('electron build output', () => {
  const tmp = tempDir('css-electron-build-');
  let out: { main: string; preload: string };
  beforeAll(async () => {
    out = await buildElectron(join(import.meta.dirname, '..', '..'), tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it('builds a self-contained CommonJS preload that runs with only `electron` available (as in the sandbox)', async () => {
    const code = readFileSync(out.preload, 'utf8');
    const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(required).toEqual(['electron']);
    const fake = fakeElectron();
    const module = { exports: {} };
    runInNewContext(code, {
      module,
      exports: module.exports,
      require: (name: string) => {
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return fake.module;
      },
    });
    await exerciseBridge(fake);
  });

  it('bundles our own code into an ESM main; only npm packages and node: built-ins stay imports', () => {
    const code = readFileSync(out.main, 'utf8');
    const specifiers = [...code.matchAll(/(?:^|\n)import [^\n]*? from "([^"]+)"/g)].map((m) => m[1]!);
    expect(specifiers.length).toBeGreaterThan(5);
    expect(specifiers.filter((s) => s.startsWith('.') || s.startsWith('/'))).toEqual([]);
    expect(specifiers).toEqual(expect.arrayContaining(['electron', 'electron-store', 'electron-updater', 'better-sqlite3']));
    // keytar is loaded lazily, so a missing native module is a clear error rather than a crash at start.
    expect(code).toContain('import("keytar")');
    expect(code).not.toMatch(/\brequire\(/);
  });
});
