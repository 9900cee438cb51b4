import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { APP_INDEX_URL, APP_ORIGIN } from '../../electron/app-protocol.js';
import { registerIpc, type IpcMainLike } from '../../electron/ipc.js';
import { trustedSenderCheck } from '../../electron/window.js';
import { IPC_CHANNELS, parseCommand } from '../../src/contract/commands.js';
import { MAX_MESSAGE_BYTES, startHeadlessHost, type HeadlessHost } from '../../src/host/headless-host.js';
import { FakeCore } from '../electron/helpers.js';
import { tempDir } from '../helpers/tmp.js';
import { RecordingCore } from '../host/fake-core.js';
import { HOSTILE_CALLS, VALID_CALL, type HostileCall } from './hostile-commands.js';

/**
 * One corpus of hostile {command, input} pairs through every way into the core: the contract's parseCommand, the
 * Electron IPC handler (with the real sender check) and the headless host's WebSocket (real server, real client).
 * Each is refused with a one-line message, the core never sees it, nothing is polluted, and the next valid call works.
 */

/** A refusal a person can read: one line, bounded, no stack frames, not echoing a 1 MB input. */
function expectClearRefusal(message: string, refusal: RegExp): void {
  expect(message).toMatch(refusal);
  expect(message).not.toContain('\n');
  expect(message.length).toBeLessThanOrEqual(501);
  expect(message).not.toMatch(/\n\s+at |\.ts:\d+/);
}

function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

describe('parseCommand refuses the hostile corpus', () => {
  for (const call of HOSTILE_CALLS) {
    it(call.name, () => {
      let message: string | null = null;
      try {
        parseCommand(call.command, call.input);
      } catch (error) {
        expect((error as Error).name).toBe('InvalidCommandError');
        message = (error as Error).message;
      }
      expect(message, 'accepted').not.toBeNull();
      expectClearRefusal(message!, call.refusal);
      expectNoPollution();
    });
  }

  it('accepts the valid call the transports use after each refusal', () => {
    expect(parseCommand(VALID_CALL.command, VALID_CALL.input)).toEqual({ command: 'pause', input: { minutes: 5 } });
  });

  it('drops a "__proto__" key inside a mapping instead of letting it set the prototype', () => {
    // zod strips an own "__proto__" from records: the patch carries no such key and no object gets a new prototype.
    const { input } = parseCommand('updateSettings', JSON.parse('{"stageMapping":{"__proto__":{"polluted":true},"stage-1":"Negotiation"}}')) as {
      input: { stageMapping: Record<string, unknown> };
    };
    expect(input.stageMapping).toEqual({ 'stage-1': 'Negotiation' });
    expect(Object.getPrototypeOf(input.stageMapping)).toBe(Object.prototype);
    expectNoPollution();
  });

  it('changes only the sections a settings patch names (no defaults filled in for the others)', () => {
    // Before the fix, { nightlySyncTime } came out with stageMapping: {} and practiceAreaMapping: {}, which wiped them.
    expect(parseCommand('updateSettings', { nightlySyncTime: '03:00' }).input).toEqual({ nightlySyncTime: '03:00' });
    expect(parseCommand('updateSettings', { connections: { smokeballClientId: 'abc' } }).input).toEqual({ connections: { smokeballClientId: 'abc' } });
  });
});

// ---- Electron IPC ---------------------------------------------------------------------------------------------

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

class FakeIpcMain implements IpcMainLike {
  handler: Handler | null = null;
  handle(channel: string, listener: Handler): void {
    if (channel === IPC_CHANNELS.invoke) this.handler = listener;
  }
  removeHandler(): void {
    this.handler = null;
  }
  /** What ipcRenderer.invoke in the page would get: the handler's result or its rejection. */
  async call(sender: { id: number; frame: { url: string; parent: unknown } | null }, ...args: unknown[]): Promise<unknown> {
    return this.handler!({ sender: { id: sender.id }, senderFrame: sender.frame } as unknown as IpcMainInvokeEvent, ...args);
  }
}

const OUR_WINDOW = { webContents: { id: 7 }, isDestroyed: () => false } as unknown as BrowserWindow;
const OWN_FRAME = { id: 7, frame: { url: `${APP_INDEX_URL}#/settings`, parent: null } };

