/**
 * The write-back job: Case Status messages → Smokeball memos, shared documents → the `CaseStatus` folder.
 *
 * A run (1) drains the message and document feeds from their stored cursors into the outbox — each page's
 * enqueues and its cursor move in one transaction, so a crash never loses an item (it is either queued or
 * read again) — then (2) works through the outbox: threads and matters in parallel (the Smokeball gate
 * paces every request), each thread or matter in order. Items whose matter is not linked yet stay queued
 * ("waiting") and are looked at again on every run.
 */
import { readdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { OutboxItem, StateStore, MatterLink } from '../../store/index.js';
import type { CaseStatusClient } from '../casestatus/client.js';
import type { CsDocument, CsMessage, CsPage } from '../casestatus/types.js';
import { LeaseLostError } from '../coordination/write-fence.js';
import { silentLogger, type Logger } from '../ports.js';
import type { SmokeballClient } from '../smokeball/client.js';
import {
  documentKey,
  emptySummary,
  errorText,
  KIND_DOCUMENT,
  KIND_MEMO_ENTRY,
  messageKey,
  WRITEBACK_KINDS,
  type WritebackContext,
  type WritebackSettings,
  type WritebackSummary,
} from './context.js';
import { DocumentWriter, isStagingRefused } from './document-writer.js';
import { checkDocument, checkMessage, isBadFeedItem, type BadFeedItem } from './feed-check.js';
import { FolderFinder } from './folder-finder.js';
import { MemoWriter } from './memo-writer.js';
import { oneLine } from './memo-text.js';
import { checkCaseLink } from './safe-url.js';
import { DEFAULT_READ_BACK } from './read-back.js';
import { systemClock, type Clock } from '../../shared/clock.js';

export const MESSAGES_CURSOR = 'writeback.messages.cursor';
export const DOCUMENTS_CURSOR = 'writeback.documents.cursor';
const LAST_RUN = 'writeback.lastRunAt';
const FEED_PAGE = 200;

export interface WritebackJobDeps {
  smokeball: SmokeballClient;
  caseStatus: CaseStatusClient;
  store: StateStore;
  logger?: Logger;
  tempDir?: string;
  settings?: Partial<Omit<WritebackSettings, 'tempDir'>>;
  /** Delay between a poke and the run it causes (pokes within it are coalesced). */
  pokeDelayMs?: number;
  /** When items are due again and when waiting is too long; default: the system clock. */
  clock?: Clock;
}

export interface WritebackStatus {
  running: boolean;
  lastRunAt: string | null;
  pending: number;
}

export const DEFAULT_WRITEBACK_SETTINGS: Omit<WritebackSettings, 'tempDir'> = {
  readBack: DEFAULT_READ_BACK,
  maxAttempts: 6,
  retryDelayMs: 30_000,
  maxDocumentBytes: 2 * 1024 * 1024 * 1024,
  concurrency: 4,
  waitingAlertMs: 24 * 60 * 60_000,
};

export class WritebackJob {
  private running: Promise<WritebackSummary> | undefined;
  private pokeTimer: NodeJS.Timeout | undefined;
  private pokedWhileRunning = false;
  private closed = false;
  private lastRun: string | null;
  private readonly ctx: WritebackContext;
  private readonly memos: MemoWriter;
  private readonly documents: DocumentWriter;
  private readonly caseUrls = new Map<string, Promise<string | null>>();
  private readonly pokeDelayMs: number;

  constructor(private readonly deps: WritebackJobDeps) {
    const settings: WritebackSettings = {
      ...DEFAULT_WRITEBACK_SETTINGS,
      ...deps.settings,
      readBack: { ...DEFAULT_READ_BACK, ...deps.settings?.readBack },
      tempDir: deps.tempDir ?? join(tmpdir(), 'case-status-sync-uploads'),
    };
    this.ctx = {
      smokeball: deps.smokeball,
      caseStatus: deps.caseStatus,
      store: deps.store,
      log: deps.logger ?? silentLogger,
      settings,
      caseUrl: (matterId) => this.caseUrl(matterId),
      clock: deps.clock ?? systemClock,
    };
    this.memos = new MemoWriter(this.ctx);
    this.documents = new DocumentWriter(this.ctx, new FolderFinder(this.ctx));
    this.pokeDelayMs = deps.pokeDelayMs ?? 500;
    this.lastRun = deps.store.checkpoints.get<string>(LAST_RUN) ?? null;
  }

  get status(): WritebackStatus {
    return { running: this.running !== undefined, lastRunAt: this.lastRun, pending: this.closed ? 0 : this.deps.store.outbox.activeCount(WRITEBACK_KINDS) };
  }

  /** Drains both feeds, then the outbox. One run at a time: a call while running gets the same promise. */
  run(): Promise<WritebackSummary> {
    if (this.running) return this.running;
    this.running = this.execute().finally(() => {
      this.running = undefined;
      if (this.pokedWhileRunning && !this.closed) {
        this.pokedWhileRunning = false;
        this.poke();
      }
    });
    return this.running;
  }

  /** A relay event (message.created / document.created) says there is something new: run soon, once. */
  poke(): void {
    if (this.closed) return;
    if (this.running) {
      this.pokedWhileRunning = true;
      return;
    }
    if (this.pokeTimer) return;
    this.pokeTimer = setTimeout(() => {
      this.pokeTimer = undefined;
      if (this.closed) return;
      this.run().catch((error: unknown) => this.ctx.log.error('Write-back run failed', { error: errorText(error) }));
    }, this.pokeDelayMs);
  }

  /** "Retry" on a message_failed / document_failed item: its outbox item goes back in the queue, then a run. */
  async retry(attentionSubjectId: string): Promise<WritebackSummary> {
    const { store } = this.deps;
    store.transaction(() => {
      for (const key of [messageKey(attentionSubjectId), documentKey(attentionSubjectId)]) {
        const item = store.outbox.byKey(key);
        if (!item) continue;
        if (item.state === 'dead') store.outbox.revive(item.id);
        else if (item.state === 'failed') store.outbox.markFailed(item.id, item.lastError ?? 'retry requested', null, false);
      }
    });
    if (this.running) await this.running.catch(() => undefined);
    return this.run();
  }

  /** Stops pokes and new work (the store is about to close). The thread or matter in progress finishes. */
  close(): void {
    this.closed = true;
    if (this.pokeTimer) clearTimeout(this.pokeTimer);
    this.pokeTimer = undefined;
  }

  private async execute(): Promise<WritebackSummary> {
    const started = this.ctx.clock.monotonicMs();
    const summary = emptySummary();
    const { log } = this.ctx;
    await this.removeStaleStaging();
    // Feeds first; if Case Status is unreachable, what is already queued is still written. A refusal of the write
    // fence (the lease lapsed, or another install is the host) stops the run instead: nothing can be sent, and
    // writing on as if the feed were read would let a caller take "nothing pending" for "all written".
    for (const [name, feed] of [
      ['messages', () => this.drainMessages()],
      ['documents', () => this.drainDocuments()],
    ] as const) {
      try {
        await feed();
      } catch (error) {
        if (error instanceof LeaseLostError) return this.refused(summary, started, error);
        log.warn(`Reading the Case Status ${name} feed failed; it is read again next run`, { error: errorText(error) });
      }
    }
    // Both must have settled before the run ends, for the reason `pool` waits for every worker: with Promise.all a
    // failed memo side ended the run while documents were still being written, and the next run (a poke half a
    // second later) made a matter's CaseStatus folder a second time (the full soak, after its disk-full episode).
    const sides = await Promise.allSettled([this.writeMemos(summary), this.writeDocuments(summary)]);
    const failures = sides.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    const failed = failures.find((e) => !(e instanceof LeaseLostError));
    if (failed) throw failed;
    if (failures.length > 0) return this.refused(summary, started, failures[0]);
    summary.durationMs = this.ctx.clock.monotonicMs() - started;
    this.lastRun = this.ctx.clock.now().toISOString();
    this.deps.store.checkpoints.set(LAST_RUN, this.lastRun);
    log.info('Write-back run finished', { ...summary });
    return summary;
  }

  /**
   * The fence refused a request: the run ends here, and says so (a refusal is not an item's failure, and what
   * was not done waits for the next run on the host). Not an error of the job: this install may simply not be
   * the host any more.
   */
  private refused(summary: WritebackSummary, started: number, error: unknown): WritebackSummary {
    summary.leaseRefused = true;
    summary.durationMs = this.ctx.clock.monotonicMs() - started;
    this.ctx.log.warn('Write-back run stopped: this PC may not send now', { error: errorText(error) });
    return summary;
  }

  /** Partial downloads left by a killed process (only one job works on a state folder, and it is not running). */
  private async removeStaleStaging(): Promise<void> {
    const dir = this.ctx.settings.tempDir;
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith('cs-') && n.endsWith('.part')).map((n) => unlink(join(dir, n)).catch(() => undefined)));
  }

  private drainMessages(): Promise<void> {
    return this.drain<CsMessage>(
      MESSAGES_CURSOR,
      (after) => this.deps.caseStatus.messages(after, FEED_PAGE),
      checkMessage,
      'message_failed',
      (m) => ({
        idempotencyKey: messageKey(m.id),
        kind: KIND_MEMO_ENTRY,
        subjectId: m.id,
        payload: m,
      }),
    );
  }

  private drainDocuments(): Promise<void> {
    return this.drain<CsDocument>(
      DOCUMENTS_CURSOR,
      (after) => this.deps.caseStatus.documents(after, FEED_PAGE),
      checkDocument,
      'document_failed',
      (d) => ({
        idempotencyKey: documentKey(d.id),
        kind: KIND_DOCUMENT,
        subjectId: d.id,
        payload: d,
      }),
    );
  }

  /**
   * Pages a feed from its cursor; each page's items and the cursor after it commit together. Items the writers
   * could not handle (feed-check.ts) are listed under needs attention instead of queued, so the feed goes on.
   */
  private async drain<T>(
    cursorName: string,
    fetch: (after: string | undefined) => Promise<CsPage<T>>,
    check: (raw: unknown) => T | BadFeedItem,
    attention: 'message_failed' | 'document_failed',
    toItem: (t: T) => { idempotencyKey: string; kind: string; subjectId: string; payload: T },
  ): Promise<void> {
    const { store } = this.deps;
    let cursor = store.checkpoints.get<string>(cursorName);
    for (;;) {
      const page = await fetch(cursor);
      if (!page || !Array.isArray(page.data) || typeof page.nextCursor !== 'string') throw new Error('Case Status answered the feed with an unexpected body');
      const what = attention === 'message_failed' ? 'message' : 'document';
      store.transaction(() => {
        for (const raw of page.data) {
          const item = check(raw);
          if (!isBadFeedItem(item)) {
            store.outbox.enqueue(toItem(item));
            continue;
          }
          const reason = `Case Status sent a ${what} that cannot be written to Smokeball: ${item.problem}. It was skipped; the other ${what}s went on.`;
          store.attention.raise(attention, item.id ?? `unreadable ${what}: ${item.problem}`.slice(0, 200), reason, { unreadable: true });
          this.ctx.log.warn('Skipped an unreadable Case Status feed item', { feed: what, id: item.id, problem: item.problem });
        }
        store.checkpoints.set(cursorName, page.nextCursor);
      });
      cursor = page.nextCursor;
      if (!page.hasMore || page.data.length === 0) return;
    }
  }

  /** Every queued item of a kind that is due now (keyset paging, so waiting items never hide later ones). */
  private due<P>(kind: string): { due: OutboxItem<P>[]; later: number } {
    const { store } = this.deps;
    const due: OutboxItem<P>[] = [];
    let later = 0;
    const now = this.ctx.clock.now().toISOString();
    for (let after = 0; ;) {
      const page = store.outbox.activeAfter<P>([kind], after, 1000);
      if (page.length === 0) break;
      for (const item of page) {
        if (item.notBefore && item.notBefore > now) later += 1;
        else due.push(item);
      }
      after = page[page.length - 1]!.id;
    }
    return { due, later };
  }

  private async writeMemos(summary: WritebackSummary): Promise<void> {
    const { due } = this.due<CsMessage>(KIND_MEMO_ENTRY);
    const threads = new Map<string, OutboxItem<CsMessage>[]>();
    for (const item of due) {
      const key = `${item.payload.caseExternalId}\u0000${item.payload.threadId}`;
      const list = threads.get(key);
      if (list) list.push(item);
      else threads.set(key, [item]);
    }
    await this.pool([...threads.values()], async (items) => {
      const first = items[0]!.payload;
      const link = this.linkOf(first.caseExternalId);
      if (!link) {
        summary.waiting += items.length;
        this.flagLongWait(first.caseExternalId, items);
        return;
      }
      this.deps.store.attention.resolve('writeback_waiting', first.caseExternalId);
      try {
        await this.memos.writeThread(first.threadId, link, items, summary);
      } catch (error) {
        if (error instanceof LeaseLostError) throw error; // refused before sending: not a failure of these messages
        this.ctx.log.error('Writing a memo thread failed', { threadId: first.threadId, error: errorText(error) });
        summary.failed += items.length;
        this.failUnexpected(items, 'message_failed', error);
      }
    });
  }

  private async writeDocuments(summary: WritebackSummary): Promise<void> {
    const { due } = this.due<CsDocument>(KIND_DOCUMENT);
    const matters = new Map<string, OutboxItem<CsDocument>[]>();
    for (const item of due) {
      const list = matters.get(item.payload.caseExternalId);
      if (list) list.push(item);
      else matters.set(item.payload.caseExternalId, [item]);
    }
    await this.pool([...matters.values()], async (items) => {
      const link = this.linkOf(items[0]!.payload.caseExternalId);
      if (!link) {
        summary.waiting += items.length;
        this.flagLongWait(items[0]!.payload.caseExternalId, items);
        return;
      }
      this.deps.store.attention.resolve('writeback_waiting', link.matterId);
      try {
        await this.documents.writeMatter(link, items, summary);
      } catch (error) {
        if (error instanceof LeaseLostError) throw error; // refused before sending: not a failure of these documents
        this.ctx.log.error('Uploading a matter’s documents failed', { matterId: link.matterId, error: errorText(error) });
        summary.failed += items.length;
        this.failUnexpected(items, 'document_failed', error);
        // The app's data folder refused the staging: fail the run, so the app shows it (see DocumentWriter).
        if (isStagingRefused(error)) throw error;
      }
    });
  }

  /** A failure nobody planned for (e.g. Smokeball unreachable for minutes): retried later with backoff. */
  private failUnexpected(items: OutboxItem[], kind: 'message_failed' | 'document_failed', error: unknown): void {
    const { store } = this.deps;
    for (const item of items) {
      const fresh = store.outbox.byId(item.id);
      if (!fresh || fresh.state === 'done' || fresh.state === 'dead') continue;
      const dead = fresh.attempts >= this.ctx.settings.maxAttempts;
      store.transaction(() => {
        store.outbox.markFailed(item.id, errorText(error), dead ? null : new Date(this.ctx.clock.now().getTime() + this.ctx.settings.retryDelayMs), dead);
        if (dead) store.attention.raise(kind, item.subjectId, `Not written to Smokeball: ${errorText(error)}`, {});
      });
    }
  }

  /**
   * Waiting is normal for minutes (a new matter's case is created by the next sync), not for a day: then the case
   * is not one the sync manages (matter closed, outside the matter filter, practice area unmapped, or a case made
   * by hand in Case Status), and a person should know its messages are not reaching Smokeball. The item is
   * resolved by the sync once the matter is linked.
   */
  private flagLongWait(caseExternalId: string, items: OutboxItem[]): void {
    const oldest = Math.min(...items.map((i) => Date.parse(i.createdAt)));
    if (this.ctx.clock.now().getTime() - oldest < this.ctx.settings.waitingAlertMs) return;
    const { store } = this.deps;
    const waiting = store.outbox
      .activeAfter(WRITEBACK_KINDS, 0, 10_000)
      .filter((i) => (i.payload as { caseExternalId?: string }).caseExternalId === caseExternalId).length;
    store.attention.raise(
      'writeback_waiting',
      caseExternalId,
      `${waiting} message${waiting === 1 ? '' : 's'} or document${waiting === 1 ? '' : 's'} from Case Status case ${caseExternalId} have waited more than a day: the case is not linked to a synced Smokeball matter (closed, outside the matter filter, or an unmapped practice area).`,
      { waiting },
    );
  }

  /** A matter the engine has linked to its case; messages and documents of other matters wait. */
  private linkOf(matterId: string): MatterLink | undefined {
    return this.deps.store.links.matter(matterId);
  }

  /** The case link for memos and activity: https only; anything else is left out and staff are told. */
  private async caseUrl(matterId: string): Promise<string | null> {
    const raw = await this.rawCaseUrl(matterId);
    if (raw === null) return null;
    const verdict = checkCaseLink(raw);
    if (verdict.ok) return verdict.url;
    this.deps.store.attention.raise(
      'unsafe_content',
      `case-link:${matterId}`,
      `Case Status gave a link for this matter's case that was left out of its memos: ${verdict.reason} (${oneLine(raw, 120)}). Only https: links are written into Smokeball.`,
      { matterId },
    );
    return null;
  }

  private rawCaseUrl(matterId: string): Promise<string | null> {
    const linked = this.deps.store.links.matter(matterId)?.caseUrl;
    if (linked) return Promise.resolve(linked);
    let url = this.caseUrls.get(matterId);
    if (!url) {
      url = this.deps.caseStatus.caseUrl(matterId).catch(() => {
        this.caseUrls.delete(matterId); // ask again next time
        return null;
      });
      this.caseUrls.set(matterId, url);
    }
    return url;
  }

  /** Runs `fn` over `work`, `concurrency` at a time (p-queue, like the pacing gate). */
  private async pool<T>(work: T[], fn: (t: T) => Promise<void>): Promise<void> {
    const queue = new PQueue({ concurrency: Math.max(1, this.ctx.settings.concurrency) });
    // After close() (the app is quitting) no new thread or matter starts; the ones in progress finish, and
    // the rest stay queued in the outbox for the next start.
    // Every task must have settled before the run ends, even when one failed (a bookkeeping write on a full
    // disk): a run that ended while others went on would let the next run pick up the same thread or matter,
    // and both would write it (the soak found memos and folders made twice this way). So not addAll, which
    // rejects at the first failure.
    const results = await Promise.allSettled(work.map((item) => queue.add(async () => (this.closed ? undefined : fn(item)))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
