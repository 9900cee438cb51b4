/**
 * Documents shared in Case Status → files in the matter's `CaseStatus` folder.
 *
 * Exactly once: each document claims its safe file name first (file_name_claims, unique per matter). The
 * file-info POST is sent only after its outbox item is marked in flight with a fresh RequestId; the file id
 * it returns is recorded at once. After an unknown outcome (or a killed process: an in-flight item without
 * a file id) the folder is read back — polling until the asynchronous create has surely applied — for a
 * file with the claimed name, and that file is adopted instead of posting a second one. Bytes go to the file
 * id (a repeated PUT replaces content, never adds a file); the document is recorded only once Smokeball
 * shows the file uploaded with the right size, after the storage's ETag matched our MD5.
 */
import { unlink } from 'node:fs/promises';
import type { MatterLink, OutboxItem } from '../../store/index.js';
import type { CsDocument } from '../casestatus/types.js';
import { errorCodeOf, failureReasonOf } from '../failure.js';
import { LeaseLostError } from '../coordination/write-fence.js';
import { ApiError } from '../http/api-error.js';
import type { SbFile, SbUploadInfo } from '../smokeball/types.js';
import { errorText, isPermanent, isUnknownOutcome, recordFailure, type WritebackContext, type WritebackSummary } from './context.js';
import { ContentMismatchError, downloadToTemp, putToPresignedUrl, UploadFailedError, UploadUrlExpiredError, type DownloadedFile } from './document-uploader.js';
import { nameKey, safeAttachmentName, uniqueName } from './file-names.js';
import { oneLine } from './memo-text.js';
import type { FolderFinder } from './folder-finder.js';
import { sleep } from '../../shared/async.js';
import { DEFAULT_READ_BACK, pollUntil } from './read-back.js';

type DocumentItem = OutboxItem<CsDocument>;

const DOWNLOAD_TRIES = 3;
const PUT_TRIES = 4;
const URL_REFRESHES = 3;
/** Ask for a new URL rather than start a PUT this close to its expiry. */
const EXPIRY_MARGIN_MS = 5_000;

class PermanentDocumentError extends Error {}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The file system refused to stage a download in the app's data folder (full, over quota, read-only). SQLite's
 * own refusals are not included: they reach the run through the bookkeeping writes that follow them.
 */
export function isStagingRefused(error: unknown): boolean {
  const reason = failureReasonOf(error);
  return (reason === 'disk_full' || reason === 'unwritable') && !(errorCodeOf(error) ?? '').startsWith('SQLITE');
}

export class DocumentWriter {
  constructor(
    private readonly ctx: WritebackContext,
    private readonly folders: FolderFinder,
  ) {}

