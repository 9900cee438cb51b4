import type { WebSocket } from 'ws';
import { parseCommand, publicErrorMessage, type WsServerMessage } from '../contract/commands.js';
import type { HostedCore } from './hosted-core.js';

/** Requests one browser tab may have in flight; more are refused rather than queued without bound. */
export const MAX_IN_FLIGHT = 16;

/**
 * One connected window: every message is untrusted input. It must be a JSON `{id, command, input}` whose command and
 * input pass the contract's `parseCommand`; anything else is answered with `{id, ok: false, error}` and never reaches
 * the core. Errors carry a one-line message, never a stack trace.
 */
export function serveSocket(socket: WebSocket, core: HostedCore): void {
  let inFlight = 0;

  const send = (message: WsServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      send({ id: 0, ok: false, error: 'Messages must be JSON text.' });
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      send({ id: 0, ok: false, error: 'Messages must be JSON text.' });
      return;
    }
    const id = requestId(message);
    if (id === null) {
      send({ id: 0, ok: false, error: 'A message needs a numeric "id" and a "command".' });
      return;
    }
    const { command, input } = message as { command?: unknown; input?: unknown };
    let parsed: { command: string; input: unknown };
    try {
      parsed = parseCommand(command, input);
    } catch (error) {
      send({ id, ok: false, error: publicErrorMessage(error) });
      return;
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      send({ id, ok: false, error: 'Too many requests at once; wait for the earlier ones to finish.' });
      return;
    }
    inFlight++;
    core
      .invoke(parsed.command, parsed.input)
      .then(
        (result) => send({ id, ok: true, result }),
        (error: unknown) => send({ id, ok: false, error: publicErrorMessage(error) }),
      )
      .finally(() => {
        inFlight--;
      });
  });
}

function requestId(message: unknown): number | null {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  const { id, command } = message as { id?: unknown; command?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return null;
  if (typeof command !== 'string') return null;
  return id;
}
