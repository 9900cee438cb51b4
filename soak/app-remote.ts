import WebSocket from 'ws';
import type { CommandName, CommandResults, WsServerMessage } from '../src/contract/commands.js';
import type { AppView } from '../src/contract/view.js';

/**
 * The soak's hands on the running app: the headless host's WebSocket, the same contract the window uses. Every
 * view the app pushes is kept with the time it arrived, so the soak can check afterwards what staff were shown.
 */
export class AppRemote {
  latest: AppView | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly listeners = new Set<(view: AppView) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.receive(String(data)));
    socket.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('The app closed the connection'));
      this.pending.clear();
    });
  }

  /** `address` is what `serve` prints: http://127.0.0.1:PORT/#token=… */
  static async connect(address: string): Promise<AppRemote> {
    const url = new URL(address);
    const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
    const socket = new WebSocket(`ws://${url.host}/ws?token=${encodeURIComponent(token)}`, { origin: `http://${url.host}` });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const remote = new AppRemote(socket);
    await remote.waitFor(() => true, 10_000, 'the first view');
    return remote;
  }

  onView(listener: (view: AppView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  invoke<C extends CommandName>(command: C, input: unknown = {}): Promise<CommandResults[C]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, command, input }));
    });
  }

  /** Resolves with the first view (the latest one included) that satisfies `test`. */
  waitFor(test: (view: AppView) => boolean, timeoutMs: number, what: string): Promise<AppView> {
    if (this.latest && test(this.latest)) return Promise.resolve(this.latest);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`));
      }, timeoutMs);
      const off = this.onView((view) => {
        if (!test(view)) return;
        clearTimeout(timer);
        off();
        resolve(view);
      });
    });
  }

  close(): void {
    this.socket.terminate();
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as WsServerMessage;
    if ('event' in message) {
      this.latest = message.data;
      for (const l of [...this.listeners]) l(message.data);
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (message.ok) p.resolve(message.result);
    else p.reject(new Error(message.error));
  }
}
