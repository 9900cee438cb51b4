import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ReviewSetupStep, SetupStepId } from '../../../src/contract/setup.js';
import type { RunView } from '../../../src/contract/view.js';
import { useView } from '../app-context.js';
import { count, plural } from '../format.js';
import { useCommand, useOpenLink } from '../use-command.js';
import { REVIEW_STEP_DESCRIPTIONS, REVIEW_STEP_PANELS } from './ReviewStepPanels.js';
import { SETUP_STAGE_HOLD_MINUTES, STATE_LABELS, STEP_TITLES } from './steps.js';

/**
 * The guided set-up: the steps on the left with what each has done, one step at a time on the right. The core
 * decides which step is current (from real state), so a closed window or a restart comes back to the same step;
 * staff may look back at a finished step with the list.
 */
export function SetupWizard() {
  const view = useView();
  const { setup } = view;
  const [shown, setShown] = useState<SetupStepId | null>(null);
  const step = shown ?? setup.current ?? 'import';
  const headingRef = useRef<HTMLHeadingElement>(null);
  const lastCurrent = useRef(setup.current);
  useEffect(() => {
    // The core moved on (a step was done): show the new current step and move focus to its heading.
    if (setup.current !== lastCurrent.current) {
      lastCurrent.current = setup.current;
      setShown(null);
      requestAnimationFrame(() => headingRef.current?.focus());
    }
  }, [setup.current]);
  const index = setup.steps.findIndex((s) => s.id === step);

  return (
    <section className="setup" aria-labelledby="setup-title">
      <h1 id="setup-title" className="page-title">
        Set up Case Status Sync
      </h1>
      <div className="setup-layout">
        <nav aria-label="Set-up steps">
          <ol className="setup-steps">
            {setup.steps.map((s, i) => (
              <li key={s.id} className={`setup-step setup-step-${s.state}`}>
                <button type="button" aria-current={s.id === step ? 'step' : undefined} onClick={() => setShown(s.id === setup.current ? null : s.id)}>
                  <span className="setup-step-number" aria-hidden="true">
                    {s.state === 'done' ? '✓' : i + 1}
                  </span>
                  <span>
                    {STEP_TITLES[s.id]}
                    <span className="visually-hidden"> ({STATE_LABELS[s.state]})</span>
                    {s.summary && <span className="setup-step-summary muted small">{s.summary}</span>}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </nav>
        <div className="card setup-panel" id="setup-panel">
          <p className="muted small">
            Step {index + 1} of {setup.steps.length}
            {shown && shown !== setup.current && setup.current && (
              <>
                {' · '}
                <button type="button" className="link-button" onClick={() => setShown(null)}>
                  Back to the current step
                </button>
              </>
            )}
          </p>
          <h2 ref={headingRef} tabIndex={-1} id="setup-step-title">
            {STEP_TITLES[step]}
          </h2>
          <StepPanel step={step} />
        </div>
      </div>
    </section>
  );
}

function StepPanel({ step }: { step: SetupStepId }) {
  switch (step) {
    case 'smokeball':
      return <SmokeballStep />;
    case 'casestatus':
      return <CaseStatusStep />;
    case 'realtime':
      return <RealtimeStep />;
    case 'import':
      return <ImportStep />;
    default:
      return <ReviewStep step={step} />;
  }
}

function Outcome({ result }: { result: { ok: boolean; message: string } | null }) {
  if (!result) return null;
  return result.ok ? (
    <p className="setup-outcome setup-ok" role="status">
      {result.message}
    </p>
  ) : (
    <p className="setup-outcome form-error" role="alert">
      {result.message}
    </p>
  );
}

function SmokeballStep() {
  const view = useView();
  const { run, busy } = useCommand();
  const openLink = useOpenLink();
  const sb = view.connections.smokeball;
  const done = view.setup.steps[0]?.state === 'done';
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);
  const wasPending = useRef(false);
  useEffect(() => {
    // The browser came back without a grant (cancelled, denied, timed out): say so instead of waiting for ever.
    if (wasPending.current && !sb.signInPending && !done)
      setOutcome({ ok: false, message: 'Sign-in was not completed in the browser. Press Sign in to Smokeball to try again.' });
    wasPending.current = sb.signInPending;
  }, [sb.signInPending, done]);

  const signIn = async () => {
    setOutcome(null);
    const result = await run('signIn', {}, () => null);
    if (result && view.host === 'headless') await openLink(result.authorizeUrl);
  };
  return (
    <>
      <p>Sign in with a Smokeball account of your firm. Your browser opens Smokeball&apos;s own sign-in page; Case Status Sync never sees your password.</p>
      {done ? (
        <p className="setup-outcome setup-ok" role="status">
          {view.setup.steps[0]?.summary}
        </p>
      ) : sb.signInPending ? (
        <p role="status">Waiting for you to finish signing in in the browser…</p>
      ) : null}
      <Outcome result={outcome} />
      <div className="button-row">
        <button type="button" className={done ? undefined : 'primary'} onClick={() => void signIn()} disabled={busy !== null}>
          {done ? 'Sign in again' : 'Sign in to Smokeball'}
        </button>
      </div>
    </>
  );
}

function CaseStatusStep() {
  const view = useView();
  const { run, busy } = useCommand();
  const [key, setKey] = useState('');
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);
  const done = view.connections.caseStatus.apiKeySet;
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!key.trim()) return setOutcome({ ok: false, message: 'Paste the Case Status API key first.' });
        void run('connectCaseStatus', { apiKey: key.trim() }, () => null).then((r) => {
          if (!r) return;
          setOutcome(r);
          if (r.ok) setKey('');
        });
      }}
    >
      <p>
        Paste your firm&apos;s Case Status API key (in Case Status: Settings → Integrations). It is checked at once and kept only in this computer&apos;s
        keychain.
      </p>
      {done && !outcome && (
        <p className="setup-outcome setup-ok" role="status">
          Connected to Case Status. Paste a new key to replace it.
        </p>
      )}
      <div className="field">
        <label htmlFor="setup-cs-key">Case Status API key</label>
        <input
          id="setup-cs-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={outcome?.ok === false ? true : undefined}
        />
      </div>
      <Outcome result={outcome} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === 'connectCaseStatus' ? 'Checking…' : 'Check and save'}
        </button>
      </div>
    </form>
  );
}

