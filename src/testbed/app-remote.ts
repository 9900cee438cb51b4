import WebSocket from 'ws';
import type { CommandName, CommandResults } from '../contract/commands.js';
import { WsReplies } from '../contract/ws-replies.js';
import type { AppView } from '../contract/view.js';

/**
 * The soak's hands on the running app: the headless host's WebSocket, the same contract the window uses. Every
 * view the app pushes is kept with the time it arrived, so the soak can check afterwards what staff were shown.
 */
export class AppRemote {
  latest: AppView | undefined;
  private readonly listeners = new Set<(view: AppView) => void>();
  private readonly replies = new WsReplies((view) => {
    this.latest = view;
    for (const l of [...this.listeners]) l(view);
  });

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.replies.receive(String(data)));
    socket.on('close', () => this.replies.failAll('The app closed the connection'));
  }

  /** `address` is what `serve` prints: http://127.0.0.1:PORT/#token=… */
  static async connect(address: string): Promise<AppRemote> {
    const url = new URL(address);
    const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
    const socket = new WebSocket(`ws://${url.host}/ws?token=${encodeURIComponent(token)}`, { origin: `http://${url.host}` });
    // Listening before the socket opens: the app sends its first view right after the upgrade, and when both arrive
    // in one read the view is emitted in the same tick as 'open', before code awaiting 'open' could listen. The view
    // was then lost, and an install whose view does not change (no keys yet) never sent another.
    const remote = new AppRemote(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    // Bounded by the app's own start (keychain reads over D-Bus, opening SQLite), which takes many seconds on a
    // busy machine: 10 s aborted a soak running beside other work before the day had begun.
    await remote.waitFor(() => true, 90_000, 'the first view');
    return remote;
  }

  onView(listener: (view: AppView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  invoke<C extends CommandName>(command: C, input: unknown = {}): Promise<CommandResults[C]> {
    const { frame, answer } = this.replies.request(command, input);
    this.socket.send(frame);
    return answer as Promise<CommandResults[C]>;
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
}
