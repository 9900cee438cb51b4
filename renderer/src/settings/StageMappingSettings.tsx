import { useCallback, useEffect, useState } from 'react';
import type { MappingOptions } from '../../../src/contract/view.js';
import { errorText, useApp, useView } from '../app-context.js';
import { SaveBar, useDraft, useSaveSettings } from './form-helpers.js';

type StageMapping = Record<string, string | null>;
type SmokeballStage = MappingOptions['smokeballStages'][number];

/** Select values that are not Case Status stage names. */
const AUTO = '__auto__';
const NONE = '__none__';

/**
 * Smokeball stage → Case Status stage. Unmapped stages come first: a case whose stage has no match is not synced
 * (Case Status mappings are exact), so those are the ones that need a person.
 */
export function StageMappingSettings() {
  const view = useView();
  const { bridge } = useApp();
  const [options, setOptions] = useState<MappingOptions | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { draft, setDraft, dirty, reset, markSaved } = useDraft<StageMapping>(view.settings.stageMapping);

  const load = useCallback(async () => {
    try {
      setOptions(await bridge.invoke('getMappingOptions'));
      setLoadError(null);
    } catch (error) {
      setLoadError(errorText(error));
    }
  }, [bridge]);

  const state = useSaveSettings(
    useCallback(
      (saved) => {
        markSaved(saved.stageMapping);
        void load();
      },
      [markSaved, load],
    ),
  );

  useEffect(() => {
    void load();
  }, [load]);

  if (loadError) {
    return (
      <div className="settings-form">
        <h2>Stage mapping</h2>
        <p className="form-error" role="alert">
          Could not load the stages: {loadError}
        </p>
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      </div>
    );
  }
  if (!options) return <p className="muted">Loading stages…</p>;

  // "Unmapped" is the core's verdict on the saved mapping: a stage leaves this list once its mapping is saved.
  const unmapped = options.smokeballStages.filter((s) => s.unmapped);
  const mapped = options.smokeballStages.filter((s) => !s.unmapped);

  const row = (stage: SmokeballStage) => (
    <StageRow key={stage.id} stage={stage} options={options} draft={draft} setDraft={setDraft} error={state.fieldErrors[`stageMapping.${stage.id}`]} />
  );

  return (
    <form
      className="settings-form"
      noValidate
      aria-labelledby="mapping-title"
      onSubmit={(e) => {
        e.preventDefault();
        void state.save({ stageMapping: draft });
      }}
    >
      <h2 id="mapping-title">Stage mapping</h2>
      <p className="hint">
        Each Smokeball stage becomes the Case Status stage chosen here. <strong>Same name</strong> uses the Case Status stage with the same name (ignoring
        case). Clients get a notification from Case Status on every stage change, so check these before the first sync.
      </p>
      {options.smokeballStages.length === 0 && <p className="muted">No Smokeball stages have been seen yet. They appear after the first sync reads them.</p>}
      {unmapped.length > 0 && (
        <section aria-labelledby="unmapped-title" className="mapping-group mapping-unmapped">
          <h3 id="unmapped-title">
            Not mapped <span className="badge badge-warn">{unmapped.length}</span>
          </h3>
          <p className="hint">Cases at these stages are not updated until the stage is mapped.</p>
          <ul className="mapping-list">{unmapped.map(row)}</ul>
        </section>
      )}
      {mapped.length > 0 && (
        <section aria-labelledby="mapped-title" className="mapping-group">
          <h3 id="mapped-title">Other stages</h3>
          <ul className="mapping-list">{mapped.map(row)}</ul>
        </section>
      )}
      <SaveBar state={state} dirty={dirty} onReset={reset} label="Save mapping" />
    </form>
  );
}

function StageRow(props: { stage: SmokeballStage; options: MappingOptions; draft: StageMapping; setDraft(next: StageMapping): void; error?: string }) {
  const { stage, options, draft, setDraft, error } = props;
  const id = `stage-${stage.id}`;
  const area = options.practiceAreas.find((a) => a.name === stage.practiceArea);
  const value = Object.hasOwn(draft, stage.id) ? (draft[stage.id] === null ? NONE : draft[stage.id]!) : AUTO;
  // A mapping saved earlier may name a stage the practice area no longer has: keep it visible rather than lose it.
  const areaStages = area?.stages ?? [];
  const stale = value !== AUTO && value !== NONE && area && !areaStages.includes(value) ? value : null;

  const onChange = (next: string) => {
    const copy = { ...draft };
    if (next === AUTO) delete copy[stage.id];
    else copy[stage.id] = next === NONE ? null : next;
    setDraft(copy);
  };

  return (
    <li className={`mapping-row${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        <span className="stage-name">{stage.name}</span>
        {stage.practiceArea && <span className="muted small">{stage.practiceArea}</span>}
      </label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={error ? `${id}-error` : undefined}
        aria-invalid={error ? true : undefined}
      >
        <option value={AUTO}>Same name{stage.unmapped && value === AUTO ? ' (no match)' : ''}</option>
        <option value={NONE}>No stage in Case Status</option>
        {area ? (
          <optgroup label={`${area.name} stages`}>
            {areaStages.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            {stale && <option value={stale}>{stale} (not in Case Status)</option>}
          </optgroup>
        ) : (
          options.practiceAreas.map((a) => (
            <optgroup key={a.name} label={`${a.name} stages`}>
              {a.stages.map((s) => (
                <option key={`${a.name}/${s}`} value={s}>
                  {s}
                </option>
              ))}
            </optgroup>
          ))
        )}
      </select>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </li>
  );
}
