import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { afterEach, expect, it } from 'vitest';
import { documentSha256 } from '../../../src/sim/seed/document-content.js';
import { setupWorld, writebackChildEnv, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SIZE = 200 * 1024 * 1024;
const RSS_LIMIT = 150 * 1024 * 1024;

it('uploads a 200 MB document streamed end to end: peak RSS of the uploading process stays under 150 MB', async () => {
  h = await setupWorld(30);
  const { world, stack } = h;
  await stack.engine.initialImport();
  await h.job().run(); // the seeded history first, so the child uploads only the large file
  stack.close();
  const matterId = world.caseStatus.control.messages()[0]!.caseExternalId;
  const added = world.caseStatus.control.addDocument({
    matterId,
    fileName: 'Deposition video.mp4',
    sharedByName: 'Pat Client',
    sharedByRole: 'client',
    sizeBytes: SIZE,
    contentSeed: 4242,
  });
  const sha256 = await documentSha256({ sizeBytes: SIZE, contentSeed: added.contentSeed });

  // The child runs as one bundled plain-Node file: under the tsx loader ~100 MB of the budget would be the
  // TypeScript compiler's own start-up, not the uploader. Packages stay external (resolved from node_modules).
  const childFile = 'dist/test-fixtures/writeback-child.mjs';
  await build({
    entryPoints: ['test/sync/fixtures/writeback-child.ts'],
    outfile: childFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    target: 'node20',
    logLevel: 'warning',
  });
  const child = spawn(process.execPath, [childFile], {
    env: writebackChildEnv(world, stack.dataDir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  expect(code, output).toBe(0);
  const result = JSON.parse(output.trim().split('\n').pop()!) as {
    summary: { documentsUploaded: number; failed: number };
    peakRssBytes: number;
    baselineRss: number;
  };
  expect(result.summary).toMatchObject({ documentsUploaded: 1, failed: 0 });
  console.log(`200 MB upload: peak RSS ${(result.peakRssBytes / 1048576).toFixed(1)} MB (after start-up ${(result.baselineRss / 1048576).toFixed(1)} MB)`);
  expect(result.peakRssBytes).toBeLessThan(RSS_LIMIT);

  await world.smokeball.control.whenIdle();
  const file = world.smokeball.control.files(matterId).find((f) => f.name === 'Deposition video')!;
  expect(file).toMatchObject({ sizeBytes: SIZE, sha256, isUploaded: true, fileExtension: '.mp4' });
}, 180_000);
