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

export function linkId(link: SbLink | null | undefined): string | undefined {
  return link?.id ?? undefined;
}