function RealtimeStep() {
  const view = useView();
  const { run, busy } = useCommand();
  const [code, setCode] = useState('');
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null);
  const paired = view.connections.relay.configured && view.connections.relay.tokenSet;
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!code.trim()) return setOutcome({ ok: false, message: 'Paste the pairing code or link first.' });
        void run('pairRelay', { code: code.trim() }, () => null).then((r) => {
          if (!r) return;
          setOutcome({ ok: r.paired, message: r.message });
          if (r.paired) setCode('');
        });
      }}
    >
      <p>
        With real-time updates a stage change in Smokeball reaches Case Status within seconds. Paste the pairing code (or open the pairing link) your IT
        provider gave you. Without it, changes still arrive with Sync now and the nightly sync.
      </p>
      {paired && !outcome && (
        <p className="setup-outcome setup-ok" role="status">
          Paired with the relay.
        </p>
      )}
      <div className="field">
        <label htmlFor="setup-pairing">Pairing code or link</label>
        <input
          id="setup-pairing"
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder="K7QF-2M9X-PL4D"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          aria-invalid={outcome?.ok === false ? true : undefined}
        />
      </div>
      <Outcome result={outcome} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === 'pairRelay' ? 'Pairing…' : 'Pair'}
        </button>
        {!paired && (
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void run('skipSetupStep', { step: 'realtime' }, () => 'Real-time updates skipped: you can pair later under Settings → Connections.')}
          >
            Skip real-time updates
          </button>
        )}
      </div>
    </form>
  );
}

function ReviewStep({ step }: { step: ReviewSetupStep }) {
  const { run, busy } = useCommand();
  const Panel = REVIEW_STEP_PANELS[step];
  const content: ReactNode = Panel ? <Panel /> : <p>{REVIEW_STEP_DESCRIPTIONS[step]}</p>;
  return (
    <>
      {content}
      <div className="button-row">
        <button type="button" className="primary" disabled={busy !== null} onClick={() => void run('completeSetupStep', { step }, () => null)}>
          Continue
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void run('skipSetupStep', { step }, () => null)}>
          Skip this step
        </button>
      </div>
    </>
  );
}

