import type { HeldChangeView } from '../../../src/contract/view.js';
import { useView } from '../app-context.js';
import { clockTime, fullTime } from '../format.js';
import { useCommand } from '../use-command.js';

const SHOWN = 50;

/**
 * Stage changes and closures held back before they text clients: by the hold (each goes out at its time) or by the
 * mass-change guard (they wait for a person). Each can be sent now, or applied without texting the client.
 */
export function HeldChangesList() {
  const view = useView();
  const { run, busy } = useCommand();
  const held = view.held ?? [];
  if (held.length === 0) return null;
  const waiting = held.filter((h) => h.reason === 'confirm').map((h) => h.matterId);
  return (
    <section className="card" aria-labelledby="held-title" id="held-changes">
      <h2 id="held-title">
        Held changes <span className="badge">{held.length}</span>
      </h2>
      <p className="hint">Not texted to clients yet. A stage put back in Smokeball before its time is never sent.</p>
      {waiting.length > 1 && (
        <p>
          <button type="button" disabled={busy !== null} onClick={() => void run('sendHeldChanges', { matterIds: waiting }, (r) => r.message, 'held-send-all')}>
            Send all {waiting.length} waiting
          </button>{' '}
          <button type="button" disabled={busy !== null} onClick={() => void run('skipHeldChanges', { matterIds: waiting }, (r) => r.message, 'held-skip-all')}>
            Don&apos;t send any
          </button>
        </p>
      )}
      <ol className="activity-list held-list">
        {held.slice(0, SHOWN).map((h) => (
          <li key={h.matterId} className="activity-item held-item">
            <span className="activity-summary">{describe(h)}</span>
            <span className="muted small">
              {h.releaseAt ? (
                <>
                  sends at{' '}
                  <time dateTime={h.releaseAt} title={fullTime(h.releaseAt)}>
                    {clockTime(h.releaseAt)}
                  </time>
                </>
              ) : (
                'waits for you'
              )}
            </span>
            <button
              type="button"
              disabled={busy !== null}
              onClick={() => void run('sendHeldChanges', { matterIds: [h.matterId] }, (r) => r.message, `held-send-${h.matterId}`)}
            >
              Send now<span className="visually-hidden">: {describe(h)}</span>
            </button>
            <button
              type="button"
              disabled={busy !== null}
              onClick={() => void run('skipHeldChanges', { matterIds: [h.matterId] }, (r) => r.message, `held-skip-${h.matterId}`)}
            >
              Don&apos;t send<span className="visually-hidden">: {describe(h)}</span>
            </button>
          </li>
        ))}
      </ol>
      {held.length > SHOWN && <p className="muted small">and {held.length - SHOWN} more</p>}
    </section>
  );
}

function describe(h: HeldChangeView): string {
  const matter = [h.matterNumber, h.matterTitle].filter(Boolean).join(' ') || h.matterId;
  return h.kind === 'close' ? `${matter}: close the case` : `${matter}: stage ${h.from ?? '(none)'} → ${h.to ?? '(none)'}`;
}
