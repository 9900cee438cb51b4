import type { Settings } from '../../../src/contract/settings.js';
import { useView } from '../app-context.js';
import { clockTime } from '../format.js';
import { useCommand } from '../use-command.js';
import { Field, SaveBar, useDraft, useSaveSettings } from './form-helpers.js';

type Schedule = Pick<
  Settings,
  'nightlySyncTime' | 'launchAtLogin' | 'notifications' | 'preferredSyncHost' | 'stageHoldMinutes' | 'massChangeLimit' | 'historyRetentionDays'
>;

const NOTIFICATION_LEVELS: Array<{ value: Settings['notifications']; label: string; hint: string }> = [
  { value: 'attention', label: 'Only problems', hint: 'when something needs a person' },
  { value: 'all', label: 'Everything', hint: 'every finished sync and every problem' },
  { value: 'off', label: 'None', hint: 'the window still lists every problem' },
];

export function ScheduleSettings() {
  const view = useView();
  const { settings } = view;
  const { draft, setDraft, dirty, reset, markSaved } = useDraft<Schedule>({
    nightlySyncTime: settings.nightlySyncTime,
    launchAtLogin: settings.launchAtLogin,
    notifications: settings.notifications,
    preferredSyncHost: settings.preferredSyncHost,
    stageHoldMinutes: settings.stageHoldMinutes,
    massChangeLimit: settings.massChangeLimit,
    historyRetentionDays: settings.historyRetentionDays,
  });
  const state = useSaveSettings((saved) =>
    markSaved({
      nightlySyncTime: saved.nightlySyncTime,
      launchAtLogin: saved.launchAtLogin,
      notifications: saved.notifications,
      preferredSyncHost: saved.preferredSyncHost,
      stageHoldMinutes: saved.stageHoldMinutes,
      massChangeLimit: saved.massChangeLimit,
      historyRetentionDays: saved.historyRetentionDays,
    }),
  );
  const { run, busy } = useCommand();

  return (
    <form
      className="settings-form"
      noValidate
      aria-labelledby="schedule-title"
      onSubmit={(e) => {
        e.preventDefault();
        void state.save(draft);
      }}
    >
      <h2 id="schedule-title">Schedule</h2>
      <Field
        id="nightlySyncTime"
        label="Nightly reconcile at"
        type="time"
        value={draft.nightlySyncTime}
        onChange={(v) => setDraft({ ...draft, nightlySyncTime: v })}
        error={state.fieldErrors.nightlySyncTime}
        hint={`Every night the whole firm is checked against Case Status. Next run: ${view.nextNightlyAt ? clockTime(view.nextNightlyAt) : 'not scheduled'}.`}
      />
      <div className="field field-check">
        <input
          id="launchAtLogin"
          type="checkbox"
          checked={draft.launchAtLogin}
          onChange={(e) => setDraft({ ...draft, launchAtLogin: e.target.checked })}
          aria-describedby="launchAtLogin-hint"
        />
        <label htmlFor="launchAtLogin">Start Case Status Sync when I sign in to this computer</label>
        <p className="hint" id="launchAtLogin-hint">
          {view.host === 'headless'
            ? 'Applies to the desktop app; this service is started by the server.'
            : 'Recommended: real-time updates only flow while the app runs.'}
        </p>
      </div>
      <div className="field field-check">
        <input
          id="preferredSyncHost"
          type="checkbox"
          checked={draft.preferredSyncHost}
          onChange={(e) => setDraft({ ...draft, preferredSyncHost: e.target.checked })}
          aria-describedby="preferredSyncHost-hint"
        />
        <label htmlFor="preferredSyncHost">Prefer this PC as the firm's sync host</label>
        <p className="hint" id="preferredSyncHost-hint">
          One PC syncs for the whole firm. When it stops, a preferred PC that is running takes over first. Tick it on a PC that is always on, such as the office
          server; the current host keeps syncing until then (or press Make this PC the sync host).
        </p>
      </div>
      <fieldset className="field">
        <legend>Notifications</legend>
        {NOTIFICATION_LEVELS.map((level) => (
          <div className="field-check" key={level.value}>
            <input
              id={`notifications-${level.value}`}
              type="radio"
              name="notifications"
              value={level.value}
              checked={draft.notifications === level.value}
              onChange={() => setDraft({ ...draft, notifications: level.value })}
            />
            <label htmlFor={`notifications-${level.value}`}>
              {level.label} <span className="muted">({level.hint})</span>
            </label>
          </div>
        ))}
        {state.fieldErrors.notifications && <p className="field-error">{state.fieldErrors.notifications}</p>}
      </fieldset>
      <fieldset className="field">
        <legend>Texting clients</legend>
        <Field
          id="stageHoldMinutes"
          label="Hold stage changes for (minutes) before texting clients"
          type="number"
          inputMode="numeric"
          step="1"
          value={String(draft.stageHoldMinutes)}
          onChange={(v) => setDraft({ ...draft, stageHoldMinutes: v.trim() === '' ? Number.NaN : Number(v) })}
          error={state.fieldErrors.stageHoldMinutes}
          hint="0 to 30. Every stage change texts the client a survey; a stage set by mistake and put back within this time sends nothing. 0 sends at once."
        />
        <Field
          id="massChangeLimit"
          label="Ask before texting more than this many clients in 10 minutes"
          type="number"
          inputMode="numeric"
          step="1"
          value={String(draft.massChangeLimit)}
          onChange={(v) => setDraft({ ...draft, massChangeLimit: v.trim() === '' ? Number.NaN : Number(v) })}
          error={state.fieldErrors.massChangeLimit}
          hint="Stage changes and case closures past this number wait under Held changes until you send or skip them."
        />
      </fieldset>
      <Field
        id="historyRetentionDays"
        label="Keep matter history for (days)"
        type="number"
        inputMode="numeric"
        step="1"
        value={String(draft.historyRetentionDays)}
        onChange={(v) => setDraft({ ...draft, historyRetentionDays: v.trim() === '' ? Number.NaN : Number(v) })}
        error={state.fieldErrors.historyRetentionDays}
        hint="1 to 3650. What the app did for each matter, shown under History. A very busy matter keeps its newest 500 entries."
      />
      <SaveBar state={state} dirty={dirty} onReset={reset} />
      <div className="subsection">
        <h3>Run the nightly reconcile now</h3>
        <p className="hint">Checks every matter, closes cases whose matters were closed, and fixes anything that drifted. It takes longer than Sync now.</p>
        <button
          type="button"
          disabled={busy !== null}
          onClick={() => void run('reconcileNow', {}, (r) => (r.started ? 'Reconcile started.' : `Reconcile not started: ${r.reason ?? 'a sync is running'}.`))}
        >
          Reconcile now
        </button>
      </div>
    </form>
  );
}
