import { useRef, useState, type FormEvent } from 'react';
import { describeHistoryEntry, historyCauseLabel, type HistoryMatterView, type HistoryTimelineView } from '../../../src/contract/history.js';
import { errorText, useApp } from '../app-context.js';
import { fullTime } from '../format.js';
import { useOpenLink } from '../use-command.js';

const MATCHED_ON: Record<HistoryMatterView['matchedOn'], string> = { number: 'matter number', title: 'title', client: 'client name', id: 'matter id' };

function matterName(m: HistoryMatterView): string {
  return [m.matterNumber, m.title].filter(Boolean).join(' ') || m.matterId;
}

/**
 * "What did the app do for this matter?": search by matter number, title or client name, pick a match, read its
 * timeline (newest first) with the cause of each step and links to the case and the matter.
 */
export function HistoryPage() {
  const { bridge } = useApp();
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<HistoryMatterView[] | null>(null);
  const [timeline, setTimeline] = useState<HistoryTimelineView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const timelineRef = useRef<HTMLHeadingElement>(null);

  const open = async (matterId: string) => {
    setBusy(true);
    setError(null);
    try {
      setTimeline(await bridge.invoke('historyMatter', { matterId }));
      // Land on the timeline's heading, so a keyboard or screen-reader user hears which matter opened.
      requestAnimationFrame(() => timelineRef.current?.focus());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const search = async (e: FormEvent) => {
    e.preventDefault();
    if (query.trim() === '') {
      setError('Type a matter number, title or client name.');
      return;
    }
    setBusy(true);
    setError(null);
    setTimeline(null);
    try {
      const found = await bridge.invoke('historySearch', { query });
      setMatches(found);
      if (found.length === 1) await open(found[0]!.matterId);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Matter history</h1>
      <section className="card" aria-labelledby="history-search-title">
        <h2 id="history-search-title">Find a matter</h2>
        <form role="search" onSubmit={(e) => void search(e)}>
          <label htmlFor="history-query">Matter number, title or client name</label>{' '}
          <input id="history-query" type="search" value={query} maxLength={200} onChange={(e) => setQuery(e.target.value)} />{' '}
          <button type="submit" disabled={busy}>
            Search
          </button>
        </form>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        {/* Always present, so screen readers announce each search's count when it changes. */}
        <div role="status">
          {matches !== null &&
            (matches.length === 0 ? (
              <p className="muted">No synced matter matches that.</p>
            ) : (
              <p className="muted small">
                {matches.length === 1 ? '1 matter matches.' : `${matches.length}${matches.length === 50 ? '+' : ''} matters match; choose one.`}
              </p>
            ))}
        </div>
        {matches !== null && matches.length > 1 && (
          <ul className="history-matches" aria-label="Matching matters">
            {matches.map((m) => (
              <li key={m.matterId}>
                <button type="button" className="link-button" aria-pressed={timeline?.matter.matterId === m.matterId} onClick={() => void open(m.matterId)}>
                  {matterName(m)}
                </button>
                {m.clientNames.length > 0 && <span className="muted"> — {m.clientNames.join(', ')}</span>}
                <span className="muted small"> (matched on {MATCHED_ON[m.matchedOn]})</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {timeline && <Timeline timeline={timeline} headingRef={timelineRef} />}
    </>
  );
}

function Timeline({ timeline, headingRef }: { timeline: HistoryTimelineView; headingRef: React.RefObject<HTMLHeadingElement | null> }) {
  const openLink = useOpenLink();
  const { matter, entries } = timeline;
  return (
    <section className="card" aria-labelledby="history-timeline-title" id="history-timeline">
      <h2 id="history-timeline-title" ref={headingRef} tabIndex={-1}>
        History of {matterName(matter)}
      </h2>
      <dl className="history-facts">
        {matter.clientNames.length > 0 && (
          <>
            <dt>Clients</dt>
            <dd>{matter.clientNames.join(', ')}</dd>
          </>
        )}
        <dt>Case in Case Status</dt>
        <dd>
          {matter.caseUrl ? (
            <a
              href={matter.caseUrl}
              target="_blank"
              rel="noopener noreferrer"
              onClick={(e) => {
                e.preventDefault();
                void openLink(matter.caseUrl!);
              }}
            >
              Open the case<span className="visually-hidden"> of {matterName(matter)}</span>
            </a>
          ) : (
            matter.caseId
          )}
          {matter.status === 'Closed' && ' (closed)'}
        </dd>
        <dt>Matter in Smokeball</dt>
        <dd>
          {matter.matterNumber ?? '(no number)'} <span className="muted small">id {matter.matterId}</span>
        </dd>
      </dl>
      {entries.length === 0 ? (
        <p className="muted empty">Nothing recorded for this matter yet.</p>
      ) : (
        <ol className="activity-list history-list" aria-label={`What the app did for ${matterName(matter)}, newest first`}>
          {entries.map((e) => (
            <li key={e.id} className={`activity-item history-item history-${e.kind}`}>
              <time dateTime={e.at}>{fullTime(e.at)}</time>
              <span className="activity-summary">{describeHistoryEntry(e)}</span>
              <span className="muted small history-cause">
                {[historyCauseLabel(e.cause), e.runId !== null ? `run #${e.runId}` : '', e.source ? `Smokeball change ${e.source}` : '']
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </li>
          ))}
        </ol>
      )}
      <p className="muted small">Entries are kept {timeline.retentionDays} days (Settings); a very busy matter keeps its newest 500.</p>
    </section>
  );
}
