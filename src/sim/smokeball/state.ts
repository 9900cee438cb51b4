/**
 * The simulator's data: a private copy of the seeded firm plus what the API adds (memos, folders, files).
 * This module only stores and indexes; it bumps versions on change but fires no webhooks (see domain.ts).
 */
import { randomUUID } from 'node:crypto';
import type {
  ContactRecord,
  MatterRecord,
  MatterStageRecord,
  MatterTypeRecord,
  SeededFirm,
  StaffRecord,
  StageRecord,
  StageSetRecord,
} from '../seed/firm-model.js';
import { TickClock } from './clock.js';
import { Collection, UpdatedIndex } from './collection.js';

export interface StoredMatter extends MatterRecord {
  seq: number;
}
export interface StoredContact extends ContactRecord {
  seq: number;
}
export interface StoredStaff extends StaffRecord {
  seq: number;
}
export interface StoredMatterType extends MatterTypeRecord {
  seq: number;
}
export interface StoredStageSet extends StageSetRecord {
  seq: number;
}
export interface StoredMatterStage extends MatterStageRecord {
  seq: number;
}

export interface MemoRecord {
  id: string;
  seq: number;
  matterId: string;
  title: string;
  /** Stored as RTF, as Smokeball returns it. */
  text: string;
  plainText: string;
  createdDate: string;
  createdByUserId: string | null;
  /** ISO date-time: memos use ISO here, not ticks (per the spec). */
  lastUpdated: string;
  updatedByUserId: string | null;
  isDeleted: boolean;
}

export interface FolderRecord {
  id: string;
  seq: number;
  matterId: string;
  parentId: string | null;
  name: string;
  dateCreated: string;
}

export interface FileRecord {
  id: string;
  seq: number;
  matterId: string;
  folderId: string | null;
  /** Without extension. */
  name: string;
  /** With the dot, e.g. ".pdf"; empty when the name has none. */
  fileExtension: string;
  ownerId: string | null;
  dateCreated: string;
  dateModified: string;
  sizeBytes: number;
  sha256: string | null;
  isUploaded: boolean;
  isDeleted: boolean;
  /** GUID of the current content version. */
  versionId: string;
  blobPath: string | null;
  /** Change counter across all files of the matter; the `Cursor` of the files list. [GUESS] */
  changeSeq: number;
}

export interface MatterDocuments {
  folders: FolderRecord[];
  files: FileRecord[];
  /** Last change counter handed out for this matter's files. */
  changeSeq: number;
}

export class SimState {
  readonly accountId: string;
  readonly firmName: string;
  readonly clock: TickClock;

  readonly matters = new Collection<StoredMatter>();
  readonly mattersByUpdated: UpdatedIndex<StoredMatter>;
  readonly contacts = new Collection<StoredContact>();
  readonly contactsByUpdated: UpdatedIndex<StoredContact>;
  readonly staff = new Collection<StoredStaff>();
  readonly staffByUserId = new Map<string, StoredStaff>();
  readonly matterTypes = new Collection<StoredMatterType>();
  readonly stageSets = new Collection<StoredStageSet>();
  readonly stageSetsByUpdated: UpdatedIndex<StoredStageSet>;
  /** Stage id → its stage and stage set. */
  readonly stages = new Map<string, { stage: StageRecord; stageSetId: string }>();
  readonly stageSetByMatterType: Record<string, string>;
  /** Keyed by the MatterStage id; `matterStageByMatter` maps a matter to it. */
  readonly matterStages = new Collection<StoredMatterStage>();
  readonly matterStageByMatter = new Map<string, StoredMatterStage>();
  readonly matterStagesByUpdated: UpdatedIndex<StoredMatterStage>;

  readonly memosByMatter = new Map<string, MemoRecord[]>();
  readonly memos = new Map<string, MemoRecord>();
  private memoSeq = 0;

  readonly documents = new Map<string, MatterDocuments>();
  readonly folders = new Map<string, FolderRecord>();
  readonly files = new Map<string, FileRecord>();
  private docSeq = 0;

  /** Copies the seeded firm; the caller's objects are never mutated. */
  constructor(firm: SeededFirm) {
    this.accountId = firm.accountId;
    this.firmName = firm.name;
    this.clock = new TickClock();
    for (const s of firm.staff) {
      const stored = this.staff.add({ ...s });
      this.staffByUserId.set(s.userId, stored);
    }
    for (const t of firm.matterTypes) this.matterTypes.add({ ...t });
    for (const set of firm.stageSets) {
      const stages = set.stages.map((st) => ({ ...st }));
      this.stageSets.add({ ...set, stages });
      for (const stage of stages) this.stages.set(stage.id, { stage, stageSetId: set.id });
      this.clock.observe(set.lastUpdated);
    }
    this.stageSetByMatterType = { ...firm.stageSetByMatterType };
    // Startup copies tens of thousands of records: explicit shallow copies (no spreads) keep it fast.
    // Nested objects (person, company, id arrays) are shared with the seed and never mutated in place:
    // changes replace them.
    for (const c of firm.contacts) {
      this.contacts.add(copyContact(c));
      this.clock.observe(c.lastUpdated);
    }
    for (const m of firm.matters) {
      this.matters.add(copyMatter(m));
      this.clock.observe(m.lastUpdated);
    }
    for (const ms of firm.matterStages) {
      const stored = this.matterStages.add({
        id: ms.id,
        matterId: ms.matterId,
        stageSetId: ms.stageSetId,
        stageId: ms.stageId,
        versionId: ms.versionId,
        lastUpdated: ms.lastUpdated,
      });
      this.matterStageByMatter.set(ms.matterId, stored);
      this.clock.observe(ms.lastUpdated);
    }
    this.mattersByUpdated = new UpdatedIndex(() => this.matters.all());
    this.contactsByUpdated = new UpdatedIndex(() => this.contacts.all());
    this.stageSetsByUpdated = new UpdatedIndex(() => this.stageSets.all());
    this.matterStagesByUpdated = new UpdatedIndex(() => this.matterStages.all());
  }

