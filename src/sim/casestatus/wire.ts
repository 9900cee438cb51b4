/**
 * JSON shapes of the Case Status partner API as the simulator serves them (docs/casestatus-api.md is the
 * contract; these types mirror it). Times are ISO 8601 UTC strings.
 */
import type { ErrorBody } from './errors.js';

export type CaseStatusValue = 'open' | 'pending' | 'closed';
export type PartyRole = 'client' | 'staff';

export interface ClientView {
  id: string;
  externalId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  /** E.164 or null. */
  cellPhone: string | null;
  companyName: string | null;
  /** False when Case Status cannot text this client (no cell phone). */
  textable: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ClientUpsertResult {
  externalId: string;
  id: string;
  created: boolean;
  changed: boolean;
  textable: boolean;
}

export interface StaffRef {
  externalId: string;
  name: string;
  email: string | null;
}

export interface CaseView {
  id: string;
  externalId: string;
  readableId: string;
  title: string;
  description: string | null;
  practiceArea: string;
  status: CaseStatusValue;
  stage: string | null;
  primaryAttorney: StaffRef | null;
  clientExternalIds: string[];
  url: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface CaseUpsertResult {
  externalId: string;
  id: string;
  readableId: string;
  url: string;
  created: boolean;
  changed: boolean;
  stageChanged: boolean;
}

/** One item of a batch answer: either the single-upsert result, or the error that item would have got. */
export type BatchItemResult<T> =
  ({ index: number; ok: true } & T) | { index: number; ok: false; externalId: string | null; error: ErrorBody & { status: number } };

export interface StageChange {
  /** 1-based order in which Case Status recorded the change (each one sends the client a survey). */
  seq: number;
  caseId: string;
  caseExternalId: string;
  from: string | null;
  to: string | null;
  at: string;
  /** 'api' for upserts, 'portal' for changes firm staff made in Case Status (control.updateCase). */
  source: 'api' | 'portal';
  /** False when the upsert asked for no survey (`notifyClient: false`): the stage moved, the client was not texted. */
  notified: boolean;
}

export interface MessageView {
  id: string;
  caseId: string;
  caseExternalId: string;
  threadId: string;
  sender: { name: string; role: PartyRole };
  /** As typed in Case Status: may contain HTML, emoji, control characters. */
  body: string;
  createdAt: string;
}

export interface DocumentView {
  id: string;
  caseId: string;
  caseExternalId: string;
  fileName: string;
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the content. */
  sha256: string;
  contentType: string;
  sharedBy: { name: string; role: PartyRole };
  createdAt: string;
}

export interface Page<T> {
  data: T[];
  /** Always present: pass it back as `after` to continue; on feeds, store it to resume later. */
  nextCursor: string;
  hasMore: boolean;
}

export interface PracticeAreaView {
  id: string;
  name: string;
  stages: { id: string; name: string; position: number }[];
}

export type EventType = 'message.created' | 'document.created' | 'case.updated';

export interface CaseUpdatedData {
  case: CaseView;
  created: boolean;
  /** Names of the fields that changed (all fields when created). */
  changes: string[];
  stageChange: { from: string | null; to: string | null } | null;
  /** 'api' for changes made through this API, 'portal' for changes firm staff made in Case Status. */
  source: 'api' | 'portal';
}

export interface CaseStatusEvent<T = unknown> {
  id: string;
  type: EventType;
  firmId: string;
  createdAt: string;
  data: T;
}
