import type { ResourceProgressView, SyncStatusView } from '../../../src/contract/view.js';
import { useView } from '../app-context.js';
import { budgetText, count, etaText, isRunning, runLabel } from '../format.js';

const RESOURCES: Array<{ key: keyof SyncStatusView['progress']; label: string }> = [
  { key: 'matters', label: 'Matters' },
  { key: 'contacts', label: 'Clients' },
  { key: 'stages', label: 'Stages' },
  { key: 'cases', label: 'Cases in Case Status' },
];

/** Per-resource progress of the sync that is running, with the measured rate and (once it is known) the time left. */
export function ProgressPanel() {
  const view = useView();
  const { status } = view;
  if (!isRunning(status.phase)) return null;
  const eta = etaText(status.etaSeconds);
  const title = view.initialImportDone ? runLabel(status.runKind ?? 'incremental') : 'First sync';

  return (
    <section className="card" aria-labelledby="progress-title">
      <div className="card-head">
        <h2 id="progress-title">{title} in progress</h2>
        <p className="muted rate">
          <span>{status.requestsPerSecond.toFixed(1)} requests/s to Smokeball</span>
          {view.smokeballBudget && <span className="budget">{budgetText(view.smokeballBudget)}</span>}
          {eta && <span className="eta">{eta}</span>}
        </p>
      </div>
      <ul className="progress-list">
        {/* A resource the engine does not report on in this run is left out rather than shown stuck at zero. */}
        {RESOURCES.filter(({ key }) => key !== 'cases' || status.progress.cases.total !== null || status.progress.cases.done > 0).map(({ key, label }) => (
          <ProgressRow key={key} id={`progress-${key}`} label={label} progress={status.progress[key]} />
        ))}
      </ul>
      <p className="muted small">
        {count(status.smokeballRequests)} Smokeball requests so far
        {status.throttled > 0 && <> · Smokeball asked us to slow down {count(status.throttled)} times (handled automatically)</>}
      </p>
      <RunCounts status={status} />
    </section>
  );
}

function ProgressRow({ id, label, progress }: { id: string; label: string; progress: ResourceProgressView }) {
  const { done, total } = progress;
  const known = total !== null && total > 0;
  const percent = known ? Math.min(100, Math.round((done / total) * 100)) : 0;
  const text = total === null ? `${count(done)} so far` : `${count(done)} of ${count(total)}`;
  return (
    <li className="progress-row">
      <span className="progress-label" id={`${id}-label`}>
        {label}
      </span>
      <div
        className={`bar${known ? '' : ' bar-indeterminate'}`}
        role="progressbar"
        aria-labelledby={`${id}-label`}
        aria-valuemin={0}
        aria-valuemax={known ? total : undefined}
        aria-valuenow={known ? done : undefined}
        aria-valuetext={text}
      >
        <div className="bar-fill" style={{ width: known ? `${percent}%` : undefined }} />
      </div>
      <span className="progress-count">{text}</span>
    </li>
  );
}

export function RunCounts({ status }: { status: SyncStatusView }) {
  const c = status.counts;
  const items: Array<[string, number, string?]> = [
    ['created', c.casesCreated],
    ['updated', c.casesUpdated],
    ['closed', c.casesClosed],
    ['unchanged', c.casesUnchanged],
    ['clients written', c.clientsWritten],
    ['failed', c.failed, c.failed > 0 ? 'count-bad' : undefined],
  ];
  return (
    <dl className="counts" aria-label="Cases in this sync">
      {items.map(([label, value, tone]) => (
        <div key={label} className={tone}>
          <dt>{label}</dt>
          <dd>{count(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
