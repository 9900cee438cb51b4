import { openDatabase, type SqliteDatabase } from './database.js';
import { systemNow, type Now } from './clock.js';
import { CheckpointRepository } from './checkpoints.js';
import { LinkRepository } from './links.js';
import { ItemLinkRepository } from './item-links.js';
import { OutboxRepository } from './outbox.js';
import { RunRepository } from './runs.js';
import { AttentionRepository } from './attention.js';
import { ActivityRepository } from './activity.js';
import { WritebackRepository } from './writeback.js';
import { HeldChangeRepository } from './held-changes.js';
import { HistoryRepository } from './history.js';
import { CaseSendRepository } from './case-sends.js';

export type { MatterLink, ContactLink } from './links.js';
export type { MemoThreadPart, DocumentLink } from './item-links.js';
export type { OutboxItem, OutboxState } from './outbox.js';
export type { SyncRun, RunKind, RunOutcome } from './runs.js';
export type { AttentionItem, AttentionKind } from './attention.js';
export type { ActivityEntry } from './activity.js';
export type { HeldChange, HeldKind, HeldReason } from './held-changes.js';
export type { CaseSend } from './case-sends.js';
export type { HistoryEntry, HistoryRecord, HistoryLimits } from './history.js';
export { DEFAULT_HISTORY_LIMITS } from './history.js';
export type { MemoEntryRow, PendingMemoWrite, FileNameClaim } from './writeback.js';

/** The app's local state: one SQLite file, one repository per concern. */
export class StateStore {
  readonly checkpoints: CheckpointRepository;
  readonly links: LinkRepository;
  readonly items: ItemLinkRepository;
  readonly outbox: OutboxRepository;
  readonly runs: RunRepository;
  readonly attention: AttentionRepository;
  readonly activity: ActivityRepository;
  readonly writeback: WritebackRepository;
  readonly held: HeldChangeRepository;
  readonly history: HistoryRepository;
  readonly caseSends: CaseSendRepository;

  constructor(
    readonly db: SqliteDatabase,
    now: Now = systemNow,
  ) {
    this.checkpoints = new CheckpointRepository(db, now);
    this.links = new LinkRepository(db, now);
    this.items = new ItemLinkRepository(db, now);
    this.outbox = new OutboxRepository(db, now);
    this.runs = new RunRepository(db, now);
    this.history = new HistoryRepository(db, now);
    this.attention = new AttentionRepository(db, now, this.history);
    this.activity = new ActivityRepository(db, now);
    this.writeback = new WritebackRepository(db, now);
    this.held = new HeldChangeRepository(db);
    this.caseSends = new CaseSendRepository(db, now, this.links);
  }

  /** Runs `fn` in one SQLite transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export function openStateStore(path: string, now: Now = systemNow): StateStore {
  return new StateStore(openDatabase(path), now);
}
