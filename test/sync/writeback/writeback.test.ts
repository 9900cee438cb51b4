import { afterEach, describe, expect, it } from 'vitest';
import { connectToWorld } from '../../../src/testbed/world.js';
import { writebackActivity, WritebackJob } from '../../../src/sync/writeback/index.js';
import { tempDir } from '../../helpers/tmp.js';
import {
  endpointCount,
  expectDocumentsExactlyOnce,
  expectMessagesExactlyOnce,
  expectMessagesExactlyOnceAcrossParts,
  runUntilDrained,
  setupWorld,
  TEST_RATE,
  TEST_SETTINGS,
  writeRequests,
  type Harness,
} from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('write-back of Case Status messages and documents to Smokeball', () => {
  it('writes every message once into its thread memo and every document once, byte-identical, into the CaseStatus folder', async () => {
    h = await setupWorld(40);
    const { world, stack } = h;
    await stack.engine.initialImport();
    const job = h.job();
    const summary = await job.run();
    expect(summary.failed).toBe(0);
    expect(summary.waiting).toBe(0);
    const messages = expectMessagesExactlyOnce(world);
    const documents = await expectDocumentsExactlyOnce(world);
    expect(summary.documentsUploaded).toBe(documents);
    // History arrives together: one POST per thread, not one write per message.
    const threads = new Set(world.caseStatus.control.messages().map((m) => m.threadId)).size;
    expect(summary.memosCreated).toBe(threads);
    expect(endpointCount(world, 'POST /matters/{id}/memos')).toBe(threads);
    expect(endpointCount(world, 'POST /matters/{id}/documents/folders')).toBe(
      new Set((await world.caseStatus.control.documents()).map((d) => d.caseExternalId)).size,
    );
    expect(job.status).toMatchObject({ running: false, pending: 0 });
    expect(job.status.lastRunAt).not.toBeNull();
    expect(stack.store.outbox.counts()).toMatchObject({ pending: 0, in_flight: 0, failed: 0, dead: 0 });

    // Memo text is RTF we generated; each entry has sender, role, time; the memo links to the case.
    const msg = world.caseStatus.control.messages()[0]!;
    const memo = world.smokeball.control.memos(msg.caseExternalId).find((m) => m.plainText.includes(`[cs-msg:${msg.id}]`))!;
    expect(memo.text.startsWith('{\\rtf1')).toBe(true);
    expect(memo.plainText).toContain(`(${msg.sender.role === 'client' ? 'Client' : 'Staff'}) — `);
    expect(memo.plainText).toContain(world.caseStatus.control.cases().get(msg.caseExternalId)!.url);
    expect(memo.title).toMatch(/^Case Status messages /);
    // Awkward bodies arrive neutralised.
    const all = world.firm.matters
      .flatMap((m) => world.smokeball.control.memos(m.id))
      .map((m) => m.plainText)
      .join('\n');
    expect(all).not.toContain('<script>');
    expect(all).not.toContain('<b>');
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes or checks for
    expect(all).not.toMatch(/[\u0000\u0007]/);
    expect(all).toContain('Caf\u00e9 receipt');
    expect(all).toContain('{\\rtf1 this is not}');

    // What the window and the CLI show.
    const shown = writebackActivity(stack.store, 500);
    expect(shown.recent.filter((a) => a.kind === 'document')).toHaveLength(documents);
    expect(shown.recent.filter((a) => a.kind === 'memo')).toHaveLength(threads);
    expect(shown.recent[0]!.link).toMatch(/\/cases\//);
    expect(shown.recent[0]!.matterNumber).not.toBeNull();
    expect(shown.attention).toHaveLength(0);

    // A second run has nothing to write.
    const writes = writeRequests(world);
    const again = await job.run();
    expect(again).toMatchObject({ memosCreated: 0, memosUpdated: 0, documentsUploaded: 0, failed: 0 });
    expect(writeRequests(world)).toBe(writes);
    expect(messages).toBeGreaterThan(20);
  });

  it('converges exactly once with 10% 5xx and resets on both sides, a 500 ms write delay and duplicate events', async () => {
    const faults = { latencyMs: 5, latencyJitterMs: 3, serverErrorRate: 0.1, resetRate: 0.1 };
    // 40 matters: some 250 requests, so the 10% faults inject dozens of failures; more matters only cost time.
    h = await setupWorld(40, {
      smokeball: { faults, writeDelayMs: 500, webhookFaults: { duplicateRate: 0.5 } },
      caseStatus: { faults, eventFaults: { duplicateRate: 0.5 } },
    });
    const { world, stack } = h;
    await stack.engine.initialImport();
    const warnings: string[] = [];
    const job = h.job({ debug() {}, info() {}, error() {}, warn: (message) => void warnings.push(message) });
    // Relay hints arrive in duplicate and while a run is going on: they coalesce into runs, never parallel ones.
    const first = job.run();
    for (let i = 0; i < 20; i++) job.poke();
    expect(job.run()).toBe(first);
    const runs = [await first, ...(await runUntilDrained(job))];
    expect(job.status.pending).toBe(0);
    await world.smokeball.control.whenIdle();
    expectMessagesExactlyOnce(world);
    await expectDocumentsExactlyOnce(world);
    expect(stack.store.outbox.counts()).toMatchObject({ pending: 0, in_flight: 0, failed: 0, dead: 0 });
    const injected =
      world.smokeball.faults.injected.serverError +
      world.smokeball.faults.injected.reset +
      world.caseStatus.faults.injected.serverError +
      world.caseStatus.faults.injected.reset;
    expect(injected).toBeGreaterThan(5);
    // Writes with an unknown outcome were read back before anything was sent again.
    expect(warnings.filter((w) => /outcome unknown/.test(w)).length).toBeGreaterThan(0);
    expect(runs.reduce((a, r) => a + r.documentsUploaded, 0)).toBe((await world.caseStatus.control.documents()).length);
    job.close();
  });

  it('never overwrites a memo a person edited or deleted in Smokeball: the conversation continues in a new memo', async () => {
    h = await setupWorld(40);
    const { world, stack } = h;
    await stack.engine.initialImport();
    const job = h.job();
    await job.run();
    await world.smokeball.control.whenIdle();
    // Three threads with a memo each: one a person edits, one a person deletes, one nobody touches.
    const threads = [...new Map(world.caseStatus.control.messages().map((m) => [`${m.caseExternalId}|${m.threadId}`, m])).values()].slice(0, 3);
    const memoOf = (m: (typeof threads)[number]) =>
      world.smokeball.control.memos(m.caseExternalId).find((x) => !x.isDeleted && x.plainText.includes(`[cs-msg:${m.id}]`))!;
    const [edited, deleted, untouched] = threads.map((m) => ({ message: m, memo: memoOf(m) }));
    const { accessToken } = world.smokeball.control.issueTokens();
    const person = (method: string, m: { memo: { matterId: string; id: string } }, body?: unknown) =>
      fetch(`${world.smokeball.url}/matters/${m.memo.matterId}/memos/${m.memo.id}`, {
        method,
        headers: {
          'x-api-key': world.smokeball.options.apiKey,
          authorization: `Bearer ${accessToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect(
      (await person('PUT', edited!, { title: edited!.memo.title, text: `${edited!.memo.plainText}\nCalled the client back: settlement accepted.` })).status,
    ).toBe(202);
    expect((await person('DELETE', deleted!)).status).toBeLessThan(300);
    await world.smokeball.control.whenIdle();
    const editedText = world.smokeball.control.memos(edited!.memo.matterId).find((x) => x.id === edited!.memo.id)!.plainText;
    expect(editedText).toContain('settlement accepted');

    const added = threads.map((t) =>
      world.caseStatus.control.addMessage({
        matterId: t.caseExternalId,
        threadId: t.threadId,
        senderName: 'Pat Client',
        senderRole: 'client',
        body: `Follow-up on ${t.threadId}`,
        createdAt: new Date().toISOString(),
      }),
    );
    const run = await job.run();
    expect(run).toMatchObject({ memosCreated: 2, memosUpdated: 1, failed: 0 });
    await world.smokeball.control.whenIdle();

    // The person's memo is exactly as they left it; the new message is in a new part of the same conversation.
    expect(world.smokeball.control.memos(edited!.memo.matterId).find((x) => x.id === edited!.memo.id)!.plainText).toBe(editedText);
    for (const [i, t] of [edited!, deleted!].entries()) {
      const next = world.smokeball.control.memos(t.message.caseExternalId).find((x) => !x.isDeleted && x.plainText.includes(`[cs-msg:${added[i]!.id}]`))!;
      expect(next.id).not.toBe(t.memo.id);
      expect(next.title).toMatch(/\(part 2\)/);
    }
    // The untouched thread was appended in place.
    expect(memoOf(untouched!.message).plainText).toContain(`[cs-msg:${added[2]!.id}]`);
    expectMessagesExactlyOnceAcrossParts(
      world,
      added.map((a) => a.id),
    );
    // And the next append to a continued thread goes to its new memo, not a third one.
    const more = world.caseStatus.control.addMessage({
      matterId: edited!.message.caseExternalId,
      threadId: edited!.message.threadId,
      senderName: 'Pat Client',
      senderRole: 'client',
      body: 'And one more',
      createdAt: new Date().toISOString(),
    });
    expect(await job.run()).toMatchObject({ memosCreated: 0, memosUpdated: 1 });
    job.close();
    await world.smokeball.control.whenIdle();
    expectMessagesExactlyOnceAcrossParts(world, [...added.map((a) => a.id), more.id]);
  });

  it('appends new messages to the thread’s memo, gives a new thread its own memo, and numbers a repeated file name', async () => {
    h = await setupWorld(40);
    const { world, stack } = h;
    await stack.engine.initialImport();
    const job = h.job();
    await job.run();
    const existing = world.caseStatus.control.messages()[0]!;
    const memoBefore = world.smokeball.control.memos(existing.caseExternalId).find((m) => m.plainText.includes(`[cs-msg:${existing.id}]`))!;
    const entriesBefore = (memoBefore.plainText.match(/^\[cs-msg:/gm) ?? []).length;

    const added = world.caseStatus.control.addMessage({
      matterId: existing.caseExternalId,
      threadId: existing.threadId,
      senderName: 'Pat Client',
      senderRole: 'client',
      body: 'One more <i>thing</i>…',
      createdAt: new Date().toISOString(),
    });
    const other = world.caseStatus.control.addMessage({
      matterId: existing.caseExternalId,
      threadId: 'brand-new-thread',
      senderName: 'Alex Attorney',
      senderRole: 'staff',
      body: 'Starting a new topic',
      createdAt: new Date().toISOString(),
    });
    const doc = (await world.caseStatus.control.documents())[0]!;
    const again = world.caseStatus.control.addDocument({
      matterId: doc.caseExternalId,
      fileName: doc.fileName.toUpperCase(),
      sharedByName: 'Pat Client',
      sharedByRole: 'client',
      content: 'new bytes, same name',
    });
    expect(added.visible && other.visible && again.visible).toBe(true);

    const run = await job.run();
    expect(run).toMatchObject({ memosCreated: 1, memosUpdated: 1, documentsUploaded: 1, failed: 0 });
    await world.smokeball.control.whenIdle();
    const memoAfter = world.smokeball.control.memos(existing.caseExternalId).find((m) => m.id === memoBefore.id)!;
    expect((memoAfter.plainText.match(/^\[cs-msg:/gm) ?? []).length).toBe(entriesBefore + 1);
    expect(memoAfter.plainText).toContain('One more thing…');
    expectMessagesExactlyOnce(world);
    await expectDocumentsExactlyOnce(world);
    const files = world.smokeball.control.files(doc.caseExternalId);
    const newest = files.find((f) => f.sizeBytes === Buffer.byteLength('new bytes, same name'))!;
    expect(newest.name + newest.fileExtension).toMatch(/ \(\d+\)/);
  });

  it('keeps messages and documents of a matter that is not linked yet waiting, then delivers them after the import', async () => {
    h = await setupWorld(40);
    const { world } = h;
    // Cases exist in Case Status (made by an earlier install), but this install has linked nothing yet.
    await h.stack.engine.initialImport();
    const fresh = tempDir();
    h.dirs.push(fresh);
    const stack = await connectToWorld(world, { dataDir: fresh.dir, ...TEST_RATE });
    try {
      const job = h.job(undefined, stack);
      const waiting = await job.run();
      const total = world.caseStatus.control.messages().length + (await world.caseStatus.control.documents()).length;
      expect(waiting).toMatchObject({ waiting: total, memosCreated: 0, documentsUploaded: 0, failed: 0 });
      expect(writeRequests(world)).toBe(0);
      expect(job.status.pending).toBe(total);
      expect(await job.run()).toMatchObject({ waiting: total }); // still kept, looked at again
      expect(stack.store.attention.open('writeback_waiting')).toHaveLength(0); // minutes of waiting are normal

      // Waiting longer than the alert threshold is listed, once per case, with what waits.
      const impatient = new WritebackJob({
        smokeball: stack.smokeball,
        caseStatus: stack.caseStatus,
        store: stack.store,
        tempDir: `${stack.dataDir}/staging`,
        settings: { ...TEST_SETTINGS, waitingAlertMs: 0 },
      });
      expect(await impatient.run()).toMatchObject({ waiting: total });
      const alerts = stack.store.attention.open('writeback_waiting');
      const cases = new Set([
        ...world.caseStatus.control.messages().map((m) => m.caseExternalId),
        ...(await world.caseStatus.control.documents()).map((d) => d.caseExternalId),
      ]);
      expect(alerts.map((a) => a.subjectId).sort()).toEqual([...cases].sort());
      expect(alerts.reduce((n, a) => n + (a.details.waiting as number), 0)).toBe(total);
      expect(alerts[0]!.reason).toMatch(/waited more than a day: the case is not linked/);

      await stack.engine.initialImport();
      const delivered = await job.run();
      expect(delivered.waiting).toBe(0);
      expect(delivered.failed).toBe(0);
      expect(stack.store.attention.open('writeback_waiting')).toHaveLength(0);
      expectMessagesExactlyOnce(world);
      await expectDocumentsExactlyOnce(world);
    } finally {
      stack.close();
    }
  });

  it('asks for a new upload URL when the first one has expired', async () => {
    h = await setupWorld(30);
    const { world, stack } = h;
    await stack.engine.initialImport();
    world.smokeball.control.setUploadUrlTtl(-60); // every URL handed out is already expired
    const expiries: string[] = [];
    const job = h.job({
      debug() {},
      info() {},
      error() {},
      warn(message, fields) {
        if (message.startsWith('Upload URL expired')) {
          expiries.push(String(fields?.fileId));
          world.smokeball.control.setUploadUrlTtl(900); // the next URL is good
        }
      },
    });
    const run = await job.run();
    expect(expiries.length).toBeGreaterThan(0);
    expect(run.failed).toBe(0);
    // Each refused URL was replaced (an URL already past its expiry is replaced before even trying it).
    expect(endpointCount(world, 'GET /matters/{id}/documents/files/{id}/upload')).toBeGreaterThanOrEqual(expiries.length);
    await expectDocumentsExactlyOnce(world);
  });

  it('lists a document over the size limit under needs attention, and Retry uploads it once the limit allows', async () => {
    h = await setupWorld(30);
    const { world, stack } = h;
    await stack.engine.initialImport();
    const small = { smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store, tempDir: `${h.stack.dataDir}/staging` };
    const { WritebackJob } = await import('../../../src/sync/writeback/index.js');
    const docs = await world.caseStatus.control.documents();
    const biggest = docs.reduce((a, b) => (b.sizeBytes > a.sizeBytes ? b : a));
    const strict = new WritebackJob({ ...small, settings: { ...TEST_SETTINGS, maxDocumentBytes: biggest.sizeBytes - 1 } });
    const run = await strict.run();
    expect(run.failed).toBeGreaterThanOrEqual(1);
    const items = writebackActivity(stack.store).attention;
    const item = items.find((i) => i.subjectId === biggest.id)!;
    expect(item.kind).toBe('document_failed');
    expect(item.reason).toMatch(/over the .* limit/);
    expect(world.smokeball.control.files(biggest.caseExternalId).some((f) => f.sha256 === biggest.sha256)).toBe(false);

    const relaxed = new WritebackJob({ ...small, settings: TEST_SETTINGS });
    const retried = await relaxed.retry(biggest.id);
    expect(retried.documentsUploaded).toBe(1);
    expect(writebackActivity(stack.store).attention.find((i) => i.subjectId === biggest.id)).toBeUndefined();
    await expectDocumentsExactlyOnce(world);
  });

  it('splits a thread that outgrows Smokeball’s memo size limit into continuation memos "(part N)"', async () => {
    h = await setupWorld(30);
    const { world, stack } = h;
    await stack.engine.initialImport();
    const job = h.job();
    await job.run();
    const matterId = world.caseStatus.control.messages()[0]!.caseExternalId;
    const body = 'Здравствуйте! Отправляю документы по делу. '.repeat(120); // ~5,000 chars, ~8 RTF chars each
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(
        world.caseStatus.control.addMessage({
          matterId,
          threadId: 'long-thread',
          senderName: 'Иван Петров',
          senderRole: 'client',
          body: `${i}: ${body}`,
          createdAt: new Date(Date.now() + i).toISOString(),
        }).id,
      );
    }
    const first = await job.run();
    expect(first.failed).toBe(0);
    // The thread grows again later: the last part is appended to (or continued) without re-sending earlier parts.
    ids.push(
      world.caseStatus.control.addMessage({
        matterId,
        threadId: 'long-thread',
        senderName: 'Иван Петров',
        senderRole: 'client',
        body: 'Last one',
        createdAt: new Date(Date.now() + 100).toISOString(),
      }).id,
    );
    const second = await job.run();
    expect(second).toMatchObject({ failed: 0, memosCreated: 0, memosUpdated: 1 });
    await world.smokeball.control.whenIdle();
    const parts = world.smokeball.control.memos(matterId).filter((m) => m.plainText.includes('[cs-thread:long-thread:'));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.title.match(/\(part (\d+)\)$/)?.[1] ?? '1').sort()).toEqual(parts.map((_, i) => String(i + 1)).sort());
    for (const p of parts) expect(p.text.length).toBeLessThan(100_000);
    expectMessagesExactlyOnceAcrossParts(world, ids);
    expectMessagesExactlyOnce(world);
  });

  it('coalesces pokes (relay hints, duplicates included) into one run soon after', async () => {
    h = await setupWorld(30);
    const { world, stack } = h;
    await stack.engine.initialImport();
    let runs = 0;
    const job = h.job({ debug() {}, warn() {}, error() {}, info: (m) => void (m === 'Write-back run finished' && runs++) });
    expect(job.status).toMatchObject({ running: false, lastRunAt: null });
    for (let i = 0; i < 5; i++) job.poke();
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (job.status.lastRunAt !== null && !job.status.running) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    expect(runs).toBe(1);
    expect(job.status.pending).toBe(0);
    expectMessagesExactlyOnce(world);
    job.close();
    job.poke(); // closed: ignored
    await new Promise((r) => setTimeout(r, 700));
    expect(runs).toBe(1);
  });
});
