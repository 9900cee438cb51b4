/**
 * Builds the Electron main process and the preload script into dist/electron/ with esbuild.
 *
 * - main.js: ESM (the package is "type": "module"); our own code (electron/ and src/) is bundled, npm packages stay
 *   external and load from node_modules (native ones, keytar and better-sqlite3, are rebuilt for Electron by
 *   electron-builder and unpacked from the asar).
 * - preload.cjs: CommonJS and self-contained. A sandboxed preload cannot load ES modules and can `require` only
 *   'electron' and a few built-ins, so nothing else may remain as a require.
 *
 * Run after `npm run build:renderer`; electron-builder then packages dist/.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function buildElectron(repoRoot: string, outDir = join(repoRoot, 'dist', 'electron')): Promise<{ main: string; preload: string }> {
  const main = join(outDir, 'main.js');
  const preload = join(outDir, 'preload.cjs');
  await build({
    entryPoints: [join(repoRoot, 'electron', 'main.ts')],
    outfile: main,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22', // Electron 45 ships Node 22
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  await build({
    entryPoints: [join(repoRoot, 'electron', 'preload.ts')],
    outfile: preload,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'chrome140',
    external: ['electron'],
    sourcemap: false,
    logLevel: 'warning',
  });
  return { main, preload };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildElectron(join(import.meta.dirname, '..'));
  console.log(`built ${out.main}\nbuilt ${out.preload}`);
}