  // ---- matters ----

  addMatter(record: MatterRecord): StoredMatter {
    const stored = this.matters.add({ ...record, lastUpdated: this.clock.next() });
    this.mattersByUpdated.insert(stored);
    return stored;
  }

  /** Applies `change` and bumps lastUpdated (the matter's versionId is its lastUpdated). */
  updateMatter(matter: StoredMatter, change: (m: StoredMatter) => void): void {
    this.mattersByUpdated.remove(matter);
    change(matter);
    matter.lastUpdated = this.clock.next();
    this.mattersByUpdated.insert(matter);
    this.matters.changed();
  }

  // ---- contacts ----

  addContact(record: Omit<ContactRecord, 'versionId' | 'lastUpdated'>): StoredContact {
    const stored = this.contacts.add({ ...record, versionId: randomUUID(), lastUpdated: this.clock.next() });
    this.contactsByUpdated.insert(stored);
    return stored;
  }

  /** Applies `change`, gives the contact a new versionId (GUID) and bumps lastUpdated. */
  updateContact(contact: StoredContact, change: (c: StoredContact) => void): void {
    this.contactsByUpdated.remove(contact);
    change(contact);
    contact.versionId = randomUUID();
    contact.lastUpdated = this.clock.next();
    this.contactsByUpdated.insert(contact);
    this.contacts.changed();
  }

  // ---- stages ----

  /** Sets a matter's current stage, creating its MatterStage record if it had none. */
  setMatterStage(matterId: string, stageSetId: string, stageId: string): StoredMatterStage {
    const existing = this.matterStageByMatter.get(matterId);
    if (existing) {
      this.matterStagesByUpdated.remove(existing);
      existing.stageSetId = stageSetId;
      existing.stageId = stageId;
      existing.versionId = randomUUID();
      existing.lastUpdated = this.clock.next();
      this.matterStagesByUpdated.insert(existing);
      this.matterStages.changed();
      return existing;
    }
    const stored = this.matterStages.add({
      id: randomUUID(),
      matterId,
      stageSetId,
      stageId,
      versionId: randomUUID(),
      lastUpdated: this.clock.next(),
    });
    this.matterStageByMatter.set(matterId, stored);
    this.matterStagesByUpdated.insert(stored);
    return stored;
  }

  // ---- memos ----

  addMemo(record: Omit<MemoRecord, 'seq'>): MemoRecord {
    const memo = { ...record, seq: this.memoSeq++ };
    this.memos.set(memo.id, memo);
    const list = this.memosByMatter.get(memo.matterId);
    if (list) list.push(memo);
    else this.memosByMatter.set(memo.matterId, [memo]);
    return memo;
  }

  memosOf(matterId: string): readonly MemoRecord[] {
    return this.memosByMatter.get(matterId) ?? [];
  }

  // ---- documents ----

  documentsOf(matterId: string): MatterDocuments {
    let docs = this.documents.get(matterId);
    if (!docs) {
      docs = { folders: [], files: [], changeSeq: 0 };
      this.documents.set(matterId, docs);
    }
    return docs;
  }

  addFolder(record: Omit<FolderRecord, 'seq'>): FolderRecord {
    const folder = { ...record, seq: this.docSeq++ };
    this.folders.set(folder.id, folder);
    this.documentsOf(folder.matterId).folders.push(folder);
    return folder;
  }

  addFile(record: Omit<FileRecord, 'seq' | 'changeSeq'>): FileRecord {
    const docs = this.documentsOf(record.matterId);
    const file = { ...record, seq: this.docSeq++, changeSeq: ++docs.changeSeq };
    this.files.set(file.id, file);
    docs.files.push(file);
    return file;
  }

  /** Marks a file changed for the files `Cursor`. */
  touchFile(file: FileRecord): void {
    file.changeSeq = ++this.documentsOf(file.matterId).changeSeq;
  }
}

function copyContact(c: ContactRecord): Omit<StoredContact, 'seq'> {
  const out: Omit<StoredContact, 'seq'> = {
    id: c.id,
    externalSystemId: c.externalSystemId,
    versionId: c.versionId,
    isDeleted: c.isDeleted,
    lastUpdated: c.lastUpdated,
  };
  if (c.person) out.person = c.person;
  if (c.company) out.company = c.company;
  return out;
}

function copyMatter(m: MatterRecord): Omit<StoredMatter, 'seq'> {
  return {
    id: m.id,
    externalSystemId: m.externalSystemId,
    number: m.number,
    title: m.title,
    description: m.description,
    matterTypeId: m.matterTypeId,
    clientIds: m.clientIds,
    otherSideIds: m.otherSideIds,
    status: m.status,
    personResponsibleStaffId: m.personResponsibleStaffId,
    personAssistingStaffId: m.personAssistingStaffId,
    openedDate: m.openedDate,
    closedDate: m.closedDate,
    isLead: m.isLead,
    lastUpdated: m.lastUpdated,
  };
}
