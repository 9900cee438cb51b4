/**
 * Stored records → Smokeball wire shapes. API responses carry Links `{id, href, rel}` with absolute
 * hrefs; webhook payloads carry the same shapes with Links that have no href (as in Smokeball's sample).
 * Links use `rel` (every doc example does), not the spec's `relation`.
 */
import type { StageRecord } from '../seed/firm-model.js';
import type {
  FileRecord,
  FolderRecord,
  MemoRecord,
  SimState,
  StoredContact,
  StoredMatter,
  StoredMatterStage,
  StoredMatterType,
  StoredStaff,
  StoredStageSet,
} from './state.js';
import type { SubscriptionRecord } from './webhooks.js';
import { applyWireOverride } from './wire-overrides.js';

export interface Link {
  id: string;
  href?: string;
  rel: string;
  name?: string;
}

export class WireMapper {
  constructor(
    private readonly state: SimState,
    private readonly baseUrl: () => string,
  ) {}

  href(path: string): string {
    return this.baseUrl() + path;
  }

  private link(withHref: boolean, rel: string, path: string, id: string): Link {
    return withHref ? { id, href: `${this.baseUrl()}${path}/${id}`, rel } : { id, rel };
  }

  private links(withHref: boolean, rel: string, path: string, ids: readonly string[]): Link[] {
    const out: Link[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.link(withHref, rel, path, ids[i] as string);
    return out;
  }

  // ---- matters ----

  /** Hot path (500 per page): built property by property, no object spreads. */
  matter(m: StoredMatter, opts: { withHref?: boolean; items?: boolean } = {}): Record<string, unknown> {
    const h = opts.withHref ?? true;
    const type = this.state.matterTypes.get(m.matterTypeId);
    const matterType: Link = h
      ? { name: type?.name, id: m.matterTypeId, href: `${this.baseUrl()}/mattertypes/${m.matterTypeId}`, rel: 'MatterTypes' }
      : { name: type?.name, id: m.matterTypeId, rel: 'MatterTypes' };
    const out: Record<string, unknown> = {};
    if (h) out.href = `${this.baseUrl()}/matters/${m.id}`;
    out.id = m.id;
    out.externalSystemId = m.externalSystemId;
    out.versionId = m.lastUpdated.toString();
    out.number = m.number;
    out.title = m.title;
    out.matterType = matterType;
    out.clients = this.links(h, 'Contacts', '/contacts', m.clientIds);
    out.otherSides = this.links(h, 'Contacts', '/contacts', m.otherSideIds);
    out.description = m.description;
    out.status = m.status;
    if (m.personResponsibleStaffId) out.personResponsible = this.link(h, 'Staff', '/staff', m.personResponsibleStaffId);
    if (m.personAssistingStaffId) out.personAssisting = this.link(h, 'Staff', '/staff', m.personAssistingStaffId);
    out.openedDate = m.openedDate;
    if (m.closedDate) out.closedDate = m.closedDate;
    out.isLead = m.isLead;
    // Deprecated but still returned by the list endpoint.
    out.clientIds = m.clientIds.slice();
    out.otherSideIds = m.otherSideIds.slice();
    if (opts.items) out.items = {};
    // Test hook (wire-overrides.ts): a bad-input test may serve a malformed record instead.
    return h ? applyWireOverride(this.baseUrl(), 'matter', m.id, out) : out;
  }

  // ---- contacts / staff / matter types ----

  contact(c: StoredContact, withHref = true): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (withHref) out.href = `${this.baseUrl()}/contacts/${c.id}`;
    out.id = c.id;
    out.externalSystemId = c.externalSystemId;
    out.versionId = c.versionId;
    if (c.person) out.person = c.person;
    if (c.company) out.company = c.company;
    out.isDeleted = c.isDeleted;
    out.lastUpdated = c.lastUpdated;
    out.tags = [];
    return withHref ? applyWireOverride(this.baseUrl(), 'contact', c.id, out) : out;
  }

  staff(s: StoredStaff): Record<string, unknown> {
    return {
      href: this.href(`/staff/${s.id}`),
      id: s.id,
      versionId: s.versionId,
      ...(s.title ? { title: s.title } : {}),
      firstName: s.firstName,
      lastName: s.lastName,
      initials: s.initials,
      phone: {},
      cell: {},
      email: s.email,
      role: s.role,
      former: s.former,
      enabled: s.enabled,
      userId: s.userId,
    };
  }

