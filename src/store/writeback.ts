import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';

export interface MemoEntryRow {
  messageId: string;
  piece: number;
  threadId: string;
  part: number;
  sortKey: string;
  text: string;
}

export interface PendingMemoWrite {
  requestId: string;
  threadId: string;
  part: number;
  matterId: string;
  /** null when the write was a POST creating the part's memo. */
  memoId: string | null;
  messageIds: string[];
  sentAt: string;
}

export interface FileNameClaim {
  matterId: string;
  nameKey: string;
  documentId: string;
  fileName: string;
}

/**
 * State of the Case Status → Smokeball write-back that the generic tables do not hold: the entries written
 * into each thread memo (a PUT replaces the whole text), memo writes whose outcome is unknown, and the file
 * name chosen for each document.
 */
export class WritebackRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
  ) {}

  entriesOfPart(threadId: string, part: number): MemoEntryRow[] {
    return this.db
      .prepare<[string, number], { message_id: string; piece: number; thread_id: string; part: number; sort_key: string; text: string }>(
        'SELECT * FROM memo_entries WHERE thread_id = ? AND part = ? ORDER BY sort_key, piece',
      )
      .all(threadId, part)
      .map((r) => ({ messageId: r.message_id, piece: r.piece, threadId: r.thread_id, part: r.part, sortKey: r.sort_key, text: r.text }));
  }

  /** The earliest entry of a thread (its memo title shows when the conversation started). */
  firstSortKey(threadId: string): string | undefined {
    return this.db.prepare<[string], { k: string | null }>('SELECT MIN(sort_key) k FROM memo_entries WHERE thread_id = ?').get(threadId)?.k ?? undefined;
  }

  addEntry(e: MemoEntryRow): void {
    this.db
      .prepare(
        `INSERT INTO memo_entries(message_id, piece, thread_id, part, sort_key, text, written_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(message_id, piece) DO NOTHING`,
      )
      .run(e.messageId, e.piece, e.threadId, e.part, e.sortKey, e.text, this.now().toISOString());
  }

  recordMemoWrite(w: Omit<PendingMemoWrite, 'sentAt'>): void {
    this.db
      .prepare('INSERT OR REPLACE INTO memo_writes(request_id, thread_id, part, matter_id, memo_id, message_ids, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(w.requestId, w.threadId, w.part, w.matterId, w.memoId, JSON.stringify(w.messageIds), this.now().toISOString());
  }

  memoWrite(requestId: string): PendingMemoWrite | undefined {
    const r = this.db
      .prepare<
        [string],
        { request_id: string; thread_id: string; part: number; matter_id: string; memo_id: string | null; message_ids: string; sent_at: string }
      >('SELECT * FROM memo_writes WHERE request_id = ?')
      .get(requestId);
    return r
      ? {
          requestId: r.request_id,
          threadId: r.thread_id,
          part: r.part,
          matterId: r.matter_id,
          memoId: r.memo_id,
          messageIds: JSON.parse(r.message_ids) as string[],
          sentAt: r.sent_at,
        }
      : undefined;
  }

  /** Remembers a memo text we sent (its sha256), recorded with the write, before the request goes out. */
  recordSentText(threadId: string, part: number, sha256: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO memo_texts_sent(thread_id, part, sha256, sent_at) VALUES (?, ?, ?, ?)')
      .run(threadId, part, sha256, this.now().toISOString());
  }

  /** 'sent': the text is one we sent for this part; 'unknown': we never recorded one (written before this was kept). */
  sentTextStatus(threadId: string, part: number, sha256: string): 'sent' | 'other' | 'unknown' {
    const rows = this.db
      .prepare<[string, number], { sha256: string }>('SELECT sha256 FROM memo_texts_sent WHERE thread_id = ? AND part = ?')
      .all(threadId, part);
    if (rows.length === 0) return 'unknown';
    return rows.some((r) => r.sha256 === sha256) ? 'sent' : 'other';
  }

  clearMemoWrite(requestId: string): void {
    this.db.prepare('DELETE FROM memo_writes WHERE request_id = ?').run(requestId);
  }

  claimOf(documentId: string): FileNameClaim | undefined {
    const r = this.db
      .prepare<[string], { matter_id: string; name_key: string; document_id: string; file_name: string }>(
        'SELECT * FROM file_name_claims WHERE document_id = ?',
      )
      .get(documentId);
    return r ? { matterId: r.matter_id, nameKey: r.name_key, documentId: r.document_id, fileName: r.file_name } : undefined;
  }

  claimedKeys(matterId: string): Set<string> {
    return new Set(
      this.db
        .prepare<[string], { name_key: string }>('SELECT name_key FROM file_name_claims WHERE matter_id = ?')
        .all(matterId)
        .map((r) => r.name_key),
    );
  }

  /** Claims a name; false when another document of the matter already holds it. */
  claim(c: FileNameClaim): boolean {
    return (
      this.db
        .prepare('INSERT INTO file_name_claims(matter_id, name_key, document_id, file_name, claimed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(c.matterId, c.nameKey, c.documentId, c.fileName, this.now().toISOString()).changes > 0
    );
  }
}
