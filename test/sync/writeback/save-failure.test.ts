import { afterEach, describe, expect, it } from 'vitest';
import { endpointCount, expectDocumentsExactlyOnce, expectMessagesExactlyOnce, runUntilDrained, setupWorld, type Harness } from './helpers.js';

/**
 * Smokeball took a write, then saving its answer locally failed (the disk filled up at that moment), and the item
 * was marked failed for a retry. The retry must find what Smokeball already has instead of writing it again. The
 * fault soak found this: after a full disk, one matter had its document twice.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Makes `target[method]` fail once with SQLite's full-disk error, then work; returns how often it refused. */
function refuseOnce<T extends object, K extends keyof T>(target: T, method: K): () => number {
  const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
  let refused = 0;
  target[method] = ((...args: unknown[]) => {
    if (refused === 0) {
      refused += 1;
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    }
    return original(...args);
  }) as T[K];
  return () => refused;
}

describe('write-back when saving Smokeball’s answer fails', () => {
  it('does not create a document’s file again after the file id could not be saved', async () => {
    h = await setupWorld(30, {
      shapeFirm: (firm) => {
        firm.messages = [];
      },
    });
    await h.stack.engine.initialImport();
    const refused = refuseOnce(h.stack.store.outbox, 'setRemoteId');
    const runs = await runUntilDrained(h.job());
    await h.world.smokeball.control.whenIdle(); // accepted writes are applied a moment later
    expect(refused()).toBe(1);
    expect(runs[0]!.failed).toBeGreaterThan(0); // the first run did fail that document
    const documents = await expectDocumentsExactlyOnce(h.world);
    expect(endpointCount(h.world, 'POST /matters/{id}/documents/files')).toBe(documents);
  });

  it('does not send a memo again after its acceptance could not be saved', async () => {
    h = await setupWorld(30, {
      shapeFirm: (firm) => {
        firm.documents = [];
      },
    });
    await h.stack.engine.initialImport();
    const refused = refuseOnce(h.stack.store.items, 'linkMessage');
    await runUntilDrained(h.job());
    await h.world.smokeball.control.whenIdle(); // accepted writes are applied a moment later
    expect(refused()).toBe(1);
    expectMessagesExactlyOnce(h.world);
    const threads = new Set(h.world.caseStatus.control.messages().map((m) => m.threadId)).size;
    expect(endpointCount(h.world, 'POST /matters/{id}/memos')).toBe(threads);
  });
});

describe('write-back run when a bookkeeping write fails in one worker', () => {
  it('does not end the run while other workers still write, so the next run cannot write the same thread again', async () => {
    // The full soak found memos and CaseStatus folders made twice during a disk-full episode: one worker's
    // attention-list write failed, the run ended at once while the other workers went on, and the next run
    // (a poke half a second later) picked up the same threads.
    h = await setupWorld(40, {
      shapeFirm: (firm) => {
        firm.documents = [];
      },
    });
    await h.stack.engine.initialImport();
    const job = h.job();
    const refused = refuseOnce(h.stack.store.attention, 'resolve');
    const first = await job.run().then(
      () => 'finished',
      (error: unknown) => `failed: ${(error as Error).message}`,
    );
    // Straight after it, as a poke would: with the old pool this overlapped the first run's workers.
    await runUntilDrained(job);
    await h.world.smokeball.control.whenIdle(); // accepted writes are applied a moment later
    expect(refused()).toBe(1);
    expect(first).toBe('failed: database or disk is full');
    expectMessagesExactlyOnce(h.world);
    const threads = new Set(h.world.caseStatus.control.messages().map((m) => m.threadId)).size;
    expect(threads).toBeGreaterThan(8); // more threads than workers, so workers were mid-thread when one failed
    expect(endpointCount(h.world, 'POST /matters/{id}/memos')).toBe(threads);
  });
});

describe('write-back run when the memo side fails while documents are still being written', () => {
  it('ends only after the documents side has settled, so the next run cannot make a folder twice', async () => {
    // The full soak (issue 19) ended with a matter holding two CaseStatus folders: after its disk-full episode the
    // memo side failed, the run ended at once (Promise.all) while documents were still being written, and the next
    // run, poked half a second later, made the same matter's folder again. The memo side starts first, so the one
    // refused attention-list write (as on a full disk) fails it while the documents side goes on.
    h = await setupWorld(40);
    await h.stack.engine.initialImport();
    const job = h.job();
    const refused = refuseOnce(h.stack.store.attention, 'resolve');
    const first = await job.run().then(
      () => 'finished',
      (error: unknown) => `failed: ${(error as Error).message}`,
    );
    // Straight after it, as a poke would.
    await runUntilDrained(job);
    await h.world.smokeball.control.whenIdle();
    expect(refused()).toBe(1);
    expect(first).toBe('failed: database or disk is full');
    expect(await expectDocumentsExactlyOnce(h.world)).toBeGreaterThan(8); // more matters than workers
    expectMessagesExactlyOnce(h.world);
  });
});