function ImportStep() {
  const view = useView();
  const { run, busy } = useCommand();
  const { setup, status } = view;
  const started = setup.runsAllowed;
  const done = view.initialImportDone;
  const blocking = setup.steps.find((s) => (s.id === 'smokeball' || s.id === 'casestatus') && s.state !== 'done');
  // Offered ticked: a stage set by mistake and put back within the hold never texts the client (docs/trust.md).
  const [hold, setHold] = useState(true);
  const start = async () => {
    const holdMinutes = hold ? Math.max(SETUP_STAGE_HOLD_MINUTES, view.settings.stageHoldMinutes) : 0;
    if (holdMinutes !== view.settings.stageHoldMinutes && !(await run('updateSettings', { stageHoldMinutes: holdMinutes }))) return;
    await run('startImport', {}, (r) => (r.started ? null : `The import did not start: ${r.reason ?? 'unknown reason'}.`));
  };
  if (!started) {
    return (
      <>
        <p>
          The first import creates a Case Status case for every matter that syncs, and its clients. Case Status texts each new client, so check the preview
          first if you have not.
        </p>
        <div className="field field-check">
          <input id="setup-stage-hold" type="checkbox" checked={hold} onChange={(e) => setHold(e.target.checked)} aria-describedby="setup-stage-hold-hint" />
          <label htmlFor="setup-stage-hold">Hold stage changes for {SETUP_STAGE_HOLD_MINUTES} minutes before texting clients</label>
          <p className="hint" id="setup-stage-hold-hint">
            A stage changed by mistake and put back within {SETUP_STAGE_HOLD_MINUTES} minutes then never texts the client; you can change the hold under
            Settings → Schedule.
          </p>
        </div>
        {blocking && <p className="hint">Finish “{STEP_TITLES[blocking.id]}” first.</p>}
        <div className="button-row">
          <button type="button" className="primary" disabled={busy !== null || blocking !== undefined} onClick={() => void start()}>
            Start the import
          </button>
        </div>
      </>
    );
  }
  if (!done) {
    const m = status.progress.matters;
    return (
      <>
        <p role="status" id="setup-import-progress">
          Importing… {count(m.done)}
          {m.total !== null ? ` of ${count(m.total)}` : ''} matters read, {count(status.counts.casesCreated)} cases created so far.
        </p>
        <p className="muted">You can close this window: the import carries on in the background.</p>
      </>
    );
  }
  // The import's own stored counts, summed over its runs (a resumed import has several): the status's counts belong
  // to whatever ran last, which after the import is often a real-time or catch-up run that created nothing.
  const imported = importTotals(view.recentRuns);
  const realtimeOn = view.connections.relay.configured && view.connections.relay.tokenSet;
  return (
    <>
      <p role="status" className="setup-outcome setup-ok">
        Import done: {count(imported.casesCreated)} cases created, {count(imported.clientsWritten)} clients written.
      </p>
      <h3>What happens next</h3>
      <ul>
        <li>
          {realtimeOn
            ? 'Real-time updates are on: a stage change in Smokeball reaches Case Status within seconds.'
            : 'Real-time updates are off: changes reach Case Status with Sync now and the nightly sync.'}
        </li>
        {view.settings.stageHoldMinutes > 0 && (
          <li>
            A stage change waits {plural(view.settings.stageHoldMinutes, 'minute')} before it reaches Case Status and texts the client; the window lists what is
            waiting, with Send now.
          </li>
        )}
        <li>Every night at {view.settings.nightlySyncTime} a full check catches anything missed (Settings → Schedule).</li>
        <li>The tray icon shows how the sync is doing: green when up to date, amber when something needs you, grey when signed out.</li>
      </ul>
      <div className="button-row">
        <button type="button" className="primary" disabled={busy !== null} onClick={() => void run('finishSetup', {}, () => null)}>
          Go to the overview
        </button>
      </div>
    </>
  );
}

function importTotals(runs: RunView[]): { casesCreated: number; clientsWritten: number } {
  const initial = runs.filter((r) => r.kind === 'initial');
  return {
    casesCreated: initial.reduce((n, r) => n + (r.counts?.casesCreated ?? 0), 0),
    clientsWritten: initial.reduce((n, r) => n + (r.counts?.clientsWritten ?? 0), 0),
  };
}
