import type { WsServerMessage } from './commands.js';
import type { AppView } from './view.js';

/**
 * The client side of the headless host's WebSocket protocol, without the socket: numbers each command, matches each
 * reply to its command, and hands pushed views on. The window's bridge and the soak's remote both use it, over the
 * browser's WebSocket and `ws` respectively.
 */
export class WsReplies {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor(private readonly onView: (view: AppView) => void) {}

  /** A command to send: the text frame, and the promise of the host's answer (rejected with its error message). */
  request(command: string, input: unknown): { frame: string; answer: Promise<unknown> } {
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    return { frame: JSON.stringify({ id, command, input }), answer };
  }

  /** One frame from the host. Anything that is not a message of the protocol, or answers nothing asked, is ignored. */
  receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: WsServerMessage;
    try {
      message = JSON.parse(data) as WsServerMessage;
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    if ('event' in message) {
      if (message.event === 'view') this.onView(message.data);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new Error(message.error));
  }

  /** The connection closed: every command still waiting fails with `reason` (none is left hanging). */
  failAll(reason: string): void {
    for (const pending of this.pending.values()) pending.reject(new Error(reason));
    this.pending.clear();
  }
}
