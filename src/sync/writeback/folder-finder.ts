/**
 * The matter's `CaseStatus` folder: found by listing the matter's root folders before anything is created
 * (Smokeball allows duplicate folder names, so a blind POST would make a second one), created once, recorded.
 *
 * A crash between the create and the record leaves an in-flight `folder_create` outbox item. The create is
 * asynchronous (202, applied later), so before creating again we poll the listing until the earlier create
 * has surely been applied — only a folder that never shows up is created again.
 */
import { ApiError } from '../http/api-error.js';
import type { SbFile, SbFolderListing, SbFolderRef } from '../smokeball/types.js';
import { acceptedId, errorText, folderKey, isUnknownOutcome, KIND_FOLDER, type WritebackContext } from './context.js';
import { pollUntil } from './read-back.js';

export const CASE_STATUS_FOLDER = 'CaseStatus';
const PAGE = 500;

export class FolderFinder {
  /** Folders this process created and that may not be applied yet (their listing would 404). */
  readonly createdNow = new Set<string>();

  constructor(private readonly ctx: WritebackContext) {}

  /** The folder id, creating the folder the first time. Throws when it cannot be found or created now. */
  async ensure(matterId: string): Promise<string> {
    const { store, smokeball, log } = this.ctx;
    const known = store.items.folder(matterId);
    if (known) return known;
    const pending = store.outbox.byKey(folderKey(matterId));
    const interrupted = pending?.state === 'in_flight';
    const found = interrupted ? await pollUntil(() => this.find(matterId), this.ctx.settings.readBack) : await this.find(matterId);
    if (found) {
      store.transaction(() => {
        store.items.saveFolder(matterId, found);
        if (pending) store.outbox.markDone(pending.id, found);
      });
      if (interrupted) log.info('CaseStatus folder from an interrupted create found; not created again', { matterId, folderId: found });
      return found;
    }

    const item = pending ?? store.outbox.enqueue({ idempotencyKey: folderKey(matterId), kind: KIND_FOLDER, subjectId: matterId, payload: { matterId } });
    const requestId = smokeball.newRequestId();
    store.outbox.markInFlight(item.id, requestId);
    try {
      const res = await smokeball.request<{ id?: string; href?: string }>('POST', `/matters/${encodeURIComponent(matterId)}/documents/folders`, {
        data: { name: CASE_STATUS_FOLDER },
        idempotent: false,
        requestId,
      });
      const id = acceptedId(res.data);
      if (!id) throw new Error('Smokeball accepted the folder but did not say its id');
      log.debug('folder create accepted', { matterId, folderId: id, requestId });
      store.transaction(() => {
        store.items.saveFolder(matterId, id);
        store.outbox.markDone(item.id, id);
      });
      this.createdNow.add(id);
      return id;
    } catch (error) {
      if (!isUnknownOutcome(error)) {
        store.outbox.markFailed(item.id, errorText(error), null, false);
        throw error;
      }
      const landed = await pollUntil(() => this.find(matterId), this.ctx.settings.readBack);
      if (landed) {
        store.transaction(() => {
          store.items.saveFolder(matterId, landed);
          store.outbox.markDone(item.id, landed);
        });
        return landed;
      }
      store.outbox.markFailed(item.id, 'folder create did not land; will be sent again', null, false);
      throw error;
    }
  }

  /**
   * The matter's `CaseStatus` folder at the root, if any: exact name first, else the same name in another
   * case. With several (made by someone else), the oldest, so every run picks the same one.
   */
  async find(matterId: string): Promise<string | undefined> {
    const folders: SbFolderRef[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.ctx.smokeball.get<SbFolderListing>(`/matters/${encodeURIComponent(matterId)}/documents/folders`, {
        params: { Offset: offset, Limit: PAGE },
      });
      const value = page.value ?? [];
      folders.push(...value.flatMap((v) => v.folders ?? []));
      // Listings page over folders first, then files: once files show, every folder has been seen.
      const sawFiles = value.some((v) => (v.files ?? []).length > 0);
      if (sawFiles || !page.next?.href || value.length === 0) break;
    }
    const exact = folders.find((f) => f.name === CASE_STATUS_FOLDER);
    return (exact ?? folders.find((f) => f.name.toLowerCase() === CASE_STATUS_FOLDER.toLowerCase()))?.id;
  }

  /** The files in a folder (all pages). A folder created moments ago and not applied yet lists as empty. */
  async files(matterId: string, folderId: string): Promise<SbFile[]> {
    const files: SbFile[] = [];
    try {
      for (let offset = 0; ; offset += PAGE) {
        const page = await this.ctx.smokeball.get<SbFolderListing>(
          `/matters/${encodeURIComponent(matterId)}/documents/folders/${encodeURIComponent(folderId)}`,
          { params: { Offset: offset, Limit: PAGE } },
        );
        files.push(...(page.value ?? []).flatMap((v) => v.files ?? []));
        if (!page.next?.href) break;
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return [];
      throw error;
    }
    return files;
  }
}
