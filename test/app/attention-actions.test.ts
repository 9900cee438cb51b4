import { describe, expect, it } from 'vitest';
import { retryAttentionItem, type AttentionActions } from '../../src/app/attention-actions.js';
import type { AttentionItem } from '../../src/store/attention.js';

/** Records what Retry asked for; nothing here talks to a server. */
function recordingActions(): AttentionActions & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    signIn: async () => void calls.push('signIn'),
    retryWriteback: (subjectId) => void calls.push(`writeback:${subjectId}`),
    restartRealtime: async () => void calls.push('realtime'),
    answerHeld: (send) => {
      calls.push(`held:${send}`);
      return { started: true };
    },
    startRun: async (kind) => {
      calls.push(`run:${kind}`);
      return { started: true };
    },
  };
}

const item = (kind: AttentionItem['kind'], subjectId = 's1'): AttentionItem => ({
  id: 1,
  kind,
  subjectId,
  reason: 'r',
  details: {},
  firstSeen: 'a',
  lastSeen: 'a',
  occurrences: 1,
});

describe('Retry on an attention item', () => {
  it('does nothing for unsafe content, even when asked directly (the window shows no Retry for it)', async () => {
    const act = recordingActions();
    expect(await retryAttentionItem(item('unsafe_content', 'document:d1'), act)).toEqual({ retried: false, message: 'This item cannot be retried.' });
    expect(act.calls).toEqual([]);
  });

  it('retries a failed document through the write-back outbox', async () => {
    const act = recordingActions();
    expect((await retryAttentionItem(item('document_failed', 'd1'), act)).retried).toBe(true);
    expect(act.calls).toEqual(['writeback:d1']);
  });
});
