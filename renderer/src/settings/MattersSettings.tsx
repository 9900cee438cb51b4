import { useView } from '../app-context.js';
import { SaveBar, useDraft, useSaveSettings } from './form-helpers.js';
import { MATTER_STATUSES, toggleStatus, type MatterFilter, type MatterStatus } from './matter-filter.js';
/** The matter type ids are edited as text, one per line. */
type Draft = { statuses: MatterStatus[]; typesText: string };

const toDraft = (filter: MatterFilter): Draft => ({ statuses: filter.statuses, typesText: filter.matterTypeIds.join('\n') });
const fromDraft = (draft: Draft): MatterFilter => ({
  statuses: draft.statuses,
  matterTypeIds: [
    ...new Set(
      draft.typesText
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    ),
  ],
});

export function MattersSettings() {
  const view = useView();
  const { draft, setDraft, dirty, reset, markSaved } = useDraft<Draft>(toDraft(view.settings.matterFilter));
  const state = useSaveSettings((saved) => markSaved(toDraft(saved.matterFilter)));
  const statusError = state.fieldErrors['matterFilter.statuses'] ?? state.fieldErrors.matterFilter;
  const typesError = Object.entries(state.fieldErrors).find(([k]) => k.startsWith('matterFilter.matterTypeIds'))?.[1];

  const toggle = (status: MatterStatus, on: boolean) => setDraft({ ...draft, statuses: toggleStatus(draft.statuses, status, on) });

  return (
    <form
      className="settings-form"
      noValidate
      aria-labelledby="matters-title"
      onSubmit={(e) => {
        e.preventDefault();
        void state.save({ matterFilter: fromDraft(draft) });
      }}
    >
      <h2 id="matters-title">Matters</h2>
      <p className="hint">Which Smokeball matters become Case Status cases. A matter that leaves the selection has its case closed at the next reconcile.</p>
      <fieldset className={`field${statusError ? ' field-invalid' : ''}`} aria-describedby={statusError ? 'statuses-error' : undefined}>
        <legend>Matter statuses to sync</legend>
        {MATTER_STATUSES.map((status) => (
          <div className="field-check" key={status}>
            <input id={`status-${status}`} type="checkbox" checked={draft.statuses.includes(status)} onChange={(e) => toggle(status, e.target.checked)} />
            <label htmlFor={`status-${status}`}>{status}</label>
          </div>
        ))}
        {statusError && (
          <p className="field-error" id="statuses-error">
            {statusError}
          </p>
        )}
      </fieldset>
      <div className={`field${typesError ? ' field-invalid' : ''}`}>
        <label htmlFor="matterTypeIds">Only these matter types (one Smokeball matter type id per line)</label>
        <textarea
          id="matterTypeIds"
          rows={4}
          value={draft.typesText}
          spellCheck={false}
          aria-describedby={typesError ? 'matterTypeIds-hint matterTypeIds-error' : 'matterTypeIds-hint'}
          onChange={(e) => setDraft({ ...draft, typesText: e.target.value })}
        />
        <p className="hint" id="matterTypeIds-hint">
          Leave empty to sync every matter type.
        </p>
        {typesError && (
          <p className="field-error" id="matterTypeIds-error">
            {typesError}
          </p>
        )}
      </div>
      <SaveBar state={state} dirty={dirty} onReset={reset} />
    </form>
  );
}
