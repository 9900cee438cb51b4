import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../src/contract/commands.js';
import { forwardViews, isOwnRendererFrame, publicErrorMessage, registerIpc, type IpcMainLike } from '../../electron/ipc.js';
import { APP_ORIGIN } from '../../electron/app-protocol.js';
import { FakeCore, baseView } from './helpers.js';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  /** What the renderer's ipcRenderer.invoke would get back. */
  async call(frame: { url: string; parent: unknown } | null, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(IPC_CHANNELS.invoke);
    if (!handler) throw new Error('no handler');
    return handler({ senderFrame: frame, sender: { id: 1 } } as unknown as IpcMainInvokeEvent, ...args);
  }
}

const OWN = { url: 'app://bundle/index.html#/settings', parent: null };

function setup() {
  const ipcMain = new FakeIpcMain();
  const core = new FakeCore();
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }) };
  const unregister = registerIpc({ ipcMain, core, isTrustedSender: (e) => isOwnRendererFrame(e.senderFrame, APP_ORIGIN), logger });
  return { ipcMain, core, warnings, unregister };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('IPC', () => {
  it('passes a valid command with its parsed input to the core', async () => {
    const { ipcMain, core } = setup();
    core.respond = async (command) => ({ answered: command });
    await expect(ipcMain.call(OWN, 'pause', { minutes: 30 })).resolves.toEqual({ answered: 'pause' });
    await expect(ipcMain.call(OWN, 'syncNow')).resolves.toEqual({ answered: 'syncNow' });
    // The parsed input reaches the core (trimmed by the schema), not the raw one.
    await ipcMain.call(OWN, 'setSecret', { name: 'caseStatusApiKey', value: '  cs_key_1  ' });
    expect(core.calls).toEqual([
      { command: 'pause', input: { minutes: 30 } },
      { command: 'syncNow', input: {} },
      { command: 'setSecret', input: { name: 'caseStatusApiKey', value: 'cs_key_1' } },
    ]);
  });

  it('refuses malformed input and unknown commands before the core sees them', async () => {
    const { ipcMain, core } = setup();
    const cases: Array<[unknown, unknown, RegExp]> = [
      ['pause', { minutes: 0 }, /^Invalid input for pause: minutes: /],
      ['pause', { minutes: '30' }, /^Invalid input for pause: minutes: /],
      ['pause', { minutes: 30, extra: true }, /^Invalid input for pause: /],
      ['syncNow', 'now', /^Invalid input for syncNow/],
      ['openExternal', { url: 'file:///etc/passwd' }, /^Invalid input for openExternal: url: /],
      ['openExternal', { url: 'javascript:alert(1)' }, /^Invalid input for openExternal: url: /],
      ['deleteEverything', {}, /^Unknown command "deleteEverything"/],
      [{ toString: () => 'x' }, {}, /^Unknown command/],
      [undefined, undefined, /^Unknown command/],
      ['__proto__', {}, /^Unknown command/],
      ['setSecret', { name: 'smokeballApiKey', value: 'x'.repeat(5000) }, /^Invalid input for setSecret: value: /],
    ];
    for (const [command, input, message] of cases) {
      const err = await rejection(ipcMain.call(OWN, command, input));
      expect(err.message).toMatch(message);
    }
    expect(core.calls).toEqual([]);
  });

  it('refuses messages from frames that are not our renderer', async () => {
    const { ipcMain, core, warnings } = setup();
    const frames = [
      null, // frame gone (navigated or destroyed)
      { url: 'https://evil.example/index.html', parent: null },
      { url: 'file:///home/u/dist/renderer/index.html', parent: null },
      { url: 'app://other/index.html', parent: null },
      { url: 'app://bundle/index.html', parent: { url: 'app://bundle/index.html' } }, // an iframe
      { url: 'not a url', parent: null },
    ];
    for (const frame of frames) {
      const err = await rejection(ipcMain.call(frame, 'setSecret', { name: 'relayToken', value: 'secret-relay-token' }));
      expect(err.name).toBe('UntrustedSenderError');
      expect(err.message).toBe('Refused: this message did not come from the Case Status Sync window');
    }
    expect(core.calls).toEqual([]);
    // Refusals are logged with the frame URL, never with the input.
    expect(warnings).toHaveLength(frames.length);
    expect(JSON.stringify(warnings)).not.toContain('secret-relay-token');
  });

  it('returns core failures as a clean message: no stack, first line only', async () => {
    const { ipcMain, core } = setup();
    core.respond = async () => {
      const e = new Error('The system keychain is not available: could not write "relay.token" (locked)\n    at KeytarSecretStore.call (keychain.ts:1:1)');
      throw e;
    };
    const err = await rejection(ipcMain.call(OWN, 'setSecret', { name: 'relayToken', value: 'tok-123' }));
    expect(err.message).toBe('The system keychain is not available: could not write "relay.token" (locked)');
    expect(err.stack).toBe(`Error: ${err.message}`);
    expect(err.stack).not.toContain(' at ');
    expect(err.message).not.toContain('tok-123');
  });

  it('turns non-Error throws and empty messages into a generic message', () => {
    expect(publicErrorMessage(undefined)).toBe('Something went wrong. See the log for details.');
    expect(publicErrorMessage(new Error(''))).toBe('Something went wrong. See the log for details.');
    expect(publicErrorMessage('plain text')).toBe('plain text');
    expect(publicErrorMessage(new Error('x'.repeat(2000))).length).toBe(501);
  });

  it('unregisters its handler', () => {
    const { ipcMain, unregister } = setup();
    expect(ipcMain.handlers.has(IPC_CHANNELS.invoke)).toBe(true);
    unregister();
    expect(ipcMain.handlers.has(IPC_CHANNELS.invoke)).toBe(false);
  });

  it('forwards views to the window while it exists', () => {
    const core = new FakeCore();
    const sent: Array<[string, unknown]> = [];
    let destroyed = false;
    let target: { isDestroyed(): boolean; send(c: string, v: unknown): void } | null = {
      isDestroyed: () => destroyed,
      send: (c, v) => sent.push([c, v]),
    };
    const stop = forwardViews(core, () => target);
    const view = baseView();
    core.push(view);
    expect(sent).toEqual([[IPC_CHANNELS.view, view]]);
    destroyed = true;
    core.push(view);
    target = null;
    core.push(view);
    expect(sent).toHaveLength(1);
    stop();
    expect(core.viewListenerCount).toBe(0);
  });
});
