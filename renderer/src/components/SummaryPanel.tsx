import { useApp, useView } from '../app-context.js';
import { clockTime, count, duration, fullTime, isRunning, relativeTime, runLabel } from '../format.js';
import { RunCounts } from './ProgressPanel.js';

/** When nothing is running: what the last sync did, and whether real-time updates are flowing. */
export function SummaryPanel() {
  const view = useView();
  const { now } = useApp();
  const { status } = view;
  const running = isRunning(status.phase);
  const lastRun = view.recentRuns.find((r) => r.finishedAt !== null);
  const firstCaseDelay = status.firstCaseAt && status.startedAt ? (Date.parse(status.firstCaseAt) - Date.parse(status.startedAt)) / 1000 : null;

  return (
    <section className="card" aria-labelledby="summary-title">
      <h2 id="summary-title">Sync</h2>
      {!running && (
        <>
          {lastRun ? (
            <p>
              {runLabel(lastRun.kind)} finished{' '}
              <time dateTime={lastRun.finishedAt ?? undefined} title={fullTime(lastRun.finishedAt)}>
                {relativeTime(lastRun.finishedAt, now)}
              </time>
              {lastRun.outcome && <> · {lastRun.outcome}</>}
              {firstCaseDelay !== null && firstCaseDelay >= 0 && !view.initialImportDone && (
                <> · first case visible in Case Status after {duration(firstCaseDelay)}</>
              )}
            </p>
          ) : (
            <p>No sync has finished yet.</p>
          )}
          {lastRun?.error && <p className="error-text">{lastRun.error}</p>}
          <RunCounts status={status} />
        </>
      )}
      <RealtimeLine />
      {view.recentRuns.length > 0 && (
        <details className="runs">
          <summary>Recent syncs</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Started</th>
                <th scope="col">Took</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {view.recentRuns.map((r) => (
                <tr key={r.id}>
                  <td>{runLabel(r.kind)}</td>
                  <td title={fullTime(r.startedAt)}>{clockTime(r.startedAt)}</td>
                  <td>{r.finishedAt ? duration((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000) : 'running'}</td>
                  <td>{r.error ?? r.outcome ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}

function RealtimeLine() {
  const view = useView();
  const { now } = useApp();
  const rt = view.realtime;
  const words = { live: 'Live', connecting: 'Connecting…', degraded: 'Degraded', off: 'Off' }[rt.state];
  const tone = { live: 'ok', connecting: 'busy', degraded: 'warn', off: 'muted' }[rt.state];
  return (
    <p className="realtime" id="realtime">
      <span className={`dot dot-${tone}`} aria-hidden="true" />
      <span>
        Real-time updates: <strong>{words}</strong>
        {rt.reason && <> ({rt.reason})</>}
        {rt.state === 'live' && rt.lastEventAt && (
          <>
            {' '}
            · last change {relativeTime(rt.lastEventAt, now)}, {count(rt.eventsApplied)} applied
          </>
        )}
        {rt.state !== 'live' && rt.state !== 'connecting' && !rt.reason && <> · changes still arrive with Sync now and the nightly reconcile</>}
      </span>
    </p>
  );
}
