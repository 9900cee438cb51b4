/**
 * Smokeball's wire shapes as the app reads them (see shared reference/smokeball-api.md). Only the fields the
 * sync uses are typed; everything is optional where the API documents it as nullable.
 */
export interface SbLink {
  id: string;
  href?: string;
  rel?: string;
  relation?: string; // the OpenAPI spec's name for `rel`; accept both
  name?: string;
}

export interface SbPage<T> {
  href?: string;
  offset?: number;
  limit?: number;
  size?: number;
  first?: SbLink | { href: string };
  next?: { href: string; rel?: string; relation?: string } | null;
  last?: { href: string } | null;
  value: T[];
}

export type SbMatterStatus = 'Open' | 'Pending' | 'Closed' | 'Deleted' | 'Cancelled';

export interface SbMatter {
  id: string;
  versionId: string; // ticks
  number?: string | null;
  title?: string | null;
  description?: string | null;
  matterType?: SbLink | null;
  clients?: SbLink[] | null;
  clientIds?: string[] | null;
  status: SbMatterStatus;
  personResponsible?: SbLink | null;
  personAssisting?: SbLink | null;
  isLead?: boolean;
  openedDate?: string | null;
  closedDate?: string | null;
}

export interface SbPhone {
  areaCode?: string | null;
  number?: string | null;
}

export interface SbContact {
  id: string;
  versionId?: string;
  person?: {
    title?: string | null;
    firstName?: string | null;
    middleName?: string | null;
    lastName?: string | null;
    email?: string | null;
    phone?: SbPhone | null;
    cell?: SbPhone | null;
  } | null;
  company?: { name?: string | null; email?: string | null; phone?: SbPhone | null } | null;
  isDeleted?: boolean;
  lastUpdated?: number | string;
}

export interface SbStaff {
  id: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  role?: string | null;
  former?: boolean;
}

export interface SbMatterType {
  id: string;
  name: string;
  category?: string | null;
  isDeleted?: boolean;
  deleted?: boolean;
}

export interface SbStage {
  id: string;
  name: string;
  isDeleted?: boolean;
}

export interface SbStageSet {
  id: string;
  name: string;
  isDeleted?: boolean;
  stages: SbStage[];
}

export interface SbMatterStage {
  id: string;
  matter: SbLink;
  stageSet?: SbLink | null;
  stage?: SbStage | null;
  lastUpdated: number | string; // ticks
}

// ---- memos, folders and files (the write-back of Case Status messages and documents) ----

/** POST/PUT /matters/{id}/memos body. `text` may be plain or RTF; the app always sends RTF it generated. */
export interface SbMemoInput {
  title: string;
  text: string;
  userId?: string | null;
  createdDateUtc?: string | null;
}

export interface SbMemo {
  id: string;
  matterId?: string;
  title: string;
  /** RTF as stored. */
  text: string;
  plainText?: string | null;
  createdDate?: string;
  lastUpdated?: string;
  isDeleted?: boolean;
}

/** 202 answer of an accepted write: the new (or updated) resource's link. */
export interface SbAccepted {
  id?: string;
  href?: string;
}

export interface SbFolderRef {
  id: string;
  href?: string;
  name: string;
  parentId?: string | null;
}

export interface SbFile {
  id: string;
  href?: string;
  versionId?: string;
  folder?: Partial<SbLink> | null;
  name: string;
  fileExtension?: string | null;
  sizeBytes?: number;
  isUploaded?: boolean;
  isDeleted?: boolean;
  dateCreated?: string;
}

/** GET /matters/{id}/documents/folders[/{folderId}]: one page of sub-folders then files. */
export interface SbFolderListing extends Omit<SbPage<{ folders?: SbFolderRef[]; files?: SbFile[] }>, 'value'> {
  id?: string;
  parentId?: string | null;
  name?: string | null;
  value: Array<{ folders?: SbFolderRef[] | null; files?: SbFile[] | null }>;
}

/** POST /matters/{id}/documents/files and GET …/files/{fileId}/upload. */
export interface SbUploadInfo {
  fileId: string;
  uploadUrl: string;
  expiry?: string;
}
