import type { Readable } from 'node:stream';
import type { CaseDocumentSeed, CaseMessageSeed, SeededFirm } from '../../seed/firm-model.js';
import type { EventDispatcher } from '../events.js';
import type { PracticeAreaCatalogue } from '../practice-areas.js';
import type { CaseInput, ClientInput } from '../schemas.js';
import { contentTypeFor } from '../content-type.js';
import { CaseStore, caseView, type CaseRecord, type CaseUpsertOutcome } from './cases.js';
import { ClientStore } from './clients.js';
import type { DocumentContent, StoredDocument } from './document-content.js';
import { Feed, type Visible } from './feed.js';
import type { CaseStatusValue, CaseUpdatedData, CaseUpsertResult, CaseView, ClientUpsertResult, DocumentView, MessageView, PartyRole } from '../wire.js';

export interface AddMessageInput {
  /** The case's external id (Smokeball matter id). */
  matterId: string;
  /** Defaults to the case's first thread, or a new one. */
  threadId?: string;
  senderName: string;
  senderRole: PartyRole;
  body: string;
  createdAt?: string;
}

export interface AddDocumentInput {
  matterId: string;
  fileName: string;
  sharedByName: string;
  sharedByRole: PartyRole;
  /** Explicit bytes; otherwise `sizeBytes` bytes are generated from `contentSeed`. */
  content?: Buffer | string;
  sizeBytes?: number;
  contentSeed?: number;
  createdAt?: string;
}

/** What addMessage/addDocument return: the stored record, and whether its case exists yet. */
export type AddedMessage = CaseMessageSeed & { visible: boolean };
export type AddedDocument = CaseDocumentSeed & { visible: boolean };

export interface FirmStateDeps {
  firm: SeededFirm;
  newId: () => string;
  newSeed: () => number;
  now: () => string;
  practiceAreas: PracticeAreaCatalogue;
  events: EventDispatcher;
  content: DocumentContent;
}

/**
 * Everything one simulated Case Status firm holds, and the rules that tie the parts together: creating a
 * case reveals its seeded messages and documents; changes made at run time raise events.
 */
export class FirmState {
  readonly clients: ClientStore;
  readonly cases: CaseStore;
  readonly messages = new Feed<CaseMessageSeed>();
  readonly documents = new Feed<StoredDocument>();
  /** Base of case links; set once the server listens (it defaults to the server's own URL). */
  publicUrl = '';

  constructor(private readonly deps: FirmStateDeps) {
    this.clients = new ClientStore(deps.newId, deps.now);
    this.cases = new CaseStore({
      newId: deps.newId,
      now: deps.now,
      clientExists: (id) => this.clients.has(id),
      practiceAreas: deps.practiceAreas,
    });
    // Seeded items are history: they become visible with their case but raise no events.
    for (const m of deps.firm.messages) this.messages.add(m, false, undefined);
    for (const d of deps.firm.documents) this.documents.add(d, false, undefined);
  }

  get firmId(): string {
    return this.deps.firm.accountId;
  }

  get practiceAreas(): PracticeAreaCatalogue {
    return this.deps.practiceAreas;
  }

  caseUrl = (id: string): string => `${this.publicUrl}/cases/${id}`;

  caseView(record: CaseRecord): CaseView {
    return caseView(record, this.caseUrl);
  }

  upsertClient(externalId: string, input: ClientInput): ClientUpsertResult {
    return this.clients.upsert(externalId, input);
  }

  upsertCase(externalId: string, input: CaseInput): CaseUpsertResult {
    return this.afterCaseChange(this.cases.upsert(externalId, input), 'api');
  }

  portalUpdateCase(externalId: string, patch: { status?: CaseStatusValue; stage?: string | null }): CaseView {
    const outcome = this.cases.portalUpdate(externalId, patch);
    this.afterCaseChange(outcome, 'portal');
    return this.caseView(outcome.record);
  }

  addMessage(input: AddMessageInput): AddedMessage {
    const message: CaseMessageSeed = {
      id: this.deps.newId(),
      matterId: input.matterId,
      threadId: input.threadId ?? this.messages.firstValue(input.matterId, (m) => m.threadId) ?? this.deps.newId(),
      senderName: input.senderName,
      senderRole: input.senderRole,
      body: input.body,
      createdAt: input.createdAt ?? this.deps.now(),
    };
    const visible = this.messages.add(message, true, this.cases.get(input.matterId)?.id);
    if (visible) this.announceMessage(visible);
    return { ...message, visible: visible !== undefined };
  }

  addDocument(input: AddDocumentInput): AddedDocument {
    const bytes = typeof input.content === 'string' ? Buffer.from(input.content, 'utf8') : input.content;
    const doc: StoredDocument = {
      id: this.deps.newId(),
      matterId: input.matterId,
      fileName: input.fileName,
      sizeBytes: bytes ? bytes.length : (input.sizeBytes ?? 1024),
      contentSeed: input.contentSeed ?? this.deps.newSeed(),
      sharedByName: input.sharedByName,
      sharedByRole: input.sharedByRole,
      createdAt: input.createdAt ?? this.deps.now(),
      ...(bytes ? { bytes } : {}),
    };
    const visible = this.documents.add(doc, true, this.cases.get(input.matterId)?.id);
    if (visible) this.announceDocument(visible);
    const { bytes: _bytes, ...seed } = doc;
    return { ...seed, visible: visible !== undefined };
  }

  messageView(v: Visible<CaseMessageSeed>): MessageView {
    const m = v.item;
    return {
      id: m.id,
      caseId: v.caseId,
      caseExternalId: m.matterId,
      threadId: m.threadId,
      sender: { name: m.senderName, role: m.senderRole },
      body: m.body,
      createdAt: m.createdAt,
    };
  }

  async documentView(v: Visible<StoredDocument>): Promise<DocumentView> {
    const d = v.item;
    return {
      id: d.id,
      caseId: v.caseId,
      caseExternalId: d.matterId,
      fileName: d.fileName,
      sizeBytes: d.sizeBytes,
      sha256: await this.deps.content.sha256(d),
      contentType: contentTypeFor(d.fileName),
      sharedBy: { name: d.sharedByName, role: d.sharedByRole },
      createdAt: d.createdAt,
    };
  }

  documentStream(doc: StoredDocument): Readable {
    return this.deps.content.stream(doc);
  }

  private afterCaseChange(outcome: CaseUpsertOutcome, source: 'api' | 'portal'): CaseUpsertResult {
    const { record, created, changes, stageChange } = outcome;
    if (created) {
      for (const v of this.messages.reveal(record.externalId, record.id)) if (v.announce) this.announceMessage(v);
      for (const v of this.documents.reveal(record.externalId, record.id)) if (v.announce) this.announceDocument(v);
    }
    const view = this.caseView(record);
    if (changes.length > 0) {
      const data: CaseUpdatedData = {
        case: view,
        created,
        changes,
        stageChange: stageChange && { from: stageChange.from, to: stageChange.to },
        source,
      };
      this.deps.events.emit('case.updated', data);
    }
    return {
      externalId: record.externalId,
      id: record.id,
      readableId: record.readableId,
      url: view.url,
      created,
      changed: changes.length > 0,
      stageChanged: stageChange !== null,
    };
  }

  private announceMessage(v: Visible<CaseMessageSeed>): void {
    this.deps.events.emit('message.created', this.messageView(v));
  }

  private announceDocument(v: Visible<StoredDocument>): void {
    this.deps.events.emit('document.created', this.documentView(v));
  }
}
