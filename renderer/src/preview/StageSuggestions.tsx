import { useEffect, useRef, useState } from 'react';
import type { SyncPreview } from '../../../src/contract/preview.js';
import { useView } from '../app-context.js';
import { count } from '../format.js';
import { useSaveSettings } from '../settings/form-helpers.js';

type PreviewStage = SyncPreview['stages'][number];
type PreviewMatterType = SyncPreview['matterTypes'][number];

/** Select values that are not Case Status names. */
const NOT_MAPPED = '';
const NO_STAGE = '__none__';

const stageKey = (s: PreviewStage) => `${s.id}\u0000${s.practiceArea}`;
/** What the stage maps to now, as a select value. */
const currentStage = (s: PreviewStage) => (s.unmapped ? NOT_MAPPED : (s.mappedTo ?? NO_STAGE));
/** What the select starts at: the current mapping, or the suggestion for a stage without one. */
const initialStage = (s: PreviewStage) => (s.unmapped ? (s.suggested ?? NOT_MAPPED) : currentStage(s));
const initialArea = (t: PreviewMatterType) => t.practiceArea ?? t.suggested ?? NOT_MAPPED;

/**
 * Set-up step 5 (and the preview's "Matter types and stages"): each matter type with its matters and its Case Status
 * practice area, and every Smokeball stage in use with its matters and Case Status stage, unmapped first (the preview
 * sorts them). Each is a choice that starts at today's mapping, or at the suggestion when there is none; saving writes
 * only the rows that changed into the settings' practice-area and stage mappings, through `updateSettings`.
 */
export function StageSuggestions({ preview, onSaved }: { preview: SyncPreview; onSaved?(): void }) {
  const view = useView();
  const [areas, setAreas] = useState<Record<string, string>>(() => Object.fromEntries(preview.matterTypes.map((t) => [t.id, initialArea(t)])));
  const [stages, setStages] = useState<Record<string, string>>(() => Object.fromEntries(preview.stages.map((s) => [stageKey(s), initialStage(s)])));
  // Choices made and not saved yet: a read that lands meanwhile must not wipe them.
  const edited = useRef(false);
  useEffect(() => {
    // A new read (after a save): start again from what is now saved.
    if (edited.current) return;
    setAreas(Object.fromEntries(preview.matterTypes.map((t) => [t.id, initialArea(t)])));
    setStages(Object.fromEntries(preview.stages.map((s) => [stageKey(s), initialStage(s)])));
  }, [preview]);
  const state = useSaveSettings(() => {
    edited.current = false;
    onSaved?.();
  });
  const saveError = [state.formError, ...Object.values(state.fieldErrors)].filter(Boolean).join(' ');
  const areaStages = new Map(preview.practiceAreas.map((a) => [a.name, a.stages]));

  const changedTypes = preview.matterTypes.filter((t) => areas[t.id] !== NOT_MAPPED && areas[t.id] !== (t.practiceArea ?? NOT_MAPPED));
  const changedStages = preview.stages.filter((s) => stages[stageKey(s)] !== NOT_MAPPED && stages[stageKey(s)] !== currentStage(s));
  const unmappedLeft =
    preview.matterTypes.filter((t) => areas[t.id] === NOT_MAPPED).length + preview.stages.filter((s) => stages[stageKey(s)] === NOT_MAPPED).length;
  const save = () =>
    void state.save({
      practiceAreaMapping: { ...view.settings.practiceAreaMapping, ...Object.fromEntries(changedTypes.map((t) => [t.name, areas[t.id]!])) },
      stageMapping: {
        ...view.settings.stageMapping,
        ...Object.fromEntries(changedStages.map((s) => [s.id, stages[stageKey(s)] === NO_STAGE ? null : stages[stageKey(s)]!])),
      },
    });

  return (
    <div className="stage-suggestions">
      <h3>Matter types → practice areas</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Smokeball matter type</th>
            <th scope="col">Matters</th>
            <th scope="col">Case Status practice area</th>
          </tr>
        </thead>
        <tbody>
          {preview.matterTypes.map((t) => (
            <tr key={t.id} className={t.practiceArea === null ? 'mapping-unmapped-row' : undefined}>
              <th scope="row">
                {t.name}
                {!t.selected && <span className="muted small"> (not synced: type not selected)</span>}
              </th>
              <td>{count(t.matters)}</td>
              <td>
                <select
                  aria-label={`Practice area for ${t.name}`}
                  value={areas[t.id]}
                  onChange={(e) => {
                    edited.current = true;
                    setAreas({ ...areas, [t.id]: e.target.value });
                  }}
                >
                  {t.practiceArea === null && <option value={NOT_MAPPED}>Not mapped: its matters will not sync</option>}
                  {preview.practiceAreas.map((a) => (
                    <option key={a.name} value={a.name}>
                      {a.name}
                      {t.practiceArea === null && a.name === t.suggested ? ' (suggested)' : ''}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Stages in use → Case Status stages</h3>
      {preview.stages.length === 0 && <p className="muted">No stage in use yet (a matter type must have a practice area before its stages show).</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Smokeball stage</th>
            <th scope="col">Practice area</th>
            <th scope="col">Matters</th>
            <th scope="col">Case Status stage</th>
          </tr>
        </thead>
        <tbody>
          {preview.stages.map((s) => {
            const key = stageKey(s);
            const choices = areaStages.get(s.practiceArea) ?? [];
            return (
              <tr key={key} className={s.unmapped ? 'mapping-unmapped-row' : undefined}>
                <th scope="row">
                  {s.name}
                  {s.unmapped && <span className="badge badge-warn">Not mapped</span>}
                </th>
                <td>{s.practiceArea}</td>
                <td>{count(s.matters)}</td>
                <td>
                  <select
                    aria-label={`Case Status stage for ${s.name} (${s.practiceArea})`}
                    value={stages[key]}
                    onChange={(e) => {
                      edited.current = true;
                      setStages({ ...stages, [key]: e.target.value });
                    }}
                  >
                    {s.unmapped && <option value={NOT_MAPPED}>Not mapped: cases get no stage</option>}
                    {choices.map((name) => (
                      <option key={name} value={name}>
                        {name}
                        {s.unmapped && name === s.suggested ? ' (suggested)' : ''}
                      </option>
                    ))}
                    <option value={NO_STAGE}>No stage in Case Status</option>
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="save-bar">
        <button type="button" className="primary" onClick={save} disabled={state.saving || changedTypes.length + changedStages.length === 0}>
          {state.saving ? 'Saving…' : 'Save the mapping'}
        </button>
        <span className="save-outcome" role="status">
          {state.savedAt !== null && !saveError && 'Saved.'}
          {unmappedLeft > 0 && ` ${unmappedLeft} still not mapped.`}
        </span>
        {saveError && (
          <p className="form-error" role="alert">
            {saveError}
          </p>
        )}
      </div>
    </div>
  );
}
