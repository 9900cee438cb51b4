/**
 * Changes to the firm's data and the webhooks Smokeball fires for them. Both the API (after the write
 * delay, source "API") and the control surface (immediately, source "Smokeball") go through here, so
 * every change bumps versions the same way and fires the same events.
 */
import { randomUUID } from 'node:crypto';
import type { ContactRecord, MatterRecord, MatterStatus } from '../seed/firm-model.js';
import { normaliseMemoText } from './rtf.js';
import type { FileRecord, FolderRecord, MemoRecord, SimState, StoredContact, StoredMatter, StoredMatterStage } from './state.js';
import type { EventSource, WebhookDispatcher } from './webhooks.js';
import type { WireMapper } from './wire.js';

export interface ChangeContext {
  source: EventSource;
  requestId: string;
  userId: string | null;
}

/** A write that failed while being applied; reported through an `error` webhook. */
export class ApplyError extends Error {
  constructor(
    readonly resourceName: string,
    readonly resourceId: string,
    message: string,
  ) {
    super(message);
  }
}

export type MatterFields = Omit<MatterRecord, 'id' | 'lastUpdated'>;

export interface NewMatter extends Partial<MatterFields> {
  matterTypeId: string;
  clientIds: string[];
  status: MatterStatus;
  id?: string;
  /** Optional initial stage (must belong to the matter type's stage set). */
  stageId?: string;
}

export type ContactFields = Pick<ContactRecord, 'externalSystemId' | 'person' | 'company' | 'isDeleted'>;

export interface MemoInput {
  title: string;
  text: string;
  createdDateUtc?: string;
}

export interface NewFile {
  id: string;
  matterId: string;
  fileName: string;
  folderId: string | null;
  ownerId: string | null;
  dateCreated?: string;
  dateModified?: string;
}

/** Splits "Letter to Creditor.docx" into name "Letter to Creditor" and extension ".docx". */
export function splitFileName(fileName: string): { name: string; fileExtension: string } {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0 || dot === fileName.length - 1) return { name: fileName, fileExtension: '' };
  return { name: fileName.slice(0, dot), fileExtension: fileName.slice(dot) };
}