function ipcSetup() {
  const ipcMain = new FakeIpcMain();
  const core = new FakeCore();
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (m: string, f?: Record<string, unknown>) => warnings.push(JSON.stringify({ m, ...f })) };
  registerIpc({ ipcMain, core, isTrustedSender: trustedSenderCheck(() => OUR_WINDOW, APP_ORIGIN), logger });
  return { ipcMain, core, warnings };
}

async function refusalOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('accepted');
}

describe('the Electron IPC handler refuses the hostile corpus', () => {
  for (const call of HOSTILE_CALLS) {
    it(call.name, async () => {
      const { ipcMain, core, warnings } = ipcSetup();
      const error = await refusalOf(ipcMain.call(OWN_FRAME, call.command, call.input));
      expect(error.name).toBe('InvalidCommandError');
      expectClearRefusal(error.message, call.refusal);
      expect(core.calls).toEqual([]);
      expectNoPollution();
      // The refusal is logged, bounded: a 1 MB input does not become a 1 MB log line.
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.length).toBeLessThan(1000);
      // The handler still serves the window.
      await expect(ipcMain.call(OWN_FRAME, VALID_CALL.command, VALID_CALL.input)).resolves.toEqual({ ok: true });
      expect(core.calls).toEqual([{ command: 'pause', input: { minutes: 5 } }]);
    });
  }

  const strangers = [
    { name: 'another webContents with our page', sender: { id: 8, frame: { url: APP_INDEX_URL, parent: null } } },
    { name: 'a remote page in our window', sender: { id: 7, frame: { url: 'https://evil.example/', parent: null } } },
    { name: 'an iframe inside our page', sender: { id: 7, frame: { url: APP_INDEX_URL, parent: { url: APP_INDEX_URL } } } },
    { name: 'a file: page', sender: { id: 7, frame: { url: 'file:///tmp/index.html', parent: null } } },
    { name: 'a frame that is gone', sender: { id: 7, frame: null } },
    { name: 'app:// with credentials', sender: { id: 7, frame: { url: 'app://user:pw@bundle/index.html', parent: null } } },
  ];
  for (const { name, sender } of strangers) {
    it(`refuses a valid call and a hostile one from ${name}`, async () => {
      const { ipcMain, core, warnings } = ipcSetup();
      for (const args of [
        [VALID_CALL.command, VALID_CALL.input],
        ['setSecret', { name: 'relayToken', value: 'stolen-relay-token-123' }],
        ['__proto__', JSON.parse('{"__proto__":{"polluted":true}}')],
      ]) {
        const error = await refusalOf(ipcMain.call(sender, ...args));
        expect(error.name).toBe('UntrustedSenderError');
        expect(error.message).toBe('Refused: this message did not come from the Case Status Sync window');
      }
      expect(core.calls).toEqual([]);
      expect(warnings.join('\n')).not.toContain('stolen-relay-token-123');
      expectNoPollution();
      await expect(ipcMain.call(OWN_FRAME, VALID_CALL.command, VALID_CALL.input)).resolves.toEqual({ ok: true });
    });
  }
});

// ---- Headless host WebSocket ----------------------------------------------------------------------------------

/** Refusals of the message envelope itself, before the command is looked at. */
const ENVELOPE_REFUSAL = /^(A message needs a numeric "id" and a "command"\.|Messages must be JSON text\.)$/;

/** The text a hostile client would send: NaN as the bare word (not JSON), ±Infinity as 1e400 (JSON.parse → Infinity). */
function wireText(id: number, call: HostileCall): string {
  const marked = JSON.stringify({ id, command: call.command, input: call.input }, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? `@@${String(value)}@@` : value,
  );
  return marked.replace(/"@@(NaN|Infinity|-Infinity)@@"/g, (_m, v: string) => (v === 'NaN' ? 'NaN' : v === 'Infinity' ? '1e400' : '-1e400'));
}

interface Client {
  ws: WebSocket;
  replies: Array<Record<string, unknown>>;
  closed: Promise<number>;
}

let tmp: ReturnType<typeof tempDir>;
let core: RecordingCore;
let host: HeadlessHost;
let client: Client;

function connect(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${encodeURIComponent(host.token)}`, { origin: `http://127.0.0.1:${host.port}` });
    const replies: Array<Record<string, unknown>> = [];
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (!('event' in message)) replies.push(message);
    });
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.once('open', () => resolve({ ws, replies, closed }));
    ws.once('error', reject);
  });
}

