/**
 * The in-process control surface: changes "made in Smokeball" (applied at once, webhooks with source
 * "Smokeball"), token helpers for tests, runtime knobs, and read-only views of what the API stored.
 */
import { randomUUID } from 'node:crypto';
import type { FaultConfig, FaultInjector } from '../common/faults.js';
import type { RequestStats } from '../common/request-stats.js';
import type { CompanyDetails, MatterStatus, PersonDetails } from '../seed/firm-model.js';
import type { TokenStore } from './auth.js';
import type { ChangeContext, ContactFields, Domain, MatterFields, NewMatter } from './domain.js';
import type { RateLimitConfig, ResolvedOptions, WebhookFaultConfig } from './options.js';
import type { GatewayRateLimiter } from './rate-limit.js';
import type { FakeS3 } from './s3.js';
import type { SimState, StoredContact, StoredMatter } from './state.js';
import type { DeliveryLogEntry, WebhookDispatcher } from './webhooks.js';
import type { WriteQueue } from './write-queue.js';

/** A control call named an id the simulator does not know. */
export class UnknownIdError extends Error {
  constructor(kind: string, id: string) {
    super(`Unknown ${kind} '${id}'`);
  }
}

export interface ContactInput {
  id?: string;
  externalSystemId?: string | null;
  person?: PersonDetails;
  company?: CompanyDetails;
}

export interface MatterView {
  id: string;
  number: string;
  title: string;
  description: string;
  status: MatterStatus;
  matterTypeId: string;
  clientIds: string[];
  otherSideIds: string[];
  personResponsibleStaffId: string | null;
  personAssistingStaffId: string | null;
  openedDate: string;
  closedDate: string | null;
  isLead: boolean;
  lastUpdated: bigint;
  versionId: string;
  stage: { stageSetId: string; stageId: string; lastUpdated: bigint } | null;
}

export interface MemoView {
  id: string;
  matterId: string;
  title: string;
  text: string;
  plainText: string;
  createdDate: string;
  createdByUserId: string | null;
  lastUpdated: string;
  isDeleted: boolean;
}

export interface FolderView {
  id: string;
  parentId: string | null;
  name: string;
}

export interface FileView {
  id: string;
  name: string;
  fileExtension: string;
  folderId: string | null;
  sizeBytes: number;
  sha256: string | null;
  isUploaded: boolean;
  versionId: string;
  dateCreated: string;
}

export interface SubscriptionView {
  id: string;
  name: string;
  eventTypes: string[];
  eventNotificationUrl: string;
  key: string | null;
  /** The OAuth grant that created it (null for client-credentials tokens). */
  grantId: string | null;
}

export interface ControlDeps {
  options: ResolvedOptions;
  state: SimState;
  domain: Domain;
  tokens: TokenStore;
  webhooks: WebhookDispatcher;
  writes: WriteQueue;
  limiter: GatewayRateLimiter;
  faults: FaultInjector;
  stats: RequestStats;
  s3: FakeS3<ChangeContext>;
  /** Temp directory holding uploaded file contents (removed on close). */
  storageDir: string;
}

export class SmokeballControl {
  constructor(private readonly d: ControlDeps) {}

  private change(): ChangeContext {
    return { source: 'Smokeball', requestId: randomUUID(), userId: this.d.options.userId };
  }

  private matterOrThrow(id: string): StoredMatter {
    const m = this.d.state.matters.get(id);
    if (!m) throw new UnknownIdError('matter', id);
    return m;
  }

  private contactOrThrow(id: string): StoredContact {
    const c = this.d.state.contacts.get(id);
    if (!c) throw new UnknownIdError('contact', id);
    return c;
  }

  // ---- changes made "in Smokeball" ----

  /** Moves the matter to a stage of its stage set; fires matterstage.updated. */
  changeMatterStage(matterId: string, stageId: string): void {
    this.d.domain.changeMatterStage(this.matterOrThrow(matterId), stageId, this.change());
  }

  /** Status Closed + closedDate; fires matter.updated and matter.closed. */
  closeMatter(matterId: string): void {
    this.d.domain.closeMatter(this.matterOrThrow(matterId), this.change());
  }

  updateMatter(matterId: string, partial: Partial<MatterFields>): void {
    this.d.domain.updateMatter(this.matterOrThrow(matterId), partial, this.change());
  }

  /** Creates a matter (defaults: first matter type, no clients, Open) and returns its id. */
  createMatter(partial: Partial<NewMatter> = {}): string {
    const s = this.d.state;
    const type = partial.matterTypeId ?? s.matterTypes.all().find((t) => !t.isDeleted && t.type === 0)?.id;
    if (!type) throw new UnknownIdError('matter type', '(none in firm)');
    return this.d.domain.createMatter({ ...partial, matterTypeId: type, clientIds: partial.clientIds ?? [], status: partial.status ?? 'Open' }, this.change())
      .id;
  }

  createContact(input: ContactInput): string {
    return this.d.domain.createContact(input, this.change()).id;
  }

  /** Adds an existing contact (by id) or a new one as a client of the matter; returns the contact id. */
  addClientToMatter(matterId: string, contact: string | ContactInput): string {
    const matter = this.matterOrThrow(matterId);
    const contactId = typeof contact === 'string' ? this.contactOrThrow(contact).id : this.createContact(contact);
    if (!matter.clientIds.includes(contactId)) {
      this.d.domain.updateMatter(matter, { clientIds: [...matter.clientIds, contactId] }, this.change());
    }
    return contactId;
  }

