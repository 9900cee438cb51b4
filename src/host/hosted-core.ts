import type { AppView } from '../contract/view.js';

/** What the headless host needs from the app core (AppCore in src/app/app-core.ts has this shape). */
export interface HostedCore {
  /** Validates with the contract's parseCommand and runs the command; rejects with a human message. */
  invoke(command: string, input: unknown): Promise<unknown>;
  view(): AppView;
  onView(listener: (view: AppView) => void): () => void;
}
