import { NOT_SYNCED_LABELS, NOT_TEXTABLE_LABELS, type SyncPreview } from '../../../src/contract/preview.js';
import { toCsv } from '../csv.js';
import { downloadCsv } from '../download.js';
import { count, plural } from '../format.js';

const ACTION_LABELS = { create: 'Case to create', update: 'Case to update', unchanged: 'Unchanged', not_synced: 'Will not sync' } as const;
const REASON_LABELS: Record<string, string> = { ...NOT_SYNCED_LABELS, stage_not_mapped: 'Stage not mapped: case without a stage' };

/** Set-up step 6 and "Preview next sync": what the next sync would do, in numbers, with the lists behind them. */
export function PreviewResult({ preview }: { preview: SyncPreview }) {
  const p = preview;
  const notSyncedTotal = p.notSynced.reduce((n, g) => n + g.count, 0);
  const exportClients = () =>
    downloadCsv(
      'clients-case-status-cannot-text.csv',
      toCsv(
        ['Client', 'Why', 'Phone in Smokeball'],
        p.notTextableClients.map((c) => [c.name, NOT_TEXTABLE_LABELS[c.reason], c.phone]),
      ),
    );
  const exportAll = () =>
    downloadCsv(
      'sync-preview.csv',
      toCsv(
        ['Matter', 'Title', 'Matter type', 'Status', 'What happens', 'Why'],
        p.matters.map((m) => [m.number, m.title, m.matterType, m.status, ACTION_LABELS[m.action], m.reason ? (REASON_LABELS[m.reason] ?? m.reason) : '']),
      ),
    );
  return (
    <div className="preview-result">
      <p className="muted small">Preview of the {p.firstImport ? 'first import' : 'next full sync'}: nothing was written to Smokeball or Case Status.</p>
      <dl className="preview-numbers">
        <div>
          <dt>Cases to create</dt>
          <dd data-testid="preview-create">{count(p.cases.create)}</dd>
        </div>
        <div>
          <dt>Cases to update</dt>
          <dd>{count(p.cases.update)}</dd>
        </div>
        <div>
          <dt>Cases to close</dt>
          <dd>{count(p.cases.close)}</dd>
        </div>
        <div>
          <dt>Clients to create</dt>
          <dd data-testid="preview-clients">{count(p.clients.create)}</dd>
        </div>
        <div>
          <dt>Clients who will get a text</dt>
          <dd data-testid="preview-texted">{count(p.clientsTexted)}</dd>
        </div>
        <div>
          <dt>Matters that will not sync</dt>
          <dd>{count(notSyncedTotal)}</dd>
        </div>
      </dl>
      <p className="small">Case Status texts the client of every new case and of every stage change.</p>
      {p.cases.closeNeedsConfirmation && (
        <p className="error-text">Closing {plural(p.cases.close, 'case')} is more than the sync closes on its own: it will ask you to confirm first.</p>
      )}

      <h3>Clients Case Status cannot text ({count(p.notTextableClients.length)})</h3>
      <ul>
        {p.notTextable
          .filter((g) => g.count > 0)
          .map((g) => (
            <li key={g.reason}>
              {NOT_TEXTABLE_LABELS[g.reason]}: {count(g.count)}
            </li>
          ))}
      </ul>
      <div className="preview-tools">
        <button type="button" onClick={exportClients} disabled={p.notTextableClients.length === 0}>
          Export clients without a textable phone (CSV)
        </button>
        <button type="button" onClick={exportAll}>
          Export the full list (CSV)
        </button>
      </div>

      <h3>Matters that will not sync</h3>
      <ul>
        {p.notSynced
          .filter((g) => g.count > 0)
          .map((g) => (
            <li key={g.reason} data-testid={`not-synced-${g.reason}`}>
              {NOT_SYNCED_LABELS[g.reason]}: {count(g.count)}
              {g.detail && <span className="muted"> ({g.detail})</span>}
            </li>
          ))}
        {p.stageNotMapped > 0 && <li data-testid="not-synced-stage">Synced without a stage (stage not mapped): {count(p.stageNotMapped)}</li>}
      </ul>

      {p.closures.length > 0 && (
        <>
          <h3>Cases that would be closed ({count(p.closures.length)})</h3>
          <ul className="preview-list" aria-label="Cases that would be closed">
            {p.closures.map((c) => (
              <li key={c.matterId}>
                <strong>{c.number}</strong> {c.title}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
