import type { AppBridge, CommandInput, CommandName, CommandResult } from '../../src/contract/commands.js';
import { WsReplies } from '../../src/contract/ws-replies.js';
import type { AppView } from '../../src/contract/view.js';
import { withoutIpcPrefix } from './errors.js';

/**
 * How the window reaches the app core: the Electron preload's `window.caseStatusSync`, or a WebSocket to the headless
 * host. Both implement the contract's `AppBridge`; the WebSocket one also reports whether the link is up.
 */
export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'down'; retryInSeconds: number }
  /** The host refused the access token: reconnecting will not help. */
  | { kind: 'unauthorised' };

export interface WindowBridge extends AppBridge {
  onConnection(listener: (state: ConnectionState) => void): () => void;
  connection(): ConnectionState;
}

declare global {
  interface Window {
    caseStatusSync?: AppBridge;
  }
}

export function createBridge(): WindowBridge {
  const preload = window.caseStatusSync;
  if (preload) return electronBridge(preload);
  return new WebSocketBridge(takeToken());
}

/** In Electron the preload bridge is in-process IPC: it is always connected. */
function electronBridge(preload: AppBridge): WindowBridge {
  const open: ConnectionState = { kind: 'open' };
  return {
    invoke: (command, input) =>
      preload.invoke(command, input).catch((error: unknown) => {
        throw new Error(withoutIpcPrefix(error instanceof Error ? error.message : String(error)));
      }),
    onView: (listener) => preload.onView(listener),
    onConnection: () => () => {},
    connection: () => open,
  };
}

const TOKEN_KEY = 'case-status-sync.token';

/**
 * The access token comes in the address's fragment (`#token=…`, never sent to the server in a request line) or query.
 * It is kept in sessionStorage and removed from the address bar so it does not end up in screenshots or screen shares.
 */
export function takeToken(): string {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  const fromQuery = new URLSearchParams(location.search).get('token');
  const token = fromHash ?? fromQuery;
  if (token) {
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // Storage can be disabled; the token still works for this page load.
    }
    history.replaceState(null, '', location.pathname);
    return token;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Reconnect delays: quick at first (a restart of the service), then settling at 15 s. */
const BACKOFF_SECONDS = [1, 2, 4, 8, 15];

class WebSocketBridge implements WindowBridge {
  private socket: WebSocket | null = null;
  private readonly viewListeners = new Set<(view: AppView) => void>();
  private readonly replies = new WsReplies((view) => {
    for (const listener of this.viewListeners) listener(view);
  });
  private readonly connectionListeners = new Set<(state: ConnectionState) => void>();
  private state: ConnectionState = { kind: 'connecting' };
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly token: string) {
    this.connect();
  }

  connection(): ConnectionState {
    return this.state;
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  onView(listener: (view: AppView) => void): () => void {
    this.viewListeners.add(listener);
    return () => this.viewListeners.delete(listener);
  }

  invoke<C extends CommandName>(command: C, input?: CommandInput<C>): Promise<CommandResult<C>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('Not connected to the sync service. It will reconnect by itself; try again in a moment.'));
    }
    const { frame, answer } = this.replies.request(command, input ?? {});
    socket.send(frame);
    return answer as Promise<CommandResult<C>>;
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.connectionListeners) listener(state);
  }

  private connect(): void {
    this.retryTimer = null;
    if (!this.token) {
      this.setState({ kind: 'unauthorised' });
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(this.token)}`);
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.failures = 0;
      this.setState({ kind: 'open' });
    };
    socket.onmessage = (event) => this.replies.receive(event.data);
    socket.onclose = () => {
      this.socket = null;
      this.replies.failAll('The connection to the sync service was lost before it answered.');
      void this.afterClose(opened);
    };
  }

  /** A refused upgrade looks like any other failed connection to the browser, so ask the host whether it was the token. */
  private async afterClose(wasOpen: boolean): Promise<void> {
    if (!wasOpen && (await this.tokenRefused())) {
      this.setState({ kind: 'unauthorised' });
      return;
    }
    const delay = BACKOFF_SECONDS[Math.min(this.failures, BACKOFF_SECONDS.length - 1)]!;
    this.failures++;
    this.setState({ kind: 'down', retryInSeconds: delay });
    this.retryTimer = setTimeout(() => this.connect(), delay * 1000);
  }

  private async tokenRefused(): Promise<boolean> {
    try {
      const res = await fetch('./api/session', { headers: { authorization: `Bearer ${this.token}` }, cache: 'no-store' });
      return res.status === 401;
    } catch {
      return false; // the host itself is unreachable: keep retrying
    }
  }
}
