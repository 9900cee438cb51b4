/**
 * Messages → one Smokeball memo per Case Status thread, appended as the thread grows.
 *
 * Exactly once: before a memo POST or PUT is sent, its outbox items are marked in flight with a fresh
 * RequestId and the write (thread, part, memo id or "new", message ids) is recorded in memo_writes — one
 * transaction. When the answer is 202 the entries are recorded. When the outcome is unknown (5xx, reset,
 * timeout, or a process killed mid-way, found as in-flight items at the next run), the memo is read back
 * first: by id for a PUT, or by the part's thread marker in the matter's memo list for a POST, polling until
 * Smokeball's asynchronous apply has surely happened. Only when the entries' markers are not there is the
 * write sent again. A PUT carries the whole memo text, so a repeated PUT cannot double an entry either.
 */
import { createHash } from 'node:crypto';
import type { MatterLink, MemoThreadPart, OutboxItem } from '../../store/index.js';
import type { CsMessage } from '../casestatus/types.js';
import { LeaseLostError } from '../coordination/write-fence.js';
import { ApiError } from '../http/api-error.js';
import { listAll } from '../smokeball/reads.js';
import type { SbAccepted, SbMemo, SbMemoInput } from '../smokeball/types.js';
import { acceptedId, errorText, isPermanent, isUnknownOutcome, recordFailure, type WritebackContext, type WritebackSummary } from './context.js';
import {
  compareEntries,
  hasThreadMarker,
  markersIn,
  memoPlainText,
  memoRtf,
  memoTitle,
  oneLine,
  pieceKey,
  planParts,
  renderEntry,
  type EntryPiece,
  type MemoContext,
} from './memo-text.js';
import { pollUntil } from './read-back.js';

type MessageItem = OutboxItem<CsMessage>;

/** Sends in one run before a thread's items are left for the next run. */
const SENDS_PER_RUN = 3;

export class MemoWriter {
  constructor(private readonly ctx: WritebackContext) {}

  /** Writes a thread's ready messages (all of one matter, which is linked). */
  async writeThread(threadId: string, link: MatterLink, items: MessageItem[], summary: WritebackSummary): Promise<void> {
    const { store } = this.ctx;
    // 1. Writes a previous attempt (or a killed process) left with an unknown outcome: read them back first. A
    //    write's record stays until its outcome is known, so it counts whatever state the item was left in (a
    //    failure to save the answer, e.g. on a full disk, may have marked the item failed after Smokeball took it).
    const interrupted = new Set(items.filter((i) => i.requestId && store.writeback.memoWrite(i.requestId)).map((i) => i.requestId as string));
    for (const requestId of interrupted) {
      const write = store.writeback.memoWrite(requestId);
      if (write) await this.resolve(write, link, items, summary);
    }
    for (let sends = 0; sends < SENDS_PER_RUN; sends++) {
      const open = this.stillOpen(items);
      if (open.length === 0) return;
      const outcome = await this.sendOnce(threadId, link, open, summary);
      if (outcome !== 'retry') return;
    }
    const left = this.stillOpen(items);
    for (const item of left)
      recordFailure(this.ctx, item, 'message_failed', `The memo write for this message did not land in Smokeball after ${SENDS_PER_RUN} tries`, false);
    summary.failed += left.length;
  }

  /** Items not yet written; messages already in a memo (e.g. the feed repeated them) are closed here. */
  private stillOpen(items: MessageItem[]): MessageItem[] {
    const { store } = this.ctx;
    const open: MessageItem[] = [];
    for (const item of items) {
      const fresh = store.outbox.byId<CsMessage>(item.id);
      if (!fresh || fresh.state === 'done' || fresh.state === 'dead') continue;
      if (store.items.messageLinked(fresh.payload.id)) {
        store.outbox.markDone(fresh.id, null);
        continue;
      }
      open.push(fresh);
    }
    return open;
  }

  private async memoContext(threadId: string, link: MatterLink, incoming: EntryPiece[]): Promise<(part: number) => MemoContext> {
    const caseUrl = await this.ctx.caseUrl(link.matterId);
    const first = [this.ctx.store.writeback.firstSortKey(threadId), ...incoming.map((e) => e.sortKey)].filter((k): k is string => !!k).sort()[0];
    const startedAt = first?.split('|')[0] ?? this.ctx.clock.now().toISOString();
    return (part) => ({ threadId, part, matterNumber: link.matterNumber, matterTitle: link.matterTitle, caseUrl, startedAt });
  }

