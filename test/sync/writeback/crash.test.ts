import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { connectToWorld, type World } from '../../../src/testbed/world.js';
import {
  endpointCount,
  expectDocumentsExactlyOnce,
  expectMessagesExactlyOnce,
  runUntilDrained,
  setupWorld,
  TEST_RATE,
  writebackChildEnv,
  type Harness,
} from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function startChild(world: World, dataDir: string, extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sync/fixtures/writeback-child.ts'], {
    env: writebackChildEnv(world, dataDir, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes(text)) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
      void exited.then(() => {
        clearInterval(timer);
        if (!output.includes(text)) reject(new Error(`child exited before "${text}": ${output}`));
      });
    });
  return { child, exited, waitFor, output: () => output };
}

/** Kills the child right after Smokeball accepted a write and before the child could record the answer. */
async function killAfter(world: World, dataDir: string, message: string): Promise<void> {
  const run = startChild(world, dataDir, { KILL_AT: message });
  await run.waitFor(`paused:${message}`);
  run.child.kill('SIGKILL');
  expect((await run.exited).signal).toBe('SIGKILL');
  await world.smokeball.control.whenIdle(); // the accepted write applies although its sender is dead
}

describe('write-back killed with SIGKILL between a write and its record', () => {
  for (const [what, message, endpoint] of [
    ['memo', 'memo write accepted', 'POST /matters/{id}/memos'],
    ['CaseStatus folder', 'folder create accepted', 'POST /matters/{id}/documents/folders'],
    ['file', 'file info posted', 'POST /matters/{id}/documents/files'],
    ['file content', 'file bytes uploaded', 'POST /matters/{id}/documents/files'],
  ] as const) {
    it(`restarts without a second ${what}`, async () => {
      h = await setupWorld(30);
      const { world, stack } = h;
      await stack.engine.initialImport();
      stack.close(); // the child owns the state folder now
      await killAfter(world, stack.dataDir, message);
      const writesByChild = endpointCount(world, endpoint);
      expect(writesByChild).toBeGreaterThan(0);

      const again = await connectToWorld(world, { dataDir: stack.dataDir, ...TEST_RATE });
      try {
        const job = h.job(undefined, again);
        const runs = await runUntilDrained(job);
        expect(runs.reduce((a, r) => a + r.failed, 0)).toBe(0);
        expect(job.status.pending).toBe(0);
        await world.smokeball.control.whenIdle();
        expectMessagesExactlyOnce(world);
        await expectDocumentsExactlyOnce(world);
        if (what === 'memo') {
          // The killed POST's memo was found by read-back, not written again.
          const threads = new Set(world.caseStatus.control.messages().map((m) => m.threadId)).size;
          expect(endpointCount(world, endpoint)).toBe(threads);
        }
        if (what === 'CaseStatus folder') {
          const matters = new Set((await world.caseStatus.control.documents()).map((d) => d.caseExternalId)).size;
          expect(endpointCount(world, endpoint)).toBe(matters);
        }
        if (what === 'file' || what === 'file content') {
          expect(endpointCount(world, endpoint)).toBe((await world.caseStatus.control.documents()).length);
        }
      } finally {
        again.close();
      }
    });
  }
});
