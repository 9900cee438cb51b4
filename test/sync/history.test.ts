import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES_MISSING_IN_CASE_STATUS } from '../../src/testbed/world.js';
import { describeHistoryEntry, type HistoryKind } from '../../src/contract/history.js';
import { runUntilDrained, setupWorld, type Harness } from './writeback/helpers.js';

/**
 * The matter history against the simulators (real servers, real SQLite): one matter is imported, moved to a new
 * stage by a real-time refresh, renamed and picked up by an incremental sync, gets a message and a document written
 * back, and is closed. Its timeline must hold each step once, with the cause and the run that did it.
 */
let h: Harness;

beforeAll(async () => {
  h = await setupWorld(30);
  const run = await h.stack.engine.initialImport();
  if (run.outcome !== 'succeeded') throw new Error(`import failed: ${run.error}`);
  // The seeded messages and documents go first, so what this test adds is the only new write-back.
  await runUntilDrained(h.job());
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** A linked open matter with a stage and another stage Case Status knows. */
function movableMatter(): { matterId: string; target: { id: string; name: string } } {
  const { world, stack } = h;
  for (const link of stack.store.links.allMatters()) {
    if (link.status === 'Closed' || !link.stageName) continue;
    const matter = world.smokeball.control.matter(link.matterId);
    const set = world.firm.stageSets.find((s) => s.id === world.firm.stageSetByMatterType[matter.matterTypeId]);
    const target = set?.stages.find((s) => !s.isDeleted && !STAGES_MISSING_IN_CASE_STATUS.includes(s.name) && s.name !== link.stageName);
    if (target) return { matterId: link.matterId, target };
  }
  throw new Error('no movable matter in the world');
}

describe('matter history', () => {
  it('records import, real-time stage, update, memo, document and closure with their causes', async () => {
    const { world, stack } = h;
    const { store } = stack;
    const { matterId, target } = movableMatter();
    const link = store.links.matter(matterId)!;
    const all = store.history.timeline(matterId);
    // The import and the seeded write-back came before this test: only the case creation is looked at from them.
    const mark = all[0]!.id;
    const entries = (kind: HistoryKind) => store.history.timeline(matterId).filter((e) => e.kind === kind && (e.id > mark || kind === 'case_created'));

    const [created] = entries('case_created');
    expect(created).toMatchObject({ cause: 'initial', caseId: link.caseId, details: { to: link.stageName } });
    expect(created!.runId).toBeGreaterThan(0);
    // Someone finds the matter by its client's name too.
    const clientName = store.history.matter(matterId)!.clientNames[0];
    expect(clientName).toBeTruthy();
    expect(store.history.search(clientName!).map((m) => m.matterId)).toContain(matterId);

    world.smokeball.control.changeMatterStage(matterId, target.id);
    const realtime = await stack.engine.refresh({ stageMatterIds: [matterId], fromEvents: true });
    expect(realtime.outcome).toBe('succeeded');
    const [stage] = entries('stage_sent');
    expect(stage).toMatchObject({ cause: 'realtime', runId: realtime.runId, details: { from: link.stageName, to: target.name } });
    // The Smokeball change that caused it: the stage's lastUpdated, as the link now guards it.
    expect(stage!.source).toBe(store.links.matter(matterId)!.stageUpdated);
    expect(describeHistoryEntry(stage!)).toBe(`Stage sent: ${link.stageName} → ${target.name}`);

    world.smokeball.control.updateMatter(matterId, { title: 'Renamed for the history test' });
    const incremental = await stack.engine.incremental();
    expect(incremental.outcome).toBe('succeeded');
    expect(entries('case_updated')).toEqual([expect.objectContaining({ cause: 'incremental', runId: incremental.runId, details: { fields: ['title'] } })]);

    const message = world.caseStatus.control.addMessage({
      matterId,
      threadId: 'history-thread',
      senderName: 'Pat Client',
      senderRole: 'client',
      body: 'Is there any news?',
      createdAt: new Date().toISOString(),
    });
    const document = world.caseStatus.control.addDocument({
      matterId,
      fileName: 'History Scan.pdf',
      sharedByName: 'Pat Client',
      sharedByRole: 'client',
      content: 'the bytes of a scan',
    });
    expect(message.visible && document.visible).toBe(true);
    await runUntilDrained(h.job());
    const memo = world.smokeball.control.memos(matterId).find((m) => m.plainText.includes(`[cs-msg:${message.id}]`));
    expect(memo).toBeDefined();
    expect(entries('memo_written')).toEqual([expect.objectContaining({ cause: 'writeback', details: { messages: 1, memoId: memo!.id } })]);
    expect(entries('document_uploaded')).toEqual([
      expect.objectContaining({ cause: 'writeback', details: { fileName: 'History Scan.pdf', sizeBytes: Buffer.byteLength('the bytes of a scan') } }),
    ]);

    world.smokeball.control.closeMatter(matterId);
    const closing = await stack.engine.incremental();
    expect(entries('case_closed')).toEqual([expect.objectContaining({ cause: 'incremental', runId: closing.runId })]);

    // Each step once, in order (the timeline is newest first).
    expect(
      store.history
        .timeline(matterId)
        .filter((e) => e.id > mark && !e.kind.startsWith('attention'))
        .map((e) => e.kind)
        .reverse(),
    ).toEqual(['stage_sent', 'case_updated', 'memo_written', 'document_uploaded', 'case_closed']);
  });
});