  /** One round: plan the parts, send each write in order. 'retry' when a write did not land and may be re-sent now. */
  private async sendOnce(threadId: string, link: MatterLink, open: MessageItem[], summary: WritebackSummary): Promise<'done' | 'retry' | 'stop'> {
    const { store, smokeball, log } = this.ctx;
    const byMessage = new Map(open.map((i) => [i.payload.id, i]));
    const incoming = open.flatMap((i) => renderEntry(i.payload)).sort(compareEntries);
    const latest = store.items.latestThreadPart(threadId);
    let current = latest?.memoId ? { part: latest.part, entries: this.storedEntries(threadId, latest.part) } : undefined;
    let currentMemoId = latest?.memoId ?? null;
    if (latest?.memoId && !(await this.stillOurs(link.matterId, latest))) {
      // Someone edited or deleted the memo in Smokeball: appending would overwrite their work (a PUT replaces the
      // whole text), so the conversation continues in a new part and their memo is left as they made it.
      log.info('Memo changed in Smokeball since our last write; continuing the thread in a new memo', { threadId, part: latest.part });
      current = { part: latest.part + 1, entries: [] };
      currentMemoId = null;
    }
    const ctxFor = await this.memoContext(threadId, link, incoming);
    const plans = planParts(current, incoming, ctxFor);

    for (const plan of plans) {
      const memoId = current && plan.part === current.part ? currentMemoId : null;
      const messageIds = [...new Set(plan.added.map((e) => e.messageId))];
      const planItems = messageIds.map((id) => byMessage.get(id)).filter((i): i is MessageItem => i !== undefined);
      const requestId = smokeball.newRequestId();
      const write = { requestId, threadId, part: plan.part, matterId: link.matterId, memoId, messageIds };
      const ctx = ctxFor(plan.part);
      const body: SbMemoInput = { title: memoTitle(ctx), text: memoRtf(ctx, plan.entries) };
      store.transaction(() => {
        store.writeback.recordMemoWrite(write);
        store.writeback.recordSentText(threadId, plan.part, sha256(body.text));
        for (const item of planItems) store.outbox.markInFlight(item.id, requestId);
      });
      let sentMemoId: string;
      try {
        sentMemoId = await this.send(link.matterId, memoId, body, requestId);
      } catch (error) {
        if (error instanceof LeaseLostError) {
          // The fence refused the send: nothing went out, so this is no attempt and there is nothing to read back.
          store.transaction(() => {
            store.writeback.clearMemoWrite(requestId);
            for (const item of planItems) store.outbox.releaseRefused(item.id);
          });
          throw error;
        }
        if (isUnknownOutcome(error)) {
          log.warn('Memo write outcome unknown; reading it back', { threadId, part: plan.part, error: errorText(error) });
          const landed = await this.resolve(write, link, planItems, summary);
          if (!landed) return 'retry';
          continue;
        }
        store.writeback.clearMemoWrite(requestId);
        const reason = `Smokeball refused the memo for this message: ${errorText(error)}`;
        const permanent = isPermanent(error);
        for (const item of planItems) recordFailure(this.ctx, item, 'message_failed', reason, permanent, { threadId, matterId: link.matterId });
        summary.failed += planItems.length;
        return 'stop';
      }
      log.debug('memo write accepted', { threadId, part: plan.part, memoId: sentMemoId, requestId });
      // Smokeball took the write. A failure from here on is our own (saving the answer, e.g. on a full disk): it
      // must not clear the write's record, so the next run reads the memo back instead of sending it again.
      this.record(write, sentMemoId, plan.entries, plan.added, planItems, link, ctx, summary, memoId === null);
    }
    return 'done';
  }

  /** POST (new memo) or PUT (whole text of an existing one). A PUT to a memo not applied yet waits for it. */
  private async send(matterId: string, memoId: string | null, body: SbMemoInput, requestId: string): Promise<string> {
    const { smokeball } = this.ctx;
    const base = `/matters/${encodeURIComponent(matterId)}/memos`;
    if (memoId === null) {
      const res = await smokeball.request<SbAccepted>('POST', base, { data: body, idempotent: false, requestId });
      const id = acceptedId(res.data);
      if (!id) throw new Error('Smokeball accepted the memo but did not say its id');
      return id;
    }
    try {
      await smokeball.request<SbAccepted>('PUT', `${base}/${encodeURIComponent(memoId)}`, { data: body, idempotent: false, requestId });
    } catch (error) {
      // A memo created moments ago is accepted but not applied yet: wait until it exists, then update it.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      const exists = await pollUntil(() => this.getMemo(matterId, memoId), this.ctx.settings.readBack);
      if (!exists) throw error;
      await smokeball.request<SbAccepted>('PUT', `${base}/${encodeURIComponent(memoId)}`, { data: body, idempotent: false, requestId });
    }
    return memoId;
  }

  /**
   * Is the memo still exactly a text we sent (Smokeball stores memo RTF as given)? An earlier text of ours counts
   * too: our last write may not be applied yet. Deleted, missing or different: a person has been at it.
   */
  private async stillOurs(matterId: string, part: MemoThreadPart): Promise<boolean> {
    // A memo created moments ago may not be applied yet: a 404 means gone only once the read-back bound has passed.
    const memo = (await this.getMemo(matterId, part.memoId!)) ?? (await pollUntil(() => this.getMemo(matterId, part.memoId!), this.ctx.settings.readBack));
    if (!memo || memo.isDeleted) return false;
    return this.ctx.store.writeback.sentTextStatus(part.threadId, part.part, sha256(memo.text)) !== 'other';
  }

