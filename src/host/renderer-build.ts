import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the repository keeps the window's sources and where Vite writes the build. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RENDERER_DIST = join(REPO_ROOT, 'dist', 'renderer');
const RENDERER_CONFIG = join(REPO_ROOT, 'renderer', 'vite.config.ts');
const SOURCES = [join(REPO_ROOT, 'renderer'), join(REPO_ROOT, 'src', 'contract')];

/**
 * Builds the window with Vite when there is no build, or when a source file is newer than it (so `serve` after an
 * edit does not show an old window). Vite is loaded only when a build is needed: a packaged install ships the build.
 */
export async function ensureRendererBuilt(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  const index = join(RENDERER_DIST, 'index.html');
  const builtAt = existsSync(index) ? statSync(index).mtimeMs : null;
  const stale = builtAt === null || (existsSync(RENDERER_CONFIG) && SOURCES.some((dir) => newestMtime(dir) > builtAt));
  if (!options.force && !stale) return RENDERER_DIST;
  if (!existsSync(RENDERER_CONFIG)) throw new Error(`The window is not built (${index} is missing) and its sources are not here to build it.`);
  options.log?.('Building the window (vite)…');
  const { build } = await import('vite');
  await build({ configFile: RENDERER_CONFIG, logLevel: 'warn' });
  return RENDERER_DIST;
}

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
