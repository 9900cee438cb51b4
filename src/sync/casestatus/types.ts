/** Case Status partner API shapes as the app sends and reads them (docs/casestatus-api.md is the contract). */
export type CsCaseStatus = 'open' | 'pending' | 'closed';

export interface CsClientInput {
  externalId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  cellPhone: string | null; // E.164
  companyName: string | null;
}

export interface CsStaffRef {
  externalId: string;
  name: string;
  email: string | null;
}

export interface CsCaseInput {
  externalId: string;
  readableId: string;
  title: string;
  description: string | null;
  practiceArea: string;
  status: CsCaseStatus;
  stage: string | null;
  primaryAttorney: CsStaffRef | null;
  clientExternalIds: string[];
  /** Our contract extension: false moves the stage without texting the client. Only on the wire, never stored. */
  notifyClient?: boolean;
}

export interface CsClientResult {
  externalId: string;
  id: string;
  created: boolean;
  changed: boolean;
  textable: boolean;
}

export interface CsCaseResult {
  externalId: string;
  id: string;
  readableId: string;
  url: string;
  created: boolean;
  changed: boolean;
  stageChanged: boolean;
}

export interface CsErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export type CsBatchItem<T> =
  ({ index: number; ok: true } & T) | { index: number; ok: false; externalId: string | null; error: CsErrorBody & { status: number } };

export interface CsPracticeArea {
  id: string;
  name: string;
  stages: { id: string; name: string; position: number }[];
}

export interface CsMessage {
  id: string;
  caseId: string;
  caseExternalId: string;
  threadId: string;
  sender: { name: string; role: 'client' | 'staff' };
  body: string;
  createdAt: string;
}

export interface CsDocument {
  id: string;
  caseId: string;
  caseExternalId: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
  contentType: string;
  sharedBy: { name: string; role: 'client' | 'staff' };
  createdAt: string;
}

export interface CsPage<T> {
  data: T[];
  nextCursor: string;
  hasMore: boolean;
}
