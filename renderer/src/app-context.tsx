import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AppView } from '../../src/contract/view.js';
import type { ConnectionState, WindowBridge } from './bridge.js';

/** A one-line message about the last thing the user did (shown in a live region, so screen readers hear it too). */
export interface Notice {
  id: number;
  tone: 'info' | 'error';
  text: string;
}

export interface AppContextValue {
  bridge: WindowBridge;
  view: AppView | null;
  connection: ConnectionState;
  /** Wall-clock milliseconds, ticking every 15 s so "2 min ago" stays true. */
  now: number;
  notice: Notice | null;
  notify(tone: Notice['tone'], text: string): void;
}

const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppProvider');
  return value;
}

/** Like useApp, for components that only render once the first view has arrived. */
export function useView(): AppView {
  const { view } = useApp();
  if (!view) throw new Error('useView before the first view');
  return view;
}

let noticeIds = 0;

export function AppProvider({ bridge, children }: { bridge: WindowBridge; children: ReactNode }) {
  const [view, setView] = useState<AppView | null>(null);
  const [connection, setConnection] = useState<ConnectionState>(bridge.connection());
  const [now, setNow] = useState(() => Date.now());
  const [notice, setNotice] = useState<Notice | null>(null);

  useEffect(() => {
    const offView = bridge.onView(setView);
    const offConnection = bridge.onConnection((state) => {
      setConnection(state);
      // After a reconnect, ask for the whole view rather than waiting for the next change.
      if (state.kind === 'open') bridge.invoke('getView').then(setView, () => {});
    });
    // The socket may have opened (and its first view gone by) before this effect subscribed: catch up.
    setConnection(bridge.connection());
    if (bridge.connection().kind === 'open') bridge.invoke('getView').then(setView, () => {});
    return () => {
      offView();
      offConnection();
    };
  }, [bridge]);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);

  const notify = useCallback((tone: Notice['tone'], text: string) => setNotice({ id: ++noticeIds, tone, text }), []);

  const value = useMemo(() => ({ bridge, view, connection, now, notice, notify }), [bridge, view, connection, now, notice, notify]);
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
