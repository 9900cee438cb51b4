import { startWorld, type World } from '../../src/testbed/world.js';

/**
 * The demo world with only a handful of client messages and documents: enough for memo and document entries in
 * Recent activity, few enough that copying them to Smokeball at a low request rate takes seconds rather than
 * minutes of the UI tests' time.
 */
export function startUiWorld(options: { matters: number; seed: number; messages: number; documents: number }): Promise<World> {
  return startWorld({
    matters: options.matters,
    seed: options.seed,
    shapeFirm: (firm) => {
      firm.messages = firm.messages.slice(0, options.messages);
      firm.documents = firm.documents.filter((d) => d.sizeBytes < 256 * 1024).slice(0, options.documents);
    },
  });
}
