import { afterEach, expect, it } from 'vitest';
import { connectToWorld } from '../../../src/testbed/world.js';
import { LeaseLostError, type WriteFence } from '../../../src/sync/coordination/index.js';
import { DEFAULT_WRITEBACK_SETTINGS, WritebackJob } from '../../../src/sync/writeback/index.js';
import type { Logger } from '../../../src/sync/ports.js';
import { tempDir } from '../../helpers/tmp.js';
import { expectDocumentsExactlyOnce, expectMessagesExactlyOnce, runUntilDrained, setupWorld, TEST_RATE, TEST_SETTINGS, type Harness } from './helpers.js';

/**
 * A host whose lease lapses for a while (a renewal late under load) has its requests refused by the write fence.
 * Nothing of a refused request was sent, so it must not count as an attempt: the take-over test lost a message
 * when a host that kept running its write-back during such a lapse used up an item's attempts on refusals alone
 * (the item went "dead", nothing was pending, and the host reported done).
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A fence the test opens and closes, refusing as the lease keeper does when its lease may have lapsed. */
function switchableFence(): WriteFence & { open: boolean } {
  return {
    open: true,
    check() {
      if (!this.open) throw new LeaseLostError('the lease could not be renewed in time (test)');
    },
    async beforeSend() {
      this.check();
    },
  };
}

it('a lapsed lease stops the write-back run without spending attempts; once renewed, every message and document is written once', async () => {
  h = await setupWorld(12);
  const { world } = h;
  h.stack.close();
  const dir = tempDir();
  h.dirs.push(dir);
  const fence = switchableFence();
  const stack = await connectToWorld(world, { dataDir: dir.dir, fence, ...TEST_RATE });
  try {
    expect((await stack.engine.initialImport()).outcome).toBe('succeeded');
    // The lease lapses right after Smokeball accepted the first memo: the feeds were read, most items are not written.
    let lapsed = false;
    const logger: Logger = {
      debug(message) {
        if (message !== 'memo write accepted' || lapsed) return;
        lapsed = true;
        fence.open = false;
      },
      info() {},
      warn() {},
      error() {},
    };
    const job = new WritebackJob({
      smokeball: stack.smokeball,
      caseStatus: stack.caseStatus,
      store: stack.store,
      logger,
      tempDir: `${dir.dir}/staging`,
      settings: TEST_SETTINGS,
    });
    const first = await job.run();
    expect(fence.open).toBe(false);
    const pending = job.status.pending;
    expect(pending).toBeGreaterThan(0);

    // More runs than an item has attempts, all refused (what a host that keeps going during the lapse does).
    const sentBefore = world.smokeball.stats.log.length;
    const refused = [];
    for (let i = 0; i < DEFAULT_WRITEBACK_SETTINGS.maxAttempts + 2; i++) refused.push(await job.run());
    expect(world.smokeball.stats.log.length).toBe(sentBefore); // the fence let nothing through
    expect(stack.store.outbox.counts().dead).toBe(0); // nothing given up on…
    expect([...stack.store.attention.open('message_failed'), ...stack.store.attention.open('document_failed')]).toEqual([]);
    expect(job.status.pending).toBe(pending); // …and nothing counted as failed
    // Each run says it was stopped by the fence, so a caller does not take "nothing written" for "all written".
    for (const run of [first, ...refused]) expect(run).toMatchObject({ leaseRefused: true, failed: 0 });
    for (const run of refused) expect(run).toMatchObject({ memosCreated: 0, memosUpdated: 0, documentsUploaded: 0 });

    // The lease is renewed: everything is written, once.
    fence.open = true;
    const runs = await runUntilDrained(job);
    expect(runs.some((r) => r.leaseRefused)).toBe(false);
    expect(job.status.pending).toBe(0);
    await world.smokeball.control.whenIdle();
    expectMessagesExactlyOnce(world);
    await expectDocumentsExactlyOnce(world);
  } finally {
    stack.close();
  }
}, 120_000);