  private storedEntries(threadId: string, part: number): EntryPiece[] {
    return this.ctx.store.writeback.entriesOfPart(threadId, part).map((e) => ({ messageId: e.messageId, piece: e.piece, sortKey: e.sortKey, text: e.text }));
  }

  private async getMemo(matterId: string, memoId: string): Promise<SbMemo | undefined> {
    try {
      return await this.ctx.smokeball.get<SbMemo>(`/matters/${encodeURIComponent(matterId)}/memos/${encodeURIComponent(memoId)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Did an earlier write land? Reads the memo back (by id, or by the part's thread marker among the matter's
   * memos) until the write's entry markers show or the read-back bound passes. Records what landed; items
   * that did not land go back to pending. Returns whether the whole write landed.
   */
  private async resolve(
    write: { requestId: string; threadId: string; part: number; matterId: string; memoId: string | null; messageIds: string[] },
    link: MatterLink,
    items: MessageItem[],
    summary: WritebackSummary,
  ): Promise<boolean> {
    const { store, settings } = this.ctx;
    const itemsById = new Map(items.map((i) => [i.payload.id, i]));
    const writeItems = write.messageIds.map((id) => itemsById.get(id) ?? this.itemOf(id)).filter((i): i is MessageItem => i !== undefined);
    const pieces = writeItems.flatMap((i) => renderEntry(i.payload));
    const wanted = pieces.map(pieceKey);
    const landedIn = (memo: SbMemo) => {
      const seen = markersIn(memo.plainText ?? memo.text);
      return wanted.every((k) => seen.has(k));
    };
    const memo = await pollUntil(async () => {
      if (write.memoId) {
        const m = await this.getMemo(write.matterId, write.memoId);
        return m && landedIn(m) ? m : undefined;
      }
      const memos = await listAll<SbMemo>(this.ctx.smokeball, `/matters/${encodeURIComponent(write.matterId)}/memos`);
      return memos.find((m) => !m.isDeleted && hasThreadMarker(m.plainText ?? m.text, write.threadId, write.part) && landedIn(m));
    }, settings.readBack);
    if (!memo) {
      store.transaction(() => {
        store.writeback.clearMemoWrite(write.requestId);
        for (const item of writeItems) store.outbox.markFailed(item.id, 'the earlier write did not land; sending again', null, false);
      });
      this.ctx.log.info('Memo write did not land; it will be sent again', { threadId: write.threadId, part: write.part });
      return false;
    }
    // It landed: record exactly what the memo holds for this part (the stored entries plus this write's).
    const stored = this.storedEntries(write.threadId, write.part);
    const entries = [...stored, ...pieces.filter((p) => !stored.some((s) => pieceKey(s) === pieceKey(p)))].sort(compareEntries);
    const ctx = (await this.memoContext(write.threadId, link, pieces))(write.part);
    this.record(write, memo.id, entries, pieces, writeItems, link, ctx, summary, write.memoId === null);
    this.ctx.log.info('Memo write had landed; recorded without sending again', { threadId: write.threadId, part: write.part, memoId: memo.id });
    return true;
  }

  private itemOf(messageId: string): MessageItem | undefined {
    return this.ctx.store.outbox.byKey<CsMessage>(`msg:${messageId}`);
  }

  /** One transaction: entries, message links, the thread part, outbox items done, activity, attention resolved. */
  private record(
    write: { requestId: string; threadId: string; part: number; matterId: string },
    memoId: string,
    entries: EntryPiece[],
    added: EntryPiece[],
    items: MessageItem[],
    link: MatterLink,
    ctx: MemoContext,
    summary: WritebackSummary,
    created: boolean,
  ): void {
    const { store } = this.ctx;
    const plain = memoPlainText(ctx, entries);
    store.transaction(() => {
      for (const e of added) store.writeback.addEntry({ ...e, threadId: write.threadId, part: write.part });
      for (const item of items) {
        store.items.linkMessage({ messageId: item.payload.id, threadId: write.threadId, matterId: write.matterId, memoId, part: write.part });
        store.outbox.markDone(item.id, memoId);
        store.attention.resolve('message_failed', item.subjectId);
      }
      store.items.saveThreadPart({
        threadId: write.threadId,
        part: write.part,
        matterId: write.matterId,
        memoId,
        entryCount: entries.length,
        textLength: plain.length,
      });
      store.writeback.clearMemoWrite(write.requestId);
      const senders = [...new Set(items.map((i) => oneLine(i.payload.sender.name, 60)))].join(', ');
      const n = items.length;
      store.history.record({ matterId: write.matterId, kind: 'memo_written', cause: 'writeback', details: { messages: n, memoId } });
      store.activity.add({
        kind: 'memo',
        matterId: write.matterId,
        summary: `${link.matterNumber ?? 'Matter'}: ${n} message${n === 1 ? '' : 's'} from ${senders} ${created ? 'written to a new memo' : 'added to the memo'} “${memoTitle(ctx)}”`,
        link: ctx.caseUrl,
      });
    });
    if (created) summary.memosCreated += 1;
    else summary.memosUpdated += 1;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
