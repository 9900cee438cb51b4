/**
 * The dry-run preview (src/sync/preview): what the next sync would do, computed from Smokeball's list pages and
 * Case Status reads without writing anything. The window's preview view and set-up steps 4–6, and
 * `cli preview`, all show this one value.
 */

/** Why Case Status could not text a client: no cell phone at all, one that is not a dialable number, or only a landline/office number. */
export const NOT_TEXTABLE_REASONS = ['no_number', 'invalid_number', 'landline_only'] as const;
export type NotTextableReason = (typeof NOT_TEXTABLE_REASONS)[number];

/** Why an eligible-looking matter will not become a case. */
export const NOT_SYNCED_REASONS = ['type_not_mapped', 'status_filtered_out', 'type_not_selected', 'lead'] as const;
export type NotSyncedReason = (typeof NOT_SYNCED_REASONS)[number];

export type PreviewMatterAction = 'create' | 'update' | 'unchanged' | 'not_synced';

export interface PreviewMatter {
  matterId: string;
  number: string;
  title: string;
  matterType: string;
  status: string;
  action: PreviewMatterAction;
  /** Set when `action` is not_synced; also when the case is written without a stage ('stage_not_mapped'). */
  reason: NotSyncedReason | 'stage_not_mapped' | null;
}

export interface PreviewClient {
  contactId: string;
  name: string;
  reason: NotTextableReason;
  /** The number Smokeball has, as typed there (empty when none). */
  phone: string;
}

export interface SyncPreview {
  generatedAt: string;
  /** No case has been synced from this install yet: the preview is of the initial import. */
  firstImport: boolean;
  cases: { create: number; update: number; unchanged: number; close: number; closeNeedsConfirmation: boolean };
  clients: { create: number; update: number };
  /** Distinct clients Case Status will text: those with a textable cell on every new case and every stage change. */
  clientsTexted: number;
  /** Cases written whose stage changes (a new case with a stage counts: Case Status texts on it). */
  stageChanges: number;
  notTextable: { reason: NotTextableReason; count: number }[];
  /** Every client of a case to be written that Case Status cannot text. */
  notTextableClients: PreviewClient[];
  notSynced: { reason: NotSyncedReason; count: number; detail: string }[];
  /** Cases written without a stage, because their Smokeball stage has no Case Status stage. */
  stageNotMapped: number;
  /** Set-up step 4: every matter status with its own number of matters (selected: synced), in Smokeball's order. */
  statuses: { status: string; matters: number; selected: boolean }[];
  /** Set-up steps 4–5: each matter type with its matters, the practice area it maps to now, and a suggestion. */
  matterTypes: { id: string; name: string; matters: number; selected: boolean; practiceArea: string | null; suggested: string | null }[];
  /** Set-up step 5: every Smokeball stage in use, with its matters and a suggested Case Status stage; unmapped first. */
  stages: { id: string; name: string; practiceArea: string; matters: number; mappedTo: string | null; suggested: string | null; unmapped: boolean }[];
  /** Case Status's practice areas with their stages in order: the choices set-up step 5 offers. */
  practiceAreas: { name: string; stages: string[] }[];
  /** The cases a complete scan would close (re-read first), by matter. */
  closures: { matterId: string; number: string; title: string }[];
  /** Every listed matter and what the sync does with it (the preview's full list, for the CSV export). */
  matters: PreviewMatter[];
  /** What the preview cost. */
  requests: { smokeball: number; caseStatus: number };
}

/** What staff read for each reason (the window, the CSV export and `cli preview` use the same words). */
export const NOT_TEXTABLE_LABELS: Record<NotTextableReason, string> = {
  no_number: 'No phone number',
  invalid_number: 'Cell number is not a valid number',
  landline_only: 'Only a landline or office number',
};

export const NOT_SYNCED_LABELS: Record<NotSyncedReason, string> = {
  type_not_mapped: 'Matter type has no Case Status practice area',
  status_filtered_out: 'Status not synced',
  type_not_selected: 'Matter type not selected',
  lead: 'Lead, not a matter',
};