  updateContact(contactId: string, partial: Partial<ContactFields>): void {
    this.d.domain.updateContact(this.contactOrThrow(contactId), partial, this.change());
  }

  // ---- tokens ----

  /** Tokens as if the browser flow had completed (a new grant). */
  issueTokens(userId = this.d.options.userId): { accessToken: string; refreshToken: string; expiresIn: number } {
    const t = this.d.tokens.startGrant(this.d.options.clientId, userId);
    return { accessToken: t.accessToken, refreshToken: t.refreshToken, expiresIn: t.expiresIn };
  }

  /** Ids of every grant started so far, oldest first: the request log's `grantId` tells whose request it was. */
  grantIds(): string[] {
    return this.d.tokens.grantIds();
  }

  /** Every access token stops working (next API call → 401); refresh tokens still work. */
  expireAccessTokens(): void {
    this.d.tokens.expireAllAccessTokens();
  }

  /** Revokes the refresh token and its access tokens, and deletes the grant's webhook subscriptions. */
  revokeRefreshToken(refreshToken: string): boolean {
    return this.d.tokens.revokeRefreshToken(refreshToken);
  }

  /** Every refresh token lapses now (as after 30 days unused); access tokens of those grants stop working too. */
  expireRefreshTokens(): number {
    return this.d.tokens.expireRefreshTokens();
  }

  /** Revokes every grant (the firm's administrator removed the app's access), with its webhook subscriptions. */
  revokeAllGrants(): number {
    return this.d.tokens.revokeAllGrants();
  }

  /** Every authorization code, access token and refresh token handed out so far. */
  issuedSecrets(): string[] {
    return this.d.tokens.issuedSecrets();
  }

  // ---- knobs ----

  setRateLimit(config: Partial<RateLimitConfig>): void {
    this.d.limiter.set(config);
  }

  get rateLimit(): RateLimitConfig {
    return { ...this.d.limiter.config };
  }

  setWriteDelay(ms: number): void {
    this.d.writes.delayMs = ms;
  }

  setFaults(config: Partial<FaultConfig>): void {
    this.d.faults.set(config);
  }

  setWebhookFaults(config: Partial<WebhookFaultConfig>): void {
    this.d.webhooks.faults = { ...this.d.webhooks.faults, ...config };
  }

  get webhookFaults(): WebhookFaultConfig {
    return { ...this.d.webhooks.faults };
  }

  setUploadUrlTtl(seconds: number): void {
    this.d.s3.ttl.uploadS = seconds;
  }

  // ---- views ----

  /** Where uploaded file contents are streamed to (a temp directory, removed on close). */
  get storageDir(): string {
    return this.d.storageDir;
  }

  matter(matterId: string): MatterView {
    const m = this.matterOrThrow(matterId);
    const ms = this.d.state.matterStageByMatter.get(matterId);
    return {
      id: m.id,
      number: m.number,
      title: m.title,
      description: m.description,
      status: m.status,
      matterTypeId: m.matterTypeId,
      clientIds: [...m.clientIds],
      otherSideIds: [...m.otherSideIds],
      personResponsibleStaffId: m.personResponsibleStaffId,
      personAssistingStaffId: m.personAssistingStaffId,
      openedDate: m.openedDate,
      closedDate: m.closedDate,
      isLead: m.isLead,
      lastUpdated: m.lastUpdated,
      versionId: m.lastUpdated.toString(),
      stage: ms ? { stageSetId: ms.stageSetId, stageId: ms.stageId, lastUpdated: ms.lastUpdated } : null,
    };
  }

  memos(matterId: string): MemoView[] {
    return this.d.state.memosOf(matterId).map((m) => ({
      id: m.id,
      matterId: m.matterId,
      title: m.title,
      text: m.text,
      plainText: m.plainText,
      createdDate: m.createdDate,
      createdByUserId: m.createdByUserId,
      lastUpdated: m.lastUpdated,
      isDeleted: m.isDeleted,
    }));
  }

  folders(matterId: string): FolderView[] {
    return this.d.state.documentsOf(matterId).folders.map((f) => ({ id: f.id, parentId: f.parentId, name: f.name }));
  }

  files(matterId: string): FileView[] {
    return this.d.state.documentsOf(matterId).files.map((f) => ({
      id: f.id,
      name: f.name,
      fileExtension: f.fileExtension,
      folderId: f.folderId,
      sizeBytes: f.sizeBytes,
      sha256: f.sha256,
      isUploaded: f.isUploaded,
      versionId: f.versionId,
      dateCreated: f.dateCreated,
    }));
  }

  webhookSubscriptions(): SubscriptionView[] {
    return this.d.webhooks.list().map((s) => ({
      id: s.id,
      name: s.name,
      eventTypes: [...s.eventTypes],
      eventNotificationUrl: s.eventNotificationUrl,
      key: s.key,
      grantId: s.grantId,
    }));
  }

  /** Every delivery attempt so far (and dropped deliveries, with attempt 0). */
  deliveries(): DeliveryLogEntry[] {
    return [...this.d.webhooks.log];
  }

  get pendingWrites(): number {
    return this.d.writes.pending;
  }

  get pendingDeliveries(): number {
    return this.d.webhooks.pending;
  }

  /** Resolves when no accepted write is waiting and no webhook delivery (incl. retries) is outstanding. */
  async whenIdle(): Promise<void> {
    while (this.d.writes.pending > 0 || this.d.webhooks.pending > 0) {
      await this.d.writes.idle();
      await this.d.webhooks.idle();
    }
  }
}
