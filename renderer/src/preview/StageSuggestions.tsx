import { useState } from 'react';
import type { SyncPreview } from '../../../src/contract/preview.js';
import { count } from '../format.js';
import { useCommand } from '../use-command.js';

/**
 * Set-up steps 4–5 from the preview's data: each matter type with its matters and practice area, and every Smokeball
 * stage in use with its matters and a suggested Case Status stage, unmapped first. "Use these" saves the suggestions
 * for what is unmapped (the settings' stage mapping and practice-area mapping; nothing else changes).
 */
export function StageSuggestions({ preview, onSaved }: { preview: SyncPreview; onSaved?(): void }) {
  const { run, busy } = useCommand();
  const [saved, setSaved] = useState(false);
  const stages = preview.stages.filter((s) => s.unmapped && s.suggested);
  const types = preview.matterTypes.filter((t) => t.practiceArea === null && t.suggested);
  const save = async () => {
    const stageMapping = Object.fromEntries(stages.map((s) => [s.id, s.suggested]));
    const practiceAreaMapping = Object.fromEntries(types.map((t) => [t.name, t.suggested as string]));
    const r = await run('updateSettings', { stageMapping: { ...stageMapping }, practiceAreaMapping }, () => 'Saved. The next sync uses these.');
    if (r) {
      setSaved(true);
      onSaved?.();
    }
  };
  return (
    <div className="stage-suggestions">
      <h3>Matter types</h3>
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
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>{count(t.matters)}</td>
              <td>{t.practiceArea ?? (t.suggested ? `Not mapped — suggested: ${t.suggested}` : 'Not mapped')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Stages in use</h3>
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
          {preview.stages.map((s) => (
            <tr key={`${s.id}-${s.practiceArea}`} className={s.unmapped ? 'mapping-unmapped-row' : undefined}>
              <td>{s.name}</td>
              <td>{s.practiceArea}</td>
              <td>{count(s.matters)}</td>
              <td>
                {s.unmapped
                  ? s.suggested
                    ? `Not mapped — suggested: ${s.suggested}`
                    : 'Not mapped: choose one in Settings → Stage mapping'
                  : (s.mappedTo ?? 'No stage')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {(stages.length > 0 || types.length > 0) && (
        <button type="button" className="primary" onClick={() => void save()} disabled={busy !== null || saved}>
          {saved ? 'Suggestions saved' : 'Use the suggestions'}
        </button>
      )}
    </div>
  );
}
