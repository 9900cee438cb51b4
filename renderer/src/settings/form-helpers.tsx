import { useCallback, useEffect, useRef, useState } from 'react';
import type { Settings, SettingsPatch } from '../../../src/contract/settings.js';
import { errorText, useApp } from '../app-context.js';
import { splitValidationError } from './validation.js';

/**
 * A form's copy of one settings section. Pushed views replace it only while the user has not changed anything, so a
 * sync finishing in the background never wipes what someone is typing.
 */
export function useDraft<T>(source: T): { draft: T; setDraft(next: T): void; dirty: boolean; reset(): void; markSaved(saved: T): void } {
  const [draft, setDraftState] = useState(source);
  const [dirty, setDirty] = useState(false);
  const sourceJson = JSON.stringify(source);
  const lastSource = useRef(sourceJson);
  useEffect(() => {
    if (sourceJson !== lastSource.current) {
      lastSource.current = sourceJson;
      if (!dirty) setDraftState(JSON.parse(sourceJson) as T);
    }
  }, [sourceJson, dirty]);
  const setDraft = useCallback((next: T) => {
    setDraftState(next);
    setDirty(true);
  }, []);
  const reset = useCallback(() => {
    setDraftState(JSON.parse(lastSource.current) as T);
    setDirty(false);
  }, []);
  const markSaved = useCallback((saved: T) => {
    setDraftState(saved);
    setDirty(false);
  }, []);
  return { draft, setDraft, dirty, reset, markSaved };
}

export interface SaveState {
  saving: boolean;
  /** Field path (e.g. "connections.smokeballApiUrl") → the core's message. */
  fieldErrors: Record<string, string>;
  formError: string | null;
  savedAt: number | null;
}

/**
 * Saves a settings patch through the core, which validates it. Its error ("Invalid input for updateSettings:
 * connections.smokeballApiUrl: Use an http(s) address; …") is split back onto the fields it names.
 */
export function useSaveSettings(onSaved: (saved: Settings) => void) {
  const { bridge } = useApp();
  const [state, setState] = useState<SaveState>({ saving: false, fieldErrors: {}, formError: null, savedAt: null });
  const save = useCallback(
    async (patch: SettingsPatch): Promise<Settings | null> => {
      setState((s) => ({ ...s, saving: true }));
      try {
        const saved = await bridge.invoke('updateSettings', patch);
        setState({ saving: false, fieldErrors: {}, formError: null, savedAt: Date.now() });
        onSaved(saved);
        return saved;
      } catch (error) {
        const { fieldErrors, rest } = splitValidationError(errorText(error));
        setState({ saving: false, fieldErrors, formError: rest, savedAt: null });
        return null;
      }
    },
    [bridge, onSaved],
  );
  return { ...state, save };
}

/** A labelled text-like input with its error tied to it for screen readers. */
export function Field(props: {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  error?: string;
  hint?: string;
  type?: 'text' | 'url' | 'number' | 'time' | 'password';
  inputMode?: 'decimal' | 'numeric' | 'url';
  autoComplete?: string;
  step?: string;
}) {
  const { id, label, value, onChange, error, hint, type = 'text', inputMode, autoComplete = 'off', step } = props;
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={id}
        type={type}
        inputMode={inputMode}
        value={value}
        step={step}
        autoComplete={autoComplete}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** Save button plus the form-level outcome ("Saved", or the core's message). */
export function SaveBar({ state, dirty, onReset, label = 'Save' }: { state: SaveState; dirty: boolean; onReset(): void; label?: string }) {
  return (
    <div className="save-bar">
      <button type="submit" className="primary" disabled={state.saving}>
        {state.saving ? 'Saving…' : label}
      </button>
      {dirty && (
        <button type="button" onClick={onReset} disabled={state.saving}>
          Undo changes
        </button>
      )}
      <span className="save-outcome" role="status">
        {!dirty && state.savedAt !== null && !state.formError && 'Saved.'}
      </span>
      {state.formError && (
        <p className="form-error" role="alert">
          {state.formError}
        </p>
      )}
    </div>
  );
}