  matterType(t: StoredMatterType): Record<string, unknown> {
    return {
      href: this.href(`/mattertypes/${t.id}`),
      id: t.id,
      versionId: t.versionId,
      name: t.name,
      category: t.category,
      type: t.type,
      representativeOptions: [],
      location: t.location,
      isDeleted: t.isDeleted,
    };
  }

  // ---- stages ----

  stage(stageSetId: string, s: StageRecord, withHref = true): Record<string, unknown> {
    return {
      ...(withHref ? { href: this.href(`/stagesets/${stageSetId}/stages/${s.id}`) } : {}),
      id: s.id,
      versionId: s.versionId,
      name: s.name,
      isDeleted: s.isDeleted,
      lastUpdated: s.lastUpdated,
    };
  }

  stageSet(set: StoredStageSet): Record<string, unknown> {
    return {
      href: this.href(`/stagesets/${set.id}`),
      id: set.id,
      versionId: set.versionId,
      name: set.name,
      isDeleted: set.isDeleted,
      stages: set.stages.map((s) => this.stage(set.id, s)),
      lastUpdated: set.lastUpdated,
    };
  }

  matterStage(ms: StoredMatterStage, withHref = true): Record<string, unknown> {
    const stage = this.state.stages.get(ms.stageId)?.stage;
    const out: Record<string, unknown> = {
      ...(withHref ? { href: this.href(`/matters/${ms.matterId}/stages`) } : {}),
      id: ms.id,
      versionId: ms.versionId,
      matter: this.link(withHref, 'Matters', '/matters', ms.matterId),
      stageSet: this.link(withHref, 'StageSets', '/stagesets', ms.stageSetId),
      ...(stage ? { stage: this.stage(ms.stageSetId, stage, withHref) } : {}),
      lastUpdated: ms.lastUpdated,
    };
    return withHref ? applyWireOverride(this.baseUrl(), 'matterStage', ms.matterId, out) : out;
  }

  // ---- memos ----

  memo(m: MemoRecord, withHref = true): Record<string, unknown> {
    return {
      ...(withHref ? { href: this.href(`/matters/${m.matterId}/memos/${m.id}`) } : {}),
      id: m.id,
      matterId: m.matterId,
      title: m.title,
      text: m.text,
      plainText: m.plainText,
      createdDate: m.createdDate,
      createdByUserId: m.createdByUserId,
      lastUpdated: m.lastUpdated,
      updatedByUserId: m.updatedByUserId,
      isDeleted: m.isDeleted,
    };
  }

  // ---- documents ----

  folder(f: FolderRecord): Record<string, unknown> {
    return {
      href: this.href(`/matters/${f.matterId}/documents/folders/${f.id}`),
      id: f.id,
      parentId: f.parentId,
      name: f.name,
    };
  }

  file(f: FileRecord, withHref = true): Record<string, unknown> {
    const base = `/matters/${f.matterId}/documents`;
    return {
      ...(withHref ? { href: this.href(`${base}/files/${f.id}`) } : {}),
      id: f.id,
      versionId: f.versionId,
      // The docs' example shows an empty object for a file in the root folder.
      folder: f.folderId ? this.link(withHref, 'Folders', `${base}/folders`, f.folderId) : {},
      matter: this.link(withHref, 'Matters', '/matters', f.matterId),
      name: f.name,
      fileExtension: f.fileExtension,
      ownerId: f.ownerId,
      dateCreated: f.dateCreated,
      dateModified: f.dateModified,
      sizeBytes: f.sizeBytes,
      ...(withHref ? { downloadInfo: { href: this.href(`${base}/files/${f.id}/download`) } } : {}),
      additionalData: {},
      isFavorite: false,
      isUploaded: f.isUploaded,
      isCancelled: false,
      isDuplicate: false,
      isDeleted: f.isDeleted,
    };
  }

  // ---- webhooks ----

  subscription(s: SubscriptionRecord, withKey: boolean): Record<string, unknown> {
    return {
      href: this.href(`/webhooks/${s.id}`),
      id: s.id,
      ...(withKey && s.key !== null ? { key: s.key } : {}),
      accountId: s.accountId,
      name: s.name,
      eventTypes: [...s.eventTypes],
      eventNotificationUrl: s.eventNotificationUrl,
      createdDateUtc: s.createdDateUtc,
      updatedDateUtc: s.updatedDateUtc,
      lastUpdated: s.lastUpdated,
    };
  }
}
