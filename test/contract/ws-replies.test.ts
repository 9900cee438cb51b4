import { describe, expect, it } from 'vitest';
import { WsReplies } from '../../src/contract/ws-replies.js';
import type { AppView } from '../../src/contract/view.js';

describe('WebSocket replies', () => {
  it('numbers commands and matches each reply to its command, in any order', async () => {
    const replies = new WsReplies(() => {});
    const a = replies.request('syncNow', {});
    const b = replies.request('pause', { minutes: 5 });
    expect(JSON.parse(a.frame)).toEqual({ id: 1, command: 'syncNow', input: {} });
    expect(JSON.parse(b.frame)).toEqual({ id: 2, command: 'pause', input: { minutes: 5 } });
    replies.receive(JSON.stringify({ id: 2, ok: false, error: 'Syncing is paused.' }));
    replies.receive(JSON.stringify({ id: 1, ok: true, result: { started: true } }));
    await expect(b.answer).rejects.toThrow('Syncing is paused.');
    await expect(a.answer).resolves.toEqual({ started: true });
  });

  it('hands pushed views on and ignores frames that are not the protocol', () => {
    const views: AppView[] = [];
    const replies = new WsReplies((v) => views.push(v));
    replies.receive(JSON.stringify({ event: 'view', data: { version: 'x' } }));
    for (const junk of ['not json', 'null', '42', JSON.stringify({ id: 99, ok: true, result: 1 }), new ArrayBuffer(2)]) replies.receive(junk);
    expect(views).toEqual([{ version: 'x' }]);
  });

  it('fails every waiting command when the connection closes', async () => {
    const replies = new WsReplies(() => {});
    const a = replies.request('getView', {});
    const b = replies.request('syncNow', {});
    replies.failAll('The app closed the connection');
    await expect(a.answer).rejects.toThrow('The app closed the connection');
    await expect(b.answer).rejects.toThrow('The app closed the connection');
    // A late reply to a failed command changes nothing.
    replies.receive(JSON.stringify({ id: 1, ok: true, result: {} }));
  });
});
