import type { SqliteDatabase } from './database.js';
import type { Now } from './clock.js';

export interface MemoThreadPart {
  threadId: string;
  part: number;
  matterId: string;
  memoId: string | null;
  entryCount: number;
  textLength: number;
}

export interface DocumentLink {
  documentId: string;
  matterId: string;
  fileId: string;
  folderId: string;
  fileName: string;
  sha256: string;
  sizeBytes: number;
}

/** Case Status message ↔ Smokeball memo entry, thread ↔ memo, matter ↔ CaseStatus folder, document ↔ file. */
export class ItemLinkRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: Now,
  ) {}

  messageLinked(messageId: string): boolean {
    return this.db.prepare('SELECT 1 FROM message_links WHERE message_id = ?').get(messageId) !== undefined;
  }

  linkMessage(link: { messageId: string; threadId: string; matterId: string; memoId: string; part: number }): void {
    this.db
      .prepare(
        `INSERT INTO message_links(message_id, thread_id, matter_id, memo_id, part, written_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(message_id) DO NOTHING`,
      )
      .run(link.messageId, link.threadId, link.matterId, link.memoId, link.part, this.now().toISOString());
  }

  /** The newest part of a thread's memo, if any. */
  latestThreadPart(threadId: string): MemoThreadPart | undefined {
    const r = this.db
      .prepare<[string], { thread_id: string; part: number; matter_id: string; memo_id: string | null; entry_count: number; text_length: number }>(
        'SELECT * FROM memo_threads WHERE thread_id = ? ORDER BY part DESC LIMIT 1',
      )
      .get(threadId);
    return r
      ? { threadId: r.thread_id, part: r.part, matterId: r.matter_id, memoId: r.memo_id, entryCount: r.entry_count, textLength: r.text_length }
      : undefined;
  }

  saveThreadPart(p: MemoThreadPart): void {
    this.db
      .prepare(
        `INSERT INTO memo_threads(thread_id, part, matter_id, memo_id, entry_count, text_length, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(thread_id, part) DO UPDATE SET memo_id = excluded.memo_id, entry_count = excluded.entry_count,
           text_length = excluded.text_length, updated_at = excluded.updated_at`,
      )
      .run(p.threadId, p.part, p.matterId, p.memoId, p.entryCount, p.textLength, this.now().toISOString());
  }

  folder(matterId: string): string | undefined {
    return this.db.prepare<[string], { folder_id: string }>('SELECT folder_id FROM matter_folders WHERE matter_id = ?').get(matterId)?.folder_id;
  }

  saveFolder(matterId: string, folderId: string): void {
    this.db
      .prepare(
        'INSERT INTO matter_folders(matter_id, folder_id, created_at) VALUES (?, ?, ?) ON CONFLICT(matter_id) DO UPDATE SET folder_id = excluded.folder_id',
      )
      .run(matterId, folderId, this.now().toISOString());
  }

  document(documentId: string): DocumentLink | undefined {
    const r = this.db
      .prepare<[string], { document_id: string; matter_id: string; file_id: string; folder_id: string; file_name: string; sha256: string; size_bytes: number }>(
        'SELECT * FROM document_links WHERE document_id = ?',
      )
      .get(documentId);
    return r
      ? {
          documentId: r.document_id,
          matterId: r.matter_id,
          fileId: r.file_id,
          folderId: r.folder_id,
          fileName: r.file_name,
          sha256: r.sha256,
          sizeBytes: r.size_bytes,
        }
      : undefined;
  }

  linkDocument(d: DocumentLink): void {
    this.db
      .prepare(
        `INSERT INTO document_links(document_id, matter_id, file_id, folder_id, file_name, sha256, size_bytes, uploaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(document_id) DO NOTHING`,
      )
      .run(d.documentId, d.matterId, d.fileId, d.folderId, d.fileName, d.sha256, d.sizeBytes, this.now().toISOString());
  }

  /** File names already used in a matter's CaseStatus folder (for predictable collision handling). */
  fileNamesInFolder(folderId: string): string[] {
    return this.db
      .prepare<[string], { file_name: string }>('SELECT file_name FROM document_links WHERE folder_id = ?')
      .all(folderId)
      .map((r) => r.file_name);
  }
}
