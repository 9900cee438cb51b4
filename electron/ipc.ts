import type { IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { IPC_CHANNELS, InvalidCommandError, parseCommand, publicErrorMessage } from '../src/contract/commands.js';
import type { AppView } from '../src/contract/view.js';
import { silentLogger, type Logger } from '../src/sync/index.js';
import type { DesktopCore } from './core-port.js';

/**
 * The one IPC entry point: `css:invoke` with (command, input). Every message is checked in three steps before the
 * core sees it: the sender frame must be our own renderer, the command must exist, and its input must match the
 * command's zod schema. Errors go back as a plain message; the stack and any internals stay in the main process.
 */

/** The subset of `ipcMain` used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export class UntrustedSenderError extends Error {
  constructor() {
    super('Refused: this message did not come from the Case Status Sync window');
    this.name = 'UntrustedSenderError';
  }
}

/** A message safe to hand to the renderer: one definition for both hosts, in the contract. */
export { publicErrorMessage };

/**
 * True when the frame is the top frame of a page served from `appOrigin` (e.g. `app://bundle`). A frame from any
 * other origin, an iframe, or a frame that is gone (null: navigated away or destroyed) is not trusted.
 *
 * Scheme and host are compared rather than `URL.origin`: Node's URL gives every non-special scheme the opaque origin
 * "null", which would make all custom-scheme URLs look alike.
 */
export function isOwnRendererFrame(frame: Pick<WebFrameMain, 'url' | 'parent'> | null | undefined, appOrigin: string): boolean {
  if (!frame || frame.parent !== null) return false;
  try {
    const url = new URL(frame.url);
    const own = new URL(appOrigin);
    return url.protocol === own.protocol && url.host === own.host && url.host !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

export interface RegisterIpcOptions {
  ipcMain: IpcMainLike;
  core: Pick<DesktopCore, 'invoke'>;
  isTrustedSender(event: IpcMainInvokeEvent): boolean;
  logger?: Logger;
}

/** Registers the command handler; returns a function that removes it. */
export function registerIpc({ ipcMain, core, isTrustedSender, logger = silentLogger }: RegisterIpcOptions): () => void {
  ipcMain.handle(IPC_CHANNELS.invoke, async (event, command: unknown, input: unknown) => {
    if (!isTrustedSender(event)) {
      // Logged with the frame URL only: whatever the input holds (it may be a secret) is never logged.
      logger.warn('IPC message from an untrusted frame refused', { url: event.senderFrame?.url ?? null });
      throw new UntrustedSenderError();
    }
    let parsed: ReturnType<typeof parseCommand>;
    try {
      parsed = parseCommand(command, input);
    } catch (error) {
      logger.warn('Invalid IPC command refused', { error: publicErrorMessage(error) });
      throw new InvalidCommandError(publicErrorMessage(error));
    }
    try {
      return await core.invoke(parsed.command, parsed.input);
    } catch (error) {
      logger.warn('Command failed', { command: parsed.command, error: publicErrorMessage(error) });
      // A fresh Error: Electron sends only the message across, but its stack must not even exist in the reply path.
      const clean = new Error(publicErrorMessage(error));
      clean.stack = `${clean.name}: ${clean.message}`;
      throw clean;
    }
  });
  return () => ipcMain.removeHandler(IPC_CHANNELS.invoke);
}

/** Something views can be sent to: a window's webContents. */
export interface ViewTarget {
  isDestroyed(): boolean;
  send(channel: string, view: AppView): void;
}

/** Pushes every view from the core to the window (while it exists); returns the unsubscribe function. */
export function forwardViews(core: Pick<DesktopCore, 'onView'>, target: () => ViewTarget | null): () => void {
  return core.onView((view) => {
    const t = target();
    if (t && !t.isDestroyed()) t.send(IPC_CHANNELS.view, view);
  });
}
