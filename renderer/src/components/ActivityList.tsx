import { useState } from 'react';
import { useView } from '../app-context.js';
import { activityLabel, clockTime, fullTime } from '../format.js';
import { useOpenLink } from '../use-command.js';

const SHOWN = 12;

/** What the sync changed lately: cases, stages, memos and documents, each with a link to where it landed. */
export function ActivityList() {
  const view = useView();
  const openLink = useOpenLink();
  const [showAll, setShowAll] = useState(false);
  const entries = showAll ? view.activity : view.activity.slice(0, SHOWN);
  return (
    <section className="card" aria-labelledby="activity-title" id="activity">
      <h2 id="activity-title">Recent activity</h2>
      {view.activity.length === 0 ? (
        <p className="muted empty">No activity yet. Cases, stage changes, memos and documents appear here as they sync.</p>
      ) : (
        <ol className="activity-list" id="activity-list">
          {entries.map((entry) => (
            <li key={entry.id} className={`activity-item activity-${entry.kind}`}>
              <time dateTime={entry.at} title={fullTime(entry.at)}>
                {clockTime(entry.at)}
              </time>
              <span className="activity-kind">{activityLabel(entry.kind)}</span>
              <span className="activity-summary">
                {entry.summary}
                {entry.matterId && <span className="visually-hidden"> (matter {entry.matterId})</span>}
              </span>
              {entry.link && (
                <a
                  className="activity-link"
                  href={entry.link}
                  target="_blank"
                  rel="noopener noreferrer"
                  onClick={(e) => {
                    e.preventDefault();
                    void openLink(entry.link!);
                  }}
                >
                  Open<span className="visually-hidden">: {entry.summary}</span>
                </a>
              )}
            </li>
          ))}
        </ol>
      )}
      {view.activity.length > SHOWN && (
        <button type="button" className="link-button" aria-expanded={showAll} aria-controls="activity-list" onClick={() => setShowAll(!showAll)}>
          {showAll ? 'Show fewer' : `Show all ${view.activity.length}`}
        </button>
      )}
    </section>
  );
}
