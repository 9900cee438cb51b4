import { useEffect, useRef, useState } from 'react';
import type { SyncPreview } from '../../../src/contract/preview.js';
import { useView } from '../app-context.js';
import { count } from '../format.js';
import { PreviewState } from '../preview/PreviewState.js';
import { usePreview } from '../preview/use-preview.js';
import { useSaveSettings } from '../settings/form-helpers.js';
import { MATTER_STATUSES, matterTypeIdsFor, toggleStatus, type MatterStatus } from '../settings/matter-filter.js';

/** Set-up step 4: which matters become cases, by status and by matter type, each with its number of matters. */
export function WhatSyncsPanel() {
  const { preview, error, loading, load } = usePreview();
  return (
    <>
      <p>
        Which Smokeball matters become Case Status cases. Tick the statuses and matter types to sync; the numbers are the matters Smokeball has now. You can
        change this later under Settings → Matters.
      </p>
      <PreviewState preview={preview} error={error} loading={loading} retry={load} />
      {preview && <WhatSyncsForm preview={preview} onSaved={() => void load()} />}
    </>
  );
}

function WhatSyncsForm({ preview, onSaved }: { preview: SyncPreview; onSaved(): void }) {
  const view = useView();
  const saved = view.settings.matterFilter;
  // Types the settings name that have no matters in the synced statuses are kept: unticking nothing must not drop them.
  const allTypeIds = [...new Set([...preview.matterTypes.map((t) => t.id), ...saved.matterTypeIds])];
  const savedTicked = () => new Set(saved.matterTypeIds.length === 0 ? allTypeIds : saved.matterTypeIds);
  const [statuses, setStatuses] = useState<MatterStatus[]>(saved.statuses);
  const [ticked, setTicked] = useState<Set<string>>(savedTicked);
  // Choices made and not saved yet: a read that lands meanwhile must not wipe them.
  const edited = useRef(false);
  useEffect(() => {
    // A new read (after a save): start again from what is now saved. Only a new read, not every pushed view.
    if (edited.current) return;
    setStatuses(view.settings.matterFilter.statuses);
    setTicked(savedTicked());
  }, [preview]);
  const state = useSaveSettings(() => {
    edited.current = false;
    onSaved();
  });
  const saveError = [state.formError, ...Object.values(state.fieldErrors)].filter(Boolean).join(' ');
  const matterTypeIds = matterTypeIdsFor(ticked, allTypeIds);
  const dirty = statuses.join() !== saved.statuses.join() || matterTypeIds.join() !== saved.matterTypeIds.join();
  const countOf = (status: MatterStatus) => preview.statuses.find((s) => s.status === status)?.matters ?? 0;
  const notSyncedStatuses = MATTER_STATUSES.filter((s) => !statuses.includes(s));

  return (
    <form
      noValidate
      className="what-syncs"
      onSubmit={(e) => {
        e.preventDefault();
        void state.save({ matterFilter: { statuses, matterTypeIds } });
      }}
    >
      <fieldset>
        <legend>Matter statuses</legend>
        <table>
          <thead>
            <tr>
              <th scope="col">Sync matters that are</th>
              <th scope="col">Matters</th>
            </tr>
          </thead>
          <tbody>
            {MATTER_STATUSES.map((status) => (
              <tr key={status} data-testid={`status-row-${status}`}>
                <td className="field-check">
                  <input
                    id={`setup-status-${status}`}
                    type="checkbox"
                    checked={statuses.includes(status)}
                    onChange={(e) => {
                      edited.current = true;
                      setStatuses(toggleStatus(statuses, status, e.target.checked));
                    }}
                  />
                  <label htmlFor={`setup-status-${status}`}>{status}</label>
                </td>
                <td>{count(countOf(status))}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {notSyncedStatuses.length > 0 && (
          <p className="hint">
            Not synced: {notSyncedStatuses.map((s) => `${s} ${count(countOf(s))}`).join(', ')}. A matter whose status is not synced gets no case (and its case
            is closed if it had one).
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend>Matter types</legend>
        <table>
          <thead>
            <tr>
              <th scope="col">Sync matters of type</th>
              <th scope="col">Matters (statuses synced)</th>
            </tr>
          </thead>
          <tbody>
            {preview.matterTypes.map((t) => (
              <tr key={t.id} data-testid={`type-row-${t.name}`}>
                <td className="field-check">
                  <input
                    id={`setup-type-${t.id}`}
                    type="checkbox"
                    checked={ticked.has(t.id)}
                    onChange={(e) => {
                      edited.current = true;
                      const next = new Set(ticked);
                      if (e.target.checked) next.add(t.id);
                      else next.delete(t.id);
                      setTicked(next);
                    }}
                  />
                  <label htmlFor={`setup-type-${t.id}`}>{t.name}</label>
                </td>
                <td>{count(t.matters)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </fieldset>
      <div className="save-bar">
        <button type="submit" disabled={state.saving || !dirty}>
          {state.saving ? 'Saving…' : 'Save and count again'}
        </button>
        <span className="save-outcome" role="status">
          {dirty ? 'Not saved yet.' : state.savedAt !== null && !saveError ? 'Saved.' : ''}
        </span>
        {saveError && (
          <p className="form-error" role="alert">
            {saveError}
          </p>
        )}
      </div>
    </form>
  );
}
