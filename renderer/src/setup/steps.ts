import type { SetupStepId } from '../../../src/contract/setup.js';

/** The set-up's steps as staff read them. */
export const STEP_TITLES: Record<SetupStepId, string> = {
  smokeball: 'Sign in to Smokeball',
  casestatus: 'Connect Case Status',
  realtime: 'Real-time updates',
  'what-syncs': 'What syncs',
  mapping: 'Stages and practice areas',
  preview: 'Preview',
  import: 'Import',
};

export const STATE_LABELS = { done: 'done', skipped: 'skipped', current: 'current step', todo: 'to do' } as const;

/** The stage hold the import step offers, ticked (the setting `stageHoldMinutes`, see docs/trust.md). */
export const SETUP_STAGE_HOLD_MINUTES = 2;
