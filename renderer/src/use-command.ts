import { useCallback, useState } from 'react';
import type { CommandInput, CommandName, CommandResult } from '../../src/contract/commands.js';
import { errorText, useApp } from './app-context.js';

/**
 * Runs one command and reports the outcome in the notice line. `busy` names the command in flight so its button can
 * show it and refuse a double click.
 */
export function useCommand() {
  const { bridge, notify } = useApp();
  const [busy, setBusy] = useState<string | null>(null);

  const run = useCallback(
    async <C extends CommandName>(
      command: C,
      input: CommandInput<C> | undefined,
      describe?: (result: CommandResult<C>) => string | null,
      busyKey: string = command,
    ): Promise<CommandResult<C> | undefined> => {
      setBusy(busyKey);
      try {
        const result = await bridge.invoke(command, input);
        const text = describe?.(result);
        if (text) notify('info', text);
        return result;
      } catch (error) {
        notify('error', errorText(error));
        return undefined;
      } finally {
        setBusy(null);
      }
    },
    [bridge, notify],
  );

  return { run, busy };
}

/**
 * Opens a link outside the window. Electron's main process opens it in the system browser; under the headless host
 * the core may not be able to (it runs on a server), so the browser the user is looking at opens it instead.
 */
export function useOpenLink() {
  const { bridge, view, notify } = useApp();
  return useCallback(
    async (url: string) => {
      try {
        const { opened } = await bridge.invoke('openExternal', { url });
        if (opened || view?.host === 'electron') return;
        // With 'noopener' window.open returns null even when it worked, so open first and detach the opener after.
        const tab = window.open(url, '_blank');
        if (tab) tab.opener = null;
        else notify('error', `The browser blocked the new tab. Allow pop-ups for this page, or open this address yourself: ${url}`);
      } catch (error) {
        notify('error', errorText(error));
      }
    },
    [bridge, view?.host, notify],
  );
}
