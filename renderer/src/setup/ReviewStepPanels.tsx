import type { ReactNode } from 'react';
import type { ReviewSetupStep } from '../../../src/contract/setup.js';
import { PreviewPanel } from '../preview/PreviewPanel.js';

/**
 * Steps 4–6 (what syncs, stages and practice areas, the preview) draw their data from the preview work
 * (`renderer/src/preview/`). Until a step has its own panel it shows what it will cover, and can be confirmed or
 * skipped like any review step. A panel registered here replaces the description; the wizard still adds the
 * Continue and Skip buttons under it.
 */
export const REVIEW_STEP_PANELS: Partial<Record<ReviewSetupStep, () => ReactNode>> = {
  preview: () => <PreviewPanel />,
};

export const REVIEW_STEP_DESCRIPTIONS: Record<ReviewSetupStep, string> = {
  'what-syncs':
    'Which Smokeball matters become Case Status cases: by status (Open and Pending unless you change it) and by matter type. You can change this later under Settings → Matters.',
  mapping:
    'Which Case Status stage each Smokeball stage becomes, and which practice area each matter type. Stages without a match are listed first; map them under Settings → Stage mapping.',
  preview:
    'What the first import will do before it does it: cases and clients to create, how many clients will get a text, and matters that will not sync and why.',
};