async function nextReply(c: Client, from: number): Promise<Record<string, unknown>> {
  await expect.poll(() => c.replies.length, { timeout: 10_000, interval: 10 }).toBeGreaterThan(from);
  return c.replies[from]!;
}

let nextId = 1;

beforeAll(async () => {
  tmp = tempDir('css-ipc-corpus-');
  const www = join(tmp.dir, 'www');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'index.html'), '<!doctype html><title>window</title>');
  core = new RecordingCore();
  host = await startHeadlessHost({ core, staticDir: www });
  client = await connect();
});

afterEach(() => {
  core.calls.length = 0;
});

afterAll(async () => {
  client?.ws.close();
  await host?.close();
  tmp?.cleanup();
});

describe('the headless host WebSocket refuses the hostile corpus', () => {
  for (const call of HOSTILE_CALLS) {
    it(call.name, async () => {
      if (client.ws.readyState !== WebSocket.OPEN) client = await connect();
      const text = wireText(nextId++, call);
      const before = client.replies.length;
      client.ws.send(text);
      if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
        // Over the size limit the socket is closed with 1009 (message too big) before anything is parsed.
        expect(await client.closed).toBe(1009);
        client = await connect();
      } else {
        const reply = await nextReply(client, before);
        expect(reply.ok).toBe(false);
        const error = String(reply.error);
        if (ENVELOPE_REFUSAL.test(error)) expect(reply.id).toBe(0);
        else expectClearRefusal(error, call.refusal);
      }
      expect(core.calls).toEqual([]);
      expectNoPollution();

      const id = nextId++;
      const at = client.replies.length;
      client.ws.send(JSON.stringify({ id, ...VALID_CALL }));
      expect(await nextReply(client, at)).toEqual({ id, ok: true, result: { ok: 'pause' } });
      expect(core.calls).toEqual([{ command: 'pause', input: { minutes: 5 } }]);
    });
  }

  const envelopes: Array<[string, string | Buffer]> = [
    ['text that is not JSON', 'pause 5'],
    ['a binary frame', Buffer.from(JSON.stringify({ id: 1, ...VALID_CALL }))],
    ['JSON null', 'null'],
    ['a JSON array', JSON.stringify([1, 'pause', { minutes: 5 }])],
    ['a JSON string', '"pause"'],
    ['an id that is a string', JSON.stringify({ id: '1', ...VALID_CALL })],
    ['a negative id', JSON.stringify({ id: -1, ...VALID_CALL })],
    ['an id with a fraction', JSON.stringify({ id: 1.5, ...VALID_CALL })],
    ['an id of 1e400', `{"id":1e400,"command":"pause","input":{"minutes":5}}`],
    ['no id', JSON.stringify(VALID_CALL)],
    ['an envelope whose own "__proto__" sets the command', '{"id":1,"__proto__":{"command":"pause","input":{"minutes":5}}}'],
  ];
  for (const [name, message] of envelopes) {
    it(`refuses ${name} and answers the next valid call`, async () => {
      const before = client.replies.length;
      client.ws.send(message);
      const reply = await nextReply(client, before);
      expect(reply).toMatchObject({ id: 0, ok: false });
      expect(String(reply.error)).toMatch(ENVELOPE_REFUSAL);
      expect(core.calls).toEqual([]);
      expectNoPollution();
      const id = nextId++;
      const at = client.replies.length;
      client.ws.send(JSON.stringify({ id, ...VALID_CALL }));
      expect(await nextReply(client, at)).toEqual({ id, ok: true, result: { ok: 'pause' } });
    });
  }

  it('keeps serving other windows while one sends an oversized message', async () => {
    const other = await connect();
    const big = await connect();
    big.ws.send(JSON.stringify({ id: 1, command: 'setSecret', input: { name: 'relayToken', value: 'x'.repeat(MAX_MESSAGE_BYTES) } }));
    expect(await big.closed).toBe(1009);
    other.ws.send(JSON.stringify({ id: 2, ...VALID_CALL }));
    expect(await nextReply(other, 0)).toEqual({ id: 2, ok: true, result: { ok: 'pause' } });
    expect(core.calls).toEqual([{ command: 'pause', input: { minutes: 5 } }]);
    other.ws.close();
  });
});
