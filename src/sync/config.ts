import type { SbMatterStatus } from './smokeball/types.js';

/** What the firm chose to sync and how stages map. Stored in the app's settings (not secret). */
export interface SyncConfig {
  /** Matter statuses that become cases. Matters that leave these statuses close their case. */
  statuses: SbMatterStatus[];
  /** Only these matter types (empty: all). */
  matterTypeIds: string[];
  /** Smokeball stage id → Case Status stage name; null maps explicitly to "no stage". Unlisted: same name, any case. */
  stageMapping: Record<string, string | null>;
  /** Smokeball matter type name → Case Status practice area name. Unlisted: same name, any case. */
  practiceAreaMapping: Record<string, string>;
  /** Country calling code used when a phone number has no country (Smokeball US firms store 10 digits). */
  defaultCountryCode: string;
  /** Refuse to close more than this share of linked cases in one reconcile without confirmation. */
  massClosureThreshold: number;
  /** Minutes a stage change waits before it texts the client (0–30; 0: sent at once). */
  stageHoldMinutes: number;
  /** More stage changes and closures than this within 10 minutes wait for a person. */
  massChangeLimit: number;
  /** Days the matter history keeps; pruned at the end of each run. */
  historyRetentionDays: number;
}

export const DEFAULT_SYNC_CONFIG: SyncConfig = {
  statuses: ['Open', 'Pending'],
  matterTypeIds: [],
  stageMapping: {},
  practiceAreaMapping: {},
  defaultCountryCode: '1',
  massClosureThreshold: 0.1,
  stageHoldMinutes: 0,
  massChangeLimit: 25,
  historyRetentionDays: 180,
};
