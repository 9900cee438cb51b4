import { z } from 'zod';

/**
 * The guided set-up a firm meets on first run: seven steps, one at a time, resumable after a restart or a crash.
 * The app keeps what a person did (a skipped step, a reviewed mapping, the import started) in settings and derives
 * the rest from real state (signed in? Case Status key validated? relay paired?), see `src/app/setup-state.ts`.
 *
 * Steps 1–3 and 7 are driven by the commands below; steps 4–6 (what syncs, stages and practice areas, the preview)
 * have their own data commands and mark themselves reviewed with `completeSetupStep`.
 */
export const SETUP_STEP_IDS = ['smokeball', 'casestatus', 'realtime', 'what-syncs', 'mapping', 'preview', 'import'] as const;
export type SetupStepId = (typeof SETUP_STEP_IDS)[number];

/** Steps a person may skip: real time (nightly and Sync now still run) and the review steps. */
export const SKIPPABLE_SETUP_STEPS = ['realtime', 'what-syncs', 'mapping', 'preview'] as const;
export type SkippableSetupStep = (typeof SKIPPABLE_SETUP_STEPS)[number];

/** Steps whose "done" is a person's word (a review), not something the app can read from the connections. */
export const REVIEW_SETUP_STEPS = ['what-syncs', 'mapping', 'preview'] as const;
export type ReviewSetupStep = (typeof REVIEW_SETUP_STEPS)[number];

export type SetupStepState = 'todo' | 'current' | 'done' | 'skipped';

export interface SetupStepView {
  id: SetupStepId;
  state: SetupStepState;
  /** What was done, in words for staff ("Signed in to Smokeball: Smith & Jones LLP"). */
  summary?: string;
}

export interface SetupView {
  steps: SetupStepView[];
  /** The step the wizard shows; null once every step is done or skipped. */
  current: SetupStepId | null;
  /** The import was started: runs (Sync now, nightly, real time) may start from now on. */
  runsAllowed: boolean;
  /** Set-up finished: the window shows the overview instead of the wizard. */
  complete: boolean;
  /** Why Sync now is disabled while set-up is not complete ("Finish the set-up first: connect Case Status"). */
  blockedReason: string | null;
}

/** What the app stores of the set-up (in settings.json, never a secret). */
export const SetupProgressSchema = z.object({
  /** Steps a person skipped or reviewed. Steps 1–3 are derived from the connections and only recorded as skipped. */
  steps: z.partialRecord(z.enum(SETUP_STEP_IDS), z.enum(['done', 'skipped'])).default({}),
  /** The firm name Smokeball reported after sign-in (shown in step 1). */
  smokeballFirmName: z.string().max(300).default(''),
  importStarted: z.boolean().default(false),
  complete: z.boolean().default(false),
});
export type SetupProgress = z.infer<typeof SetupProgressSchema>;

/** Results of the set-up commands. */
export type CaseStatusCheckProblem = 'wrong_key' | 'wrong_address' | 'no_network';
export type CaseStatusCheckResult = { ok: true; message: string } | { ok: false; problem: CaseStatusCheckProblem; message: string };
export type RelayPairResult = { paired: true; message: string } | { paired: false; message: string };

export const setupCommandInputs = {
  /** Step 2: saves the pasted Case Status key to the keychain only after a read with it succeeded. */
  connectCaseStatus: z.object({ apiKey: z.string().trim().min(1).max(4096) }).strict(),
  /**
   * Step 3: a pairing code from the relay's operator ("K7QF-2M9X-PL4D") or the pairing link
   * (`https://relay.example.com/pair/K7QF-2M9X-PL4D`); exchanged once for the relay address and the firm token.
   */
  pairRelay: z.object({ code: z.string().trim().min(4).max(2048) }).strict(),
  skipSetupStep: z.object({ step: z.enum(SKIPPABLE_SETUP_STEPS) }).strict(),
  /** Steps 4–6: the person reviewed the step (what syncs, the mapping, the preview). */
  completeSetupStep: z.object({ step: z.enum(REVIEW_SETUP_STEPS) }).strict(),
  /** Reopens a step (the wizard's "Back" or "Change"). */
  reopenSetupStep: z.object({ step: z.enum(SETUP_STEP_IDS) }).strict(),
  /** Step 7: starts the first import; from here on runs may start. */
  startImport: z.object({}).strict(),
  /** Leaves the wizard after the import ("Go to the overview"). */
  finishSetup: z.object({}).strict(),
} as const;

export interface SetupCommandResults {
  connectCaseStatus: CaseStatusCheckResult;
  pairRelay: RelayPairResult;
  skipSetupStep: SetupView;
  completeSetupStep: SetupView;
  reopenSetupStep: SetupView;
  startImport: { started: boolean; reason?: string };
  finishSetup: SetupView;
}
