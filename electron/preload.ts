import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AppBridge, IPC_CHANNELS } from '../src/contract/commands.js';
import type { AppView } from '../src/contract/view.js';

/**
 * The preload bridge: `window.caseStatusSync` with exactly the `AppBridge` verbs, nothing else. `ipcRenderer` itself is
 * never exposed, so the page can only send `css:invoke` (validated again in main) and listen to `css:view`.
 *
 * Sandboxed preloads can `require` only a few built-in modules, so this file is bundled alone and imports nothing
 * from the contract at run time. The channel names are repeated here and checked against the contract by the type
 * checker (`satisfies`), so they cannot drift apart.
 */
const CHANNELS = { invoke: 'css:invoke', view: 'css:view' } as const satisfies typeof IPC_CHANNELS;

export const bridge: AppBridge = {
  invoke: (command, input) => ipcRenderer.invoke(CHANNELS.invoke, command, input),
  onView(listener) {
    // The page gets the view only, never the IpcRendererEvent (which carries `sender`).
    const handler = (_event: IpcRendererEvent, view: AppView) => listener(view);
    ipcRenderer.on(CHANNELS.view, handler);
    return () => {
      ipcRenderer.removeListener(CHANNELS.view, handler);
    };
  },
};

contextBridge.exposeInMainWorld('caseStatusSync', bridge);
