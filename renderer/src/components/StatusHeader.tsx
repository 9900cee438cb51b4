import { useView, useApp } from '../app-context.js';
import { clockTime, dotTone, fullTime, headline, plural, relativeTime } from '../format.js';
import { useCommand } from '../use-command.js';

const PAUSE_MINUTES = 30;

/** The first thing staff see: what the sync is doing in words, when it last finished, and the two controls. */
export function StatusHeader() {
  const view = useView();
  const { now, connection } = useApp();
  // Without the service, the last view is history: never show it as the current state.
  const connected = connection.kind === 'open';
  const { run, busy } = useCommand();
  const { status } = view;
  // Until the set-up's import is started nothing may run: the button says why instead of failing when pressed.
  const blocked = view.setup.blockedReason;
  const paused = view.pausedUntil !== null && Date.parse(view.pausedUntil) > now - 60_000;

  // aria-disabled rather than disabled while a command is in flight: a disabled button loses keyboard focus.
  const guarded = (action: () => unknown) => () => {
    if (busy === null && connected) void action();
  };
  const syncNow = () => run('syncNow', {}, (r) => (r.started ? 'Sync started.' : `Sync not started: ${r.reason ?? 'it is already running'}.`));
  const pause = () => run('pause', { minutes: PAUSE_MINUTES }, (r) => `Sync paused until ${clockTime(r.pausedUntil)}.`);
  const resume = () => run('resume', {}, (r) => (r.resumed ? 'Sync resumed.' : 'Sync was not paused.'));

  return (
    <section className="status-header" aria-labelledby="status-headline">
      <div className="status-text">
        <p className="status-line">
          <span className={`dot dot-${connected ? dotTone(view.tray.state) : 'muted'}`} aria-hidden="true" />
          <span id="status-headline" className="status-headline" aria-live="polite">
            {connected ? headline(view) : 'Not connected to the sync service'}
          </span>
          {view.attention.length > 0 && <span className="badge badge-warn">{plural(view.attention.length, 'item needs', 'items need')} attention</span>}
        </p>
        <p className="status-detail">
          {/* The set-up's own steps say what is missing: the engine's "not set up" message would only repeat it. */}
          {!blocked && status.message && status.message.toLowerCase() !== headline(view).toLowerCase() && <span>{status.message}</span>}
          {status.lastSyncAt ? (
            <span>
              Last synced{' '}
              <time dateTime={status.lastSyncAt} title={fullTime(status.lastSyncAt)}>
                {relativeTime(status.lastSyncAt, now)}
              </time>
            </span>
          ) : (
            <span>Never synced</span>
          )}
          {paused && view.pausedUntil && <span>Paused until {clockTime(view.pausedUntil)}</span>}
          {!paused && view.nextNightlyAt && <span>Nightly reconcile {clockTime(view.nextNightlyAt)}</span>}
        </p>
      </div>
      <div className="status-actions">
        <button
          type="button"
          className="primary"
          onClick={guarded(syncNow)}
          disabled={blocked !== null}
          aria-disabled={busy !== null || !connected}
          aria-describedby={blocked ? 'sync-blocked' : 'status-headline'}
        >
          {busy === 'syncNow' ? 'Starting…' : 'Sync now'}
        </button>
        {blocked && (
          <span id="sync-blocked" className="muted small sync-blocked">
            {blocked}
          </span>
        )}
        {paused ? (
          <button type="button" onClick={guarded(resume)} aria-disabled={busy !== null || !connected}>
            Resume
          </button>
        ) : (
          <button type="button" onClick={guarded(pause)} aria-disabled={busy !== null || !connected}>
            Pause {PAUSE_MINUTES} min
          </button>
        )}
      </div>
    </section>
  );
}
