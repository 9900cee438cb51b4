import { expect } from 'vitest';
import { connectToWorld, startWorld, type World } from '../../../src/testbed/world.js';
import type { SyncStack } from '../../../src/sync/compose.js';
import { WritebackJob, type WritebackSummary } from '../../../src/sync/writeback/index.js';
import type { Logger } from '../../../src/sync/ports.js';
import { tempDir } from '../../helpers/tmp.js';
import { simulatorChildEnv } from '../fixtures/child-env.js';
import { QUICK_SIMULATORS, TEST_RATE, TEST_READ_BACK } from '../../helpers/quick-world.js';

/** The quick-world presets, for the tests that import them from here. */
export { FAST, TEST_RATE } from '../../helpers/quick-world.js';

export const TEST_SETTINGS = { readBack: TEST_READ_BACK, retryDelayMs: 0, concurrency: 4 };

export interface Harness {
  world: World;
  stack: SyncStack & { dataDir: string };
  dirs: Array<ReturnType<typeof tempDir>>;
  job(logger?: Logger, stack?: SyncStack & { dataDir: string }): WritebackJob;
  close(): Promise<void>;
}

export async function setupWorld(matters: number, opts: Parameters<typeof startWorld>[0] extends infer O ? Partial<O> : never = {}): Promise<Harness> {
  const world = await startWorld({
    matters,
    seed: 7,
    ...opts,
    smokeball: { ...QUICK_SIMULATORS.smokeball, ...opts.smokeball },
    caseStatus: { ...QUICK_SIMULATORS.caseStatus, ...opts.caseStatus },
  });
  const dir = tempDir();
  const dirs = [dir];
  const stack = await connectToWorld(world, { dataDir: dir.dir, ...TEST_RATE });
  const stacks: SyncStack[] = [stack];
  return {
    world,
    stack,
    dirs,
    job: (logger, s = stack) =>
      new WritebackJob({ smokeball: s.smokeball, caseStatus: s.caseStatus, store: s.store, logger, tempDir: `${s.dataDir}/staging`, settings: TEST_SETTINGS }),
    async close() {
      for (const s of stacks) s.close();
      await world.close();
      for (const d of dirs) d.cleanup();
    },
  };
}

/** Runs the job until nothing is left to send (faults may leave items for a later run), at most `max` runs. */
export async function runUntilDrained(job: WritebackJob, max = 8): Promise<WritebackSummary[]> {
  const runs: WritebackSummary[] = [];
  for (let i = 0; i < max; i++) {
    runs.push(await job.run());
    if (job.status.pending === 0) break;
  }
  return runs;
}

/** Every message marker across every matter's memos: message id → [matter id, memo id][] (duplicates show as 2+). */
export function memoEntriesByMessage(world: World): Map<string, Array<{ matterId: string; memoId: string; threadMarker: string | undefined }>> {
  const out = new Map<string, Array<{ matterId: string; memoId: string; threadMarker: string | undefined }>>();
  for (const m of world.firm.matters) {
    for (const memo of world.smokeball.control.memos(m.id)) {
      if (memo.isDeleted) continue;
      const threadMarker = /^\[cs-thread:([^\]]+):\d+\]$/m.exec(memo.plainText)?.[1];
      for (const hit of memo.plainText.matchAll(/^\[cs-msg:([^\]#]+)\]$/gm)) {
        const list = out.get(hit[1]!) ?? [];
        list.push({ matterId: m.id, memoId: memo.id, threadMarker });
        out.set(hit[1]!, list);
      }
    }
  }
  return out;
}

/** Each visible Case Status message is in exactly one memo entry, in its matter, in its thread's memo. */
export function expectMessagesExactlyOnce(world: World): number {
  const entries = memoEntriesByMessage(world);
  const visible = world.caseStatus.control.messages();
  expect(visible.length).toBeGreaterThan(0);
  for (const msg of visible) {
    const hits = entries.get(msg.id) ?? [];
    expect(hits, `message ${msg.id}`).toHaveLength(1);
    expect(hits[0]!.matterId).toBe(msg.caseExternalId);
    expect(hits[0]!.threadMarker).toBe(msg.threadId);
  }
  expect(entries.size).toBe(visible.length); // nothing written that Case Status does not have
  // One memo per thread part: every memo carries one thread marker, and each part number appears once per thread.
  const partsPerThread = new Map<string, Map<string, string>>();
  for (const m of world.firm.matters) {
    for (const memo of world.smokeball.control.memos(m.id)) {
      const marker = /^\[cs-thread:([^\]]+):(\d+)\]$/m.exec(memo.plainText);
      if (!marker) continue;
      const parts = partsPerThread.get(marker[1]!) ?? new Map<string, string>();
      expect(parts.has(marker[2]!), `thread ${marker[1]} part ${marker[2]} written once`).toBe(false);
      parts.set(marker[2]!, memo.id);
      partsPerThread.set(marker[1]!, parts);
    }
  }
  return visible.length;
}

/** The given messages each appear once, in one of their thread's memo parts. */
export function expectMessagesExactlyOnceAcrossParts(world: World, messageIds: string[]): void {
  const entries = memoEntriesByMessage(world);
  for (const id of messageIds) expect(entries.get(id), `message ${id}`).toHaveLength(1);
}

/** Each visible document is exactly one file, byte-identical, in the matter's one CaseStatus folder. */
export async function expectDocumentsExactlyOnce(world: World): Promise<number> {
  const docs = await world.caseStatus.control.documents();
  expect(docs.length).toBeGreaterThan(0);
  const byMatter = new Map<string, typeof docs>();
  for (const d of docs) byMatter.set(d.caseExternalId, [...(byMatter.get(d.caseExternalId) ?? []), d]);
  for (const [matterId, want] of byMatter) {
    const folders = world.smokeball.control.folders(matterId).filter((f) => f.name === 'CaseStatus');
    expect(folders, `CaseStatus folders of ${matterId}`).toHaveLength(1);
    const files = world.smokeball.control.files(matterId);
    expect(files.every((f) => f.folderId === folders[0]!.id)).toBe(true);
    expect(files).toHaveLength(want.length);
    expect(files.every((f) => f.isUploaded)).toBe(true);
    expect(files.map((f) => f.sha256).sort()).toEqual(want.map((d) => d.sha256).sort());
    const names = files.map((f) => (f.name + f.fileExtension).toLowerCase());
    expect(new Set(names).size).toBe(names.length); // no two files share a name, ignoring case
  }
  return docs.length;
}

export function writeRequests(world: World): number {
  return world.smokeball.stats.log.filter((e) => (e.method === 'POST' || e.method === 'PUT') && e.status < 300).length;
}

/** Requests Smokeball answered with 2xx (so not 429s, which are retried and change nothing) on an endpoint. */
export function endpointCount(world: World, endpoint: string): number {
  return world.smokeball.stats.log.filter((e) => `${e.method} ${e.route}` === endpoint && e.status >= 200 && e.status < 300).length;
}

/** Environment for test/sync/fixtures/writeback-child.ts: the simulators, the state folder and the tests' pace. */
export function writebackChildEnv(world: World, dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return simulatorChildEnv(world, dataDir, { RATE: String(TEST_RATE.ratePerSecond), ...extra });
}