  /** Uploads a matter's ready documents, oldest first (so colliding names get (2), (3)… in sharing order). */
  async writeMatter(link: MatterLink, items: DocumentItem[], summary: WritebackSummary): Promise<void> {
    const ordered = [...items].sort((a, b) =>
      a.payload.createdAt < b.payload.createdAt ? -1 : a.payload.createdAt > b.payload.createdAt ? 1 : a.payload.id < b.payload.id ? -1 : 1,
    );
    let folderId: string;
    try {
      folderId = await this.folders.ensure(link.matterId);
    } catch (error) {
      if (error instanceof LeaseLostError) throw error; // not a failure of these documents: the run stops
      const reason = `The CaseStatus folder could not be found or created in Smokeball: ${errorText(error)}`;
      for (const item of ordered) recordFailure(this.ctx, item, 'document_failed', reason, isPermanent(error), { matterId: link.matterId });
      summary.failed += ordered.length;
      return;
    }
    await this.claimNames(link.matterId, folderId, ordered);
    for (const item of ordered) {
      try {
        if (await this.upload(link, folderId, item)) summary.documentsUploaded += 1;
        else summary.failed += 1;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          // Refused by the fence before it was sent: not an attempt. Only an attempt this call started is put back;
          // one left in flight by an earlier (maybe killed) host stays so, and is looked for before any new POST.
          if (this.fresh(item).requestId !== item.requestId) this.ctx.store.outbox.releaseRefused(item.id);
          throw error;
        }
        // A file whose bytes disagreed with Case Status's size or SHA-256 on every download of this run (each
        // a fresh, complete download) is described wrongly, not cut short. It used to be retried every 30 s
        // forever without ever being listed (attempts only count sends, and it was never sent): now it is listed
        // under needs attention at once, and Retry tries again.
        const permanent = error instanceof PermanentDocumentError || isPermanent(error) || error instanceof ContentMismatchError;
        recordFailure(this.ctx, this.fresh(item), 'document_failed', `“${item.payload.fileName}” was not uploaded: ${errorText(error)}`, permanent, {
          matterId: link.matterId,
          documentId: item.payload.id,
        });
        summary.failed += 1;
        // The app's own data folder is full or unwritable (staging the download failed): the next documents would
        // fail the same way, and staff must be told. Failing the write-back run is what raises the Disk full item;
        // left as an item failure, it was retried quietly and never shown (the soak waited 240 s for it).
        if (isStagingRefused(error)) throw error;
      }
    }
  }

  private fresh(item: DocumentItem): DocumentItem {
    return this.ctx.store.outbox.byId<CsDocument>(item.id) ?? item;
  }

  /**
   * Claims a safe, unique name for each document that has none yet. Names taken in the folder by files we
   * did not put there count too, so our file is never confused with (or shadowed by) someone else's.
   */
  private async claimNames(matterId: string, folderId: string, items: DocumentItem[]): Promise<void> {
    const { store } = this.ctx;
    const unclaimed = items.filter((i) => !store.writeback.claimOf(i.payload.id));
    if (unclaimed.length === 0) return;
    const taken = store.writeback.claimedKeys(matterId);
    if (!this.folders.createdNow.has(folderId)) {
      for (const f of await this.folders.files(matterId, folderId)) taken.add(nameKey(`${f.name}${f.fileExtension ?? ''}`));
    }
    store.transaction(() => {
      for (const item of unclaimed) {
        const safe = safeAttachmentName(item.payload.fileName);
        const fileName = uniqueName(safe.name, taken);
        taken.add(nameKey(fileName));
        store.writeback.claim({ matterId, nameKey: nameKey(fileName), documentId: item.payload.id, fileName });
        if (safe.neutralised) {
          store.attention.raise(
            'unsafe_content',
            `document:${item.payload.id}`,
            `“${oneLine(item.payload.fileName, 120)}” from Case Status was saved in Smokeball as “${fileName}”: a file ending in ${safe.neutralised} can run a program or open a shortcut when opened. Check with the client before renaming it back.`,
            { matterId, documentId: item.payload.id, fileName },
          );
        }
      }
    });
  }

  /** One document, start to finish. True when it is recorded as uploaded; false when it will be retried. */
  private async upload(link: MatterLink, folderId: string, item: DocumentItem): Promise<boolean> {
    const { store, settings, log } = this.ctx;
    const doc = item.payload;
    const claim = store.writeback.claimOf(doc.id);
    if (!claim) throw new Error('no file name claimed');
    if (store.items.document(doc.id)) {
      store.outbox.markDone(item.id, store.items.document(doc.id)?.fileId ?? null);
      return true;
    }
    if (doc.sizeBytes > settings.maxDocumentBytes) {
      throw new PermanentDocumentError(`it is ${formatSize(doc.sizeBytes)}, over the ${formatSize(settings.maxDocumentBytes)} limit for uploads to Smokeball`);
    }

    // A previous attempt may have created the file: POST answered but not recorded (killed, or our own state file
    // failed to save it, e.g. a full disk), or an unknown outcome that landed after its read-back gave up. Any
    // attempt that got as far as sending left a request id; the claimed name is ours alone in the folder, so a
    // file by that name is the one we created. A killed attempt may still be applying: wait for it.
    let fileId = item.remoteId;
    if (!fileId && item.requestId) {
      const find = () => this.findByName(link.matterId, folderId, claim.fileName);
      const found = item.state === 'in_flight' ? await pollUntil(find, settings.readBack) : await find();
      if (found) {
        fileId = found.id;
        store.outbox.setRemoteId(item.id, fileId);
        log.info('File from an interrupted upload found; not created again', { documentId: doc.id, fileId });
      }
    }
    if (fileId) {
      const existing = await pollUntil(() => this.getFile(link.matterId, fileId as string), {
        ...settings.readBack,
        timeoutMs: Math.min(settings.readBack.timeoutMs, 5_000),
      });
      if (existing?.isUploaded && existing.sizeBytes === doc.sizeBytes) {
        // Uploaded by the interrupted attempt; the bytes it sent had been checked against Case Status's SHA-256.
        this.recordUploaded(link, folderId, item, fileId, claim.fileName, await this.ctx.caseUrl(link.matterId));
        return true;
      }
    }

    const file = await this.download(doc);
    try {
      let info: SbUploadInfo | undefined;
      if (!fileId) {
        const posted = await this.postFileInfo(link.matterId, folderId, item, claim.fileName);
        if (!posted) return false;
        fileId = posted.fileId;
        info = posted.info;
      } else {
        store.outbox.markInFlight(item.id, this.ctx.smokeball.newRequestId());
      }
      await this.putBytes(link.matterId, fileId, info, file);
      log.debug('file bytes uploaded', { documentId: doc.id, fileId });
      // Smokeball needs a moment after the bytes arrive: the first look waits (at most one poll interval).
      const applied = await pollUntil(
        async () => {
          const f = await this.getFile(link.matterId, fileId as string);
          return f?.isUploaded && f.sizeBytes === file.sizeBytes ? f : undefined;
        },
        { ...settings.readBack, initialDelayMs: Math.min(200, settings.readBack.intervalMs ?? DEFAULT_READ_BACK.intervalMs) },
      );
      if (!applied) {
        recordFailure(this.ctx, this.fresh(item), 'document_failed', `Smokeball did not show “${claim.fileName}” as uploaded in time`, false, {
          documentId: doc.id,
          fileId,
        });
        return false;
      }
      this.recordUploaded(link, folderId, item, fileId, claim.fileName, await this.ctx.caseUrl(link.matterId), file);
      return true;
    } finally {
      await unlink(file.path).catch(() => undefined);
    }
  }

  private async download(doc: CsDocument): Promise<DownloadedFile> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await downloadToTemp(this.ctx.caseStatus, doc, this.ctx.settings.tempDir);
      } catch (error) {
        const retryable =
          !(error instanceof LeaseLostError) && (error instanceof ContentMismatchError || !(error instanceof ApiError) || isUnknownOutcome(error));
        if (!retryable || attempt >= DOWNLOAD_TRIES) throw error;
        this.ctx.log.warn('Document download failed; trying again', { documentId: doc.id, error: errorText(error) });
        await sleep(250 * attempt);
      }
    }
  }

  /**
   * Step one of the upload. Returns the new file's id and upload URL, or the id of the file an unknown-outcome
   * POST did create (found by name), or undefined when it did not land (item left to retry).
   */
  private async postFileInfo(
    matterId: string,
    folderId: string,
    item: DocumentItem,
    fileName: string,
  ): Promise<{ fileId: string; info?: SbUploadInfo } | undefined> {
    const { store, smokeball, log, settings } = this.ctx;
    const requestId = smokeball.newRequestId();
    store.outbox.markInFlight(item.id, requestId);
    try {
      const res = await smokeball.request<SbUploadInfo>('POST', `/matters/${encodeURIComponent(matterId)}/documents/files`, {
        data: { fileName, folderId },
        idempotent: false,
        requestId,
      });
      if (!res.data?.fileId || !res.data.uploadUrl) throw new Error('Smokeball accepted the file but did not give its id and upload URL');
      log.debug('file info posted', { documentId: item.payload.id, fileId: res.data.fileId, requestId });
      store.outbox.setRemoteId(item.id, res.data.fileId);
      return { fileId: res.data.fileId, info: res.data };
    } catch (error) {
      if (!isUnknownOutcome(error)) throw error;
      log.warn('File creation outcome unknown; reading the folder back', { documentId: item.payload.id, error: errorText(error) });
      const found = await pollUntil(() => this.findByName(matterId, folderId, fileName), settings.readBack);
      if (found) {
        store.outbox.setRemoteId(item.id, found.id);
        return { fileId: found.id };
      }
      recordFailure(this.ctx, this.fresh(item), 'document_failed', `Creating “${fileName}” in Smokeball did not land; it will be tried again`, false, {
        documentId: item.payload.id,
      });
      return undefined;
    }
  }

  /** Step two: PUT the bytes, asking for a fresh URL when it expired (or is about to), retrying storage hiccups. */
  private async putBytes(matterId: string, fileId: string, given: SbUploadInfo | undefined, file: DownloadedFile): Promise<void> {
    const { log } = this.ctx;
    let info = given;
    let refreshes = 0;
    let failures = 0;
    for (;;) {
      if (!info || (info.expiry && Date.parse(info.expiry) - this.ctx.clock.now().getTime() < EXPIRY_MARGIN_MS)) {
        info = await this.ctx.smokeball.get<SbUploadInfo>(`/matters/${encodeURIComponent(matterId)}/documents/files/${encodeURIComponent(fileId)}/upload`);
      }
      try {
        const { etag } = await putToPresignedUrl(info.uploadUrl, file);
        if (etag && etag !== file.md5) throw new UploadFailedError('the storage’s checksum (ETag) differs from the file’s MD5', true);
        return;
      } catch (error) {
        if (error instanceof UploadUrlExpiredError && refreshes < URL_REFRESHES) {
          refreshes += 1;
          log.warn('Upload URL expired; requesting a new one', { fileId });
          info = undefined;
          continue;
        }
        if (error instanceof UploadFailedError && error.transient && ++failures < PUT_TRIES) {
          log.warn('Upload failed; trying again', { fileId, error: error.message });
          await sleep(300 * 2 ** failures);
          continue;
        }
        throw error;
      }
    }
  }

  private async getFile(matterId: string, fileId: string): Promise<SbFile | undefined> {
    try {
      return await this.ctx.smokeball.get<SbFile>(`/matters/${encodeURIComponent(matterId)}/documents/files/${encodeURIComponent(fileId)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async findByName(matterId: string, folderId: string, fileName: string): Promise<SbFile | undefined> {
    const files = await this.folders.files(matterId, folderId);
    return files.find((f) => !f.isDeleted && `${f.name}${f.fileExtension ?? ''}` === fileName);
  }

  private recordUploaded(
    link: MatterLink,
    folderId: string,
    item: DocumentItem,
    fileId: string,
    fileName: string,
    caseUrl: string | null,
    file?: DownloadedFile,
  ): void {
    const { store } = this.ctx;
    const doc = item.payload;
    store.transaction(() => {
      store.items.linkDocument({
        documentId: doc.id,
        matterId: link.matterId,
        fileId,
        folderId,
        fileName,
        sha256: file?.sha256 ?? doc.sha256,
        sizeBytes: doc.sizeBytes,
      });
      store.outbox.markDone(item.id, fileId);
      store.attention.resolve('document_failed', item.subjectId);
      store.history.record({ matterId: link.matterId, kind: 'document_uploaded', cause: 'writeback', details: { fileName, sizeBytes: doc.sizeBytes } });
      store.activity.add({
        kind: 'document',
        matterId: link.matterId,
        summary: `${link.matterNumber ?? 'Matter'}: “${fileName}” (${formatSize(doc.sizeBytes)}, shared by ${oneLine(doc.sharedBy.name, 80)}) uploaded to the CaseStatus folder`,
        link: caseUrl,
      });
    });
  }
}
