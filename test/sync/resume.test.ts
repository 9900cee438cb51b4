import { afterEach, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { connectToWorld, startWorld, type World } from '../../src/testbed/world.js';
import { expectedCases } from '../helpers/firm-expectations.js';
import { tempDir } from '../helpers/tmp.js';
import { simulatorChildEnv } from './fixtures/child-env.js';

let world: World | undefined;

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const dir = tempDir();
afterEach(async () => {
  await world?.close();
  dir.cleanup();
});

it('resumes an import killed with SIGKILL mid-way: same end state, nothing written twice', async () => {
  world = await startWorld({
    matters: 1500,
    seed: 11,
    smokeball: { faults: { latencyMs: 100, latencyJitterMs: 30 } },
    caseStatus: { faults: { latencyMs: 150, latencyJitterMs: 30 } },
  });
  const eligible = expectedCases(world.firm).size;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sync/fixtures/import-child.ts'], {
    env: simulatorChildEnv(world, dir.dir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));

  // Kill once some cases are in Case Status but not all of them.
  const killedAt = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const n = world!.caseStatus.control.cases().size;
      if (n >= 200) {
        clearInterval(timer);
        child.kill('SIGKILL');
        resolve(n);
      }
    }, 5);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error(`child exited before it could be killed: ${output}`));
    });
  });
  expect(await exited).toBe('SIGKILL');
  expect(killedAt).toBeLessThan(eligible);
  // Requests the child sent just before it died may still sit unread in the server's sockets, and they are
  // still handled: count its cases only once every connection it had is closed (nothing else talks to the
  // simulator now). Bounded generously for a loaded machine.
  await waitFor(async () => (await world!.caseStatus.openConnections()) === 0, "the killed child's connections to close", 60_000);
  const casesAtKill = world.caseStatus.control.cases().size;
  expect(casesAtKill).toBeLessThan(eligible);

  // The app starts again on the same state folder (and signs in again: the child's tokens died with it).
  const stack = await connectToWorld(world, { dataDir: dir.dir });
  try {
    expect(stack.engine.initialImportDone).toBe(false);
    const run = await stack.engine.syncNow();
    expect(run.kind).toBe('initial');
    expect(run.outcome).toBe('succeeded');
    expect(stack.store.runs.recent().map((r) => r.outcome)).toEqual(['succeeded', 'interrupted']);

    const cases = world.caseStatus.control.cases();
    expect(cases.size).toBe(eligible);
    for (const id of expectedCases(world.firm).keys()) expect(cases.has(id)).toBe(true);
    // Each case got its stage exactly once: nothing the killed process sent was sent again as a change.
    const perCase = new Map<string, number>();
    for (const c of world.caseStatus.control.stageChanges()) perCase.set(c.caseExternalId, (perCase.get(c.caseExternalId) ?? 0) + 1);
    expect(Math.max(...perCase.values())).toBe(1);
    // Pages the killed process had committed were skipped; only the rest was created now.
    expect(run.counts.casesCreated).toBe(eligible - casesAtKill);
  } finally {
    stack.close();
  }
});
