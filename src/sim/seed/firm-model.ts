/**
 * The seeded firm: the data both simulators start from. Records hold what the Smokeball simulator stores
 * (its wire shapes with Links are derived from these) plus the Case Status side (messages, documents)
 * keyed by the matter id, which is the case's external id in Case Status.
 *
 * Times are .NET ticks as bigint (Smokeball's `lastUpdated`) or ISO strings where Smokeball uses ISO.
 */
export type MatterStatus = 'Open' | 'Pending' | 'Closed' | 'Deleted' | 'Cancelled';

export interface PhoneNumber {
  areaCode?: string;
  number?: string;
}

export interface PersonDetails {
  title?: string;
  firstName: string;
  middleName?: string;
  lastName: string;
  email?: string;
  phone?: PhoneNumber;
  /** Cell phone; Case Status needs one to text the client. Some seeded clients have none. */
  cell?: PhoneNumber;
}

export interface CompanyDetails {
  name: string;
  email?: string;
  phone?: PhoneNumber;
}

export interface ContactRecord {
  id: string;
  externalSystemId: string | null;
  versionId: string; // GUID, changes on every update
  person?: PersonDetails;
  company?: CompanyDetails;
  isDeleted: boolean;
  lastUpdated: bigint;
}

export interface StaffRecord {
  id: string;
  versionId: string;
  title?: string;
  firstName: string;
  lastName: string;
  initials: string;
  email: string;
  role: string; // 'Attorney' | 'Paralegal' | 'Legal Assistant' ...
  former: boolean;
  enabled: boolean;
  userId: string;
}

export interface MatterTypeRecord {
  id: string; // GUID with a location suffix, e.g. '…_IL'
  versionId: string;
  name: string;
  category: string;
  type: 0 | 1; // 0 = matter, 1 = lead
  location: string;
  isDeleted: boolean;
}

export interface StageRecord {
  id: string;
  versionId: string;
  name: string;
  isDeleted: boolean;
  lastUpdated: bigint;
}

export interface StageSetRecord {
  id: string;
  versionId: string;
  name: string;
  isDeleted: boolean;
  stages: StageRecord[];
  lastUpdated: bigint;
}

export interface MatterRecord {
  id: string;
  externalSystemId: string | null;
  number: string;
  title: string;
  description: string;
  matterTypeId: string;
  clientIds: string[];
  otherSideIds: string[];
  status: MatterStatus;
  personResponsibleStaffId: string | null;
  personAssistingStaffId: string | null;
  openedDate: string; // ISO
  closedDate: string | null;
  isLead: boolean;
  /** Ticks of the last change; the matter's `versionId` is this value as a string. */
  lastUpdated: bigint;
}

/** A matter's current stage (Smokeball's MatterStage). Matters without one have no entry. */
export interface MatterStageRecord {
  id: string;
  matterId: string;
  stageSetId: string;
  stageId: string;
  versionId: string;
  lastUpdated: bigint;
}

export type SenderRole = 'client' | 'staff';

/** A message in Case Status, seeded onto the case whose external id is `matterId`. */
export interface CaseMessageSeed {
  id: string;
  matterId: string;
  threadId: string;
  senderName: string;
  senderRole: SenderRole;
  /** As typed in Case Status: may contain HTML, emoji, control characters. */
  body: string;
  createdAt: string; // ISO
}

/** A document shared in Case Status. Its bytes are generated from `contentSeed` (see documentBytes). */
export interface CaseDocumentSeed {
  id: string;
  matterId: string;
  fileName: string; // as uploaded: may be awkward (reserved names, separators, unicode, very long)
  sizeBytes: number;
  contentSeed: number;
  sharedByName: string;
  sharedByRole: SenderRole;
  createdAt: string; // ISO
}

export interface SeededFirm {
  seed: number;
  accountId: string;
  name: string;
  staff: StaffRecord[];
  matterTypes: MatterTypeRecord[];
  stageSets: StageSetRecord[];
  contacts: ContactRecord[];
  matters: MatterRecord[];
  matterStages: MatterStageRecord[];
  /** Which stage set each matter type uses (Smokeball ties stage sets to matter types). */
  stageSetByMatterType: Record<string, string>;
  messages: CaseMessageSeed[];
  documents: CaseDocumentSeed[];
}
