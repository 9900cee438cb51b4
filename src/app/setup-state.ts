import { SETUP_STEP_IDS, type SetupProgress, type SetupStepId, type SetupStepView, type SetupView } from '../contract/setup.js';

/**
 * The guided set-up as a pure function of real state and what a person did: steps 1–3 are read from the
 * connections (signed in? Case Status key in the keychain? relay paired?), steps 4–6 from what was reviewed or
 * skipped, step 7 from the import. Stored progress survives a restart or a crash, so the wizard resumes where it was.
 */
export interface SetupInputs {
  progress: SetupProgress;
  signedIn: boolean;
  caseStatusKeySet: boolean;
  /** A relay address and its firm token are both set. */
  relayPaired: boolean;
  initialImportDone: boolean;
}

const STEP_LABEL: Record<SetupStepId, string> = {
  smokeball: 'sign in to Smokeball',
  casestatus: 'connect Case Status',
  realtime: 'set up real-time updates or skip them',
  'what-syncs': 'choose what syncs',
  mapping: 'review stages and practice areas',
  preview: 'look at the preview',
  import: 'start the import',
};

export function deriveSetup(i: SetupInputs): SetupView {
  const p = i.progress;
  // An install that imported before the guided set-up existed (or finished it) is set up.
  const complete = p.complete || (i.initialImportDone && !p.importStarted);
  const runsAllowed = complete || p.importStarted;
  const stateOf = (id: SetupStepId): { done: boolean; skipped: boolean; summary?: string } => {
    switch (id) {
      case 'smokeball':
        return {
          done: i.signedIn,
          skipped: false,
          summary: i.signedIn ? (p.smokeballFirmName ? `Signed in to Smokeball: ${p.smokeballFirmName}` : 'Signed in to Smokeball') : undefined,
        };
      case 'casestatus':
        return { done: i.caseStatusKeySet, skipped: false, summary: i.caseStatusKeySet ? 'Connected to Case Status' : undefined };
      case 'realtime':
        return {
          done: i.relayPaired,
          skipped: !i.relayPaired && p.steps.realtime === 'skipped',
          summary: i.relayPaired
            ? 'Paired with the relay'
            : p.steps.realtime === 'skipped'
              ? 'Skipped: changes arrive with Sync now and the nightly sync'
              : undefined,
        };
      case 'import':
        return {
          done: i.initialImportDone && runsAllowed,
          skipped: false,
          summary: i.initialImportDone ? 'First import done' : p.importStarted ? 'Importing…' : undefined,
        };
      default:
        return { done: p.steps[id] === 'done', skipped: p.steps[id] === 'skipped' };
    }
  };
  let current: SetupStepId | null = null;
  const steps: SetupStepView[] = SETUP_STEP_IDS.map((id) => {
    const s = stateOf(id);
    let state: SetupStepView['state'] = s.done ? 'done' : s.skipped ? 'skipped' : 'todo';
    if (state === 'todo' && current === null && !complete) {
      current = id;
      state = 'current';
    }
    return s.summary ? { id, state, summary: s.summary } : { id, state };
  });
  const currentStep = current as SetupStepId | null;
  return {
    steps,
    current: complete ? null : currentStep,
    runsAllowed,
    complete,
    blockedReason: runsAllowed ? null : `Finish the set-up first: ${STEP_LABEL[currentStep ?? 'import']}.`,
  };
}

/** The progress after a person skipped or reviewed a step, or reopened one. */
export function markStep(progress: SetupProgress, step: SetupStepId, mark: 'done' | 'skipped' | 'reopen'): SetupProgress {
  const steps = { ...progress.steps };
  if (mark === 'reopen') delete steps[step];
  else steps[step] = mark;
  return { ...progress, steps };
}

/** The set-up of an install that finished it (test fixtures, a view before the core exists). */
export function completedSetupView(): SetupView {
  return deriveSetup({
    progress: { steps: {}, smokeballFirmName: '', importStarted: true, complete: true },
    signedIn: true,
    caseStatusKeySet: true,
    relayPaired: false,
    initialImportDone: true,
  });
}