export class Domain {
  constructor(
    private readonly state: SimState,
    private readonly wire: WireMapper,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  fire(type: string, payload: unknown, ctx: ChangeContext): void {
    this.webhooks.emit({
      type,
      source: ctx.source,
      requestId: ctx.requestId,
      userId: ctx.userId,
      // Snapshot now: deliveries happen later, after the record may have changed again.
      payload: structuredClone(payload),
      occurredAt: this.state.clock.next(),
    });
  }

  /** The `error` event for a write that failed while being applied. */
  fireError(error: ApplyError, ctx: ChangeContext): void {
    this.fire('error', { message: error.message, resourceName: error.resourceName, resourceId: error.resourceId }, ctx);
  }

  // ---- matters ----

  private checkMatterReferences(fields: Partial<MatterFields>, matterId: string): void {
    const s = this.state;
    if (fields.matterTypeId !== undefined) {
      const type = s.matterTypes.get(fields.matterTypeId);
      if (!type || type.isDeleted) throw new ApplyError('matter', matterId, `Matter type ${fields.matterTypeId} does not exist.`);
    }
    for (const id of [...(fields.clientIds ?? []), ...(fields.otherSideIds ?? [])]) {
      const c = s.contacts.get(id);
      if (!c || c.isDeleted) throw new ApplyError('contact', id, `Contact does not belong to account ${s.accountId}.`);
    }
    for (const id of [fields.personResponsibleStaffId, fields.personAssistingStaffId]) {
      if (id && !s.staff.get(id)) throw new ApplyError('staff', id, `Staff ${id} does not belong to account ${s.accountId}.`);
    }
  }

  createMatter(input: NewMatter, ctx: ChangeContext): StoredMatter {
    const id = input.id ?? randomUUID();
    this.checkMatterReferences(input, id);
    const type = this.state.matterTypes.get(input.matterTypeId);
    const number = input.number ?? String(10000 + this.state.matters.size + 1);
    const firstClient = input.clientIds[0] ? this.state.contacts.get(input.clientIds[0]) : undefined;
    const clientName = firstClient?.person?.lastName ?? firstClient?.company?.name ?? '';
    const record: MatterRecord = {
      id,
      externalSystemId: input.externalSystemId ?? null,
      number,
      title: input.title ?? [number, clientName, type?.name].filter(Boolean).join(' - '),
      description: input.description ?? '',
      matterTypeId: input.matterTypeId,
      clientIds: [...input.clientIds],
      otherSideIds: [...(input.otherSideIds ?? [])],
      status: input.status,
      personResponsibleStaffId: input.personResponsibleStaffId ?? null,
      personAssistingStaffId: input.personAssistingStaffId ?? null,
      openedDate: input.openedDate ?? new Date().toISOString(),
      closedDate: input.closedDate ?? (input.status === 'Closed' ? new Date().toISOString() : null),
      isLead: input.isLead ?? false,
      lastUpdated: 0n,
    };
    if (input.stageId !== undefined) this.stageFor(record.matterTypeId, input.stageId, id);
    const matter = this.state.addMatter(record);
    this.fire('matter.created', this.wire.matter(matter, { withHref: false }), ctx);
    if (input.stageId !== undefined) this.changeMatterStage(matter, input.stageId, ctx);
    return matter;
  }

  /** Applies a partial change; fires matter.updated, plus matter.closed / matter.converted when that happened. */
  updateMatter(matter: StoredMatter, patch: Partial<MatterFields>, ctx: ChangeContext): StoredMatter {
    this.checkMatterReferences(patch, matter.id);
    const wasClosed = matter.status === 'Closed';
    const wasLead = matter.isLead;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<MatterFields>;
    this.state.updateMatter(matter, (m) => {
      Object.assign(m, defined);
      if (defined.clientIds) m.clientIds = [...defined.clientIds];
      if (defined.otherSideIds) m.otherSideIds = [...defined.otherSideIds];
      if (m.status === 'Closed' && !wasClosed && !m.closedDate) m.closedDate = new Date().toISOString();
      if (m.status !== 'Closed' && wasClosed && defined.closedDate === undefined) m.closedDate = null;
    });
    const payload = this.wire.matter(matter, { withHref: false });
    this.fire('matter.updated', payload, ctx);
    if (matter.status === 'Closed' && !wasClosed) this.fire('matter.closed', payload, ctx);
    if (wasLead && !matter.isLead) this.fire('matter.converted', payload, ctx);
    return matter;
  }

  closeMatter(matter: StoredMatter, ctx: ChangeContext): StoredMatter {
    return this.updateMatter(matter, { status: 'Closed', closedDate: new Date().toISOString() }, ctx);
  }

  private stageFor(matterTypeId: string, stageId: string, matterId: string): string {
    const found = this.state.stages.get(stageId);
    if (!found) throw new ApplyError('stage', stageId, `Stage ${stageId} does not exist.`);
    const expected = this.state.stageSetByMatterType[matterTypeId] ?? this.state.matterStageByMatter.get(matterId)?.stageSetId;
    if (expected !== undefined && expected !== found.stageSetId) {
      throw new ApplyError('stage', stageId, `Stage ${stageId} is not in the stage set of matter ${matterId}.`);
    }
    return found.stageSetId;
  }

  /** Moves a matter to another stage. The matter's own lastUpdated is not bumped [GUESS]: MatterStage is its own resource. */
  changeMatterStage(matter: StoredMatter, stageId: string, ctx: ChangeContext): StoredMatterStage {
    const stageSetId = this.stageFor(matter.matterTypeId, stageId, matter.id);
    const ms = this.state.setMatterStage(matter.id, stageSetId, stageId);
    this.fire('matterstage.updated', this.wire.matterStage(ms, false), ctx);
    return ms;
  }

  // ---- contacts ----

  createContact(fields: Partial<ContactFields> & { id?: string }, ctx: ChangeContext): StoredContact {
    const contact = this.state.addContact({
      id: fields.id ?? randomUUID(),
      externalSystemId: fields.externalSystemId ?? null,
      person: fields.person,
      company: fields.company,
      isDeleted: fields.isDeleted ?? false,
    });
    this.fire('contact.created', this.wire.contact(contact, false), ctx);
    return contact;
  }

  /** Fires contact.updated, or contact.deleted / contact.restored when isDeleted flips. */
  updateContact(contact: StoredContact, patch: Partial<ContactFields>, ctx: ChangeContext, replaceKind = false): StoredContact {
    const wasDeleted = contact.isDeleted;
    this.state.updateContact(contact, (c) => {
      if (patch.externalSystemId !== undefined) c.externalSystemId = patch.externalSystemId;
      if (replaceKind) {
        // A PUT replaces the contact: the kind not sent is cleared.
        if (patch.person) c.person = { ...patch.person };
        else delete c.person;
        if (patch.company) c.company = { ...patch.company };
        else delete c.company;
      }
      if (!replaceKind && patch.person !== undefined) c.person = { ...patch.person };
      if (!replaceKind && patch.company !== undefined) c.company = { ...patch.company };
      if (patch.isDeleted !== undefined) c.isDeleted = patch.isDeleted;
    });
    const type = contact.isDeleted && !wasDeleted ? 'contact.deleted' : !contact.isDeleted && wasDeleted ? 'contact.restored' : 'contact.updated';
    this.fire(type, this.wire.contact(contact, false), ctx);
    return contact;
  }

  // ---- memos ----

  createMemo(matter: StoredMatter, id: string, input: MemoInput, ctx: ChangeContext): MemoRecord {
    const { rtf, plainText } = normaliseMemoText(input.text);
    const now = new Date().toISOString();
    const memo = this.state.addMemo({
      id,
      matterId: matter.id,
      title: input.title,
      text: rtf,
      plainText,
      createdDate: input.createdDateUtc ?? now,
      createdByUserId: ctx.userId,
      lastUpdated: now,
      updatedByUserId: ctx.userId,
      isDeleted: false,
    });
    this.fire('memo.created', this.wire.memo(memo, false), ctx);
    return memo;
  }

  updateMemo(memo: MemoRecord, input: MemoInput, ctx: ChangeContext): MemoRecord {
    const { rtf, plainText } = normaliseMemoText(input.text);
    memo.title = input.title;
    memo.text = rtf;
    memo.plainText = plainText;
    if (input.createdDateUtc) memo.createdDate = input.createdDateUtc;
    memo.lastUpdated = new Date().toISOString();
    memo.updatedByUserId = ctx.userId;
    this.fire('memo.updated', this.wire.memo(memo, false), ctx);
    return memo;
  }

  deleteMemo(memo: MemoRecord, ctx: ChangeContext): void {
    if (memo.isDeleted) return;
    memo.isDeleted = true;
    memo.lastUpdated = new Date().toISOString();
    memo.updatedByUserId = ctx.userId;
    this.fire('memo.deleted', this.wire.memo(memo, false), ctx);
  }

  // ---- documents ----

  createFolder(matterId: string, id: string, name: string, parentId: string | null): FolderRecord {
    if (parentId !== null && this.state.folders.get(parentId)?.matterId !== matterId) {
      throw new ApplyError('folder', parentId, `Folder ${parentId} does not exist in matter ${matterId}.`);
    }
    return this.state.addFolder({ id, matterId, parentId, name, dateCreated: new Date().toISOString() });
  }

  /** Resolves "Court Filings/2023/January" under the root, creating missing folders (first match by name). */
  resolveFolderPath(matterId: string, path: string): string | null {
    let parentId: string | null = null;
    for (const part of path
      .split(/[\\/]/)
      .map((p) => p.trim())
      .filter(Boolean)) {
      const existing = this.state.documentsOf(matterId).folders.find((f) => f.parentId === parentId && f.name === part);
      parentId = existing ? existing.id : this.createFolder(matterId, randomUUID(), part, parentId).id;
    }
    return parentId;
  }

  private filesUpdated(file: FileRecord, cursorBefore: number, ctx: ChangeContext): void {
    // [GUESS] payload: the docs only say files.updated fires per matter and supplies a cursor.
    this.fire('files.updated', { matterId: file.matterId, fileIds: [file.id], cursor: String(cursorBefore) }, ctx);
  }

  createFile(input: NewFile, ctx: ChangeContext): FileRecord {
    if (input.folderId !== null && this.state.folders.get(input.folderId)?.matterId !== input.matterId) {
      throw new ApplyError('folder', input.folderId, `Folder ${input.folderId} does not exist in matter ${input.matterId}.`);
    }
    const existing = this.state.files.get(input.id);
    if (existing) return existing; // the upload finished first and created it
    const now = new Date().toISOString();
    const cursorBefore = this.state.documentsOf(input.matterId).changeSeq;
    const file = this.state.addFile({
      id: input.id,
      matterId: input.matterId,
      folderId: input.folderId,
      ...splitFileName(input.fileName),
      ownerId: input.ownerId,
      dateCreated: input.dateCreated ?? now,
      dateModified: input.dateModified ?? now,
      sizeBytes: 0,
      sha256: null,
      isUploaded: false,
      isDeleted: false,
      versionId: randomUUID(),
      blobPath: null,
    });
    this.filesUpdated(file, cursorBefore, ctx);
    return file;
  }

  /** New content for a file (first upload or a new version). Returns the blob path it replaced. */
  completeUpload(file: FileRecord, blob: { path: string; sizeBytes: number; sha256: string }, ctx: ChangeContext): string | null {
    const previous = file.blobPath;
    const cursorBefore = this.state.documentsOf(file.matterId).changeSeq;
    file.blobPath = blob.path;
    file.sizeBytes = blob.sizeBytes;
    file.sha256 = blob.sha256;
    file.isUploaded = true;
    file.versionId = randomUUID();
    file.dateModified = new Date().toISOString();
    this.state.touchFile(file);
    this.filesUpdated(file, cursorBefore, ctx);
    return previous;
  }
}
