import { useState } from 'react';
import type { SyncPreview } from '../../../src/contract/preview.js';
import { useView } from '../app-context.js';
import { useCommand } from '../use-command.js';
import { PreviewResult } from './PreviewResult.js';
import { StageSuggestions } from './StageSuggestions.js';

/**
 * "Preview next sync": the dry run on demand, once set-up is done (reads Smokeball's list pages and Case Status,
 * writes nothing). The set-up wizard shows the same result as its step 6.
 */
export function PreviewPanel() {
  const view = useView();
  const { run, busy } = useCommand();
  const [preview, setPreview] = useState<SyncPreview | null>(null);
  const runPreview = () => void run('previewSync', undefined).then((r) => r && setPreview(r));
  const unavailable = view.setupProblem ?? (view.busy ? 'A sync is running: preview when it has finished.' : null);
  return (
    <section className="card" aria-labelledby="preview-title" id="preview">
      <h2 id="preview-title">Preview</h2>
      <p className="small">See what the next sync would do before it does it: nothing is written.</p>
      <button
        type="button"
        onClick={runPreview}
        disabled={busy !== null || unavailable !== null}
        aria-describedby={unavailable ? 'preview-unavailable' : undefined}
      >
        {busy ? 'Reading Smokeball…' : 'Preview next sync'}
      </button>
      {unavailable && (
        <p className="muted small" id="preview-unavailable">
          {unavailable}
        </p>
      )}
      {preview && (
        <>
          <PreviewResult preview={preview} />
          <details className="runs">
            <summary>Matter types and stages ({preview.stages.filter((s) => s.unmapped).length} stages not mapped)</summary>
            <StageSuggestions preview={preview} onSaved={runPreview} />
          </details>
        </>
      )}
    </section>
  );
}
