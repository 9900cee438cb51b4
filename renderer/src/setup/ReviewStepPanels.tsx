import type { ReactNode } from 'react';
import type { ReviewSetupStep } from '../../../src/contract/setup.js';
import { PreviewPanel } from '../preview/PreviewPanel.js';
import { MappingPanel } from './MappingPanel.js';
import { WhatSyncsPanel } from './WhatSyncsPanel.js';

/**
 * Steps 4–6 (what syncs, stages and practice areas, the preview) draw their data from the dry run
 * (`renderer/src/preview/`). A panel registered here replaces the step's description; the wizard still adds the
 * Continue and Skip buttons under it.
 */
export const REVIEW_STEP_PANELS: Partial<Record<ReviewSetupStep, () => ReactNode>> = {
  'what-syncs': () => <WhatSyncsPanel />,
  mapping: () => <MappingPanel />,
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
