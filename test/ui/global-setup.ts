import { ensureRendererBuilt } from '../../src/host/renderer-build.js';

/**
 * vitest globalSetup: builds the window once (Vite) into dist/renderer before any test runs, so the UI tests always
 * drive the current sources. The UI tests also call ensureRendererBuilt themselves, which is a no-op when fresh.
 */
export default async function setup(): Promise<void> {
  await ensureRendererBuilt({ force: true });
}
