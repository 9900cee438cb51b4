import { useEffect, useMemo, useState } from 'react';
import type { AttentionGroupView, AttentionView } from '../../../src/contract/view.js';
import { errorText, useApp, useView } from '../app-context.js';
import { toCsv } from '../csv.js';
import { downloadCsv } from '../download.js';
import { attentionTitle, count, fullTime, plural, relativeTime } from '../format.js';
import { useCommand } from '../use-command.js';
import { ConfirmDialog } from './ConfirmDialog.js';

/**
 * Everything the sync could not do on its own, kept until someone acts on it: one row per kind with its count, the
 * kinds that need a decision first, so 199 clients that cannot be texted never bury the one stage to map. Retry and
 * Dismiss act on the whole kind; the items are behind "Show all", with search and a CSV export.
 */
export function AttentionList({ onMapStages }: { onMapStages(): void }) {
  const view = useView();
  const [confirming, setConfirming] = useState<AttentionView | null>(null);
  const { run, busy } = useCommand();
  const total = view.attentionGroups.reduce((n, g) => n + g.count, 0);

  return (
    <section className="card" aria-labelledby="attention-title" id="attention">
      <h2 id="attention-title">Needs attention {total > 0 && <span className="badge badge-warn">{count(total)}</span>}</h2>
      {view.attentionGroups.length === 0 ? (
        <p className="muted empty">Nothing needs attention.</p>
      ) : (
        <ul className="attention-list">
          {view.attentionGroups.map((group) => (
            <AttentionGroupRow
              key={group.kind}
              group={group}
              busy={busy}
              onRetry={() => void run('retryAttentionGroup', { kind: group.kind }, (r) => r.message, `retry-${group.kind}`)}
              onDismiss={() =>
                void run(
                  'dismissAttentionGroup',
                  { kind: group.kind },
                  (r) => (r.dismissed > 0 ? `Dismissed ${plural(r.dismissed, 'item')}.` : 'Already gone.'),
                  `dismiss-${group.kind}`,
                )
              }
              onConfirm={() => setConfirming(group.first)}
              onMapStages={onMapStages}
            />
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming?.kind === 'mass_change_held' ? 'Text these clients now?' : 'Close these cases in Case Status?'}
        confirmLabel={confirming?.kind === 'mass_change_held' ? 'Yes, send them' : 'Yes, close them'}
        danger
        onClose={() => setConfirming(null)}
        onConfirm={() => {
          const item = confirming;
          setConfirming(null);
          if (item) void run('confirmAttention', { id: item.id }, (r) => r.message, `confirm-${item.id}`);
        }}
      >
        <p>{confirming?.reason}</p>
        {confirming?.closureCases && confirming.closureCases.length > 0 && (
          <ul className="closure-list" aria-label="Cases that would be closed">
            {confirming.closureCases.map((c, i) => (
              <li key={`${c.number}-${i}`}>
                <strong>{c.number}</strong> {c.title}
              </li>
            ))}
          </ul>
        )}
        {confirming?.kind === 'mass_change_held' ? (
          <p>Each client gets a text and a survey. To apply them without texting, use Don&apos;t send under Held changes.</p>
        ) : (
          <p>Clients of these cases will no longer see them as open. Only confirm if the matters really were closed in Smokeball.</p>
        )}
      </ConfirmDialog>
    </section>
  );
}

function AttentionGroupRow(props: {
  group: AttentionGroupView;
  busy: string | null;
  onRetry(): void;
  onDismiss(): void;
  onConfirm(): void;
  onMapStages(): void;
}) {
  const { group, busy, onRetry, onDismiss, onConfirm, onMapStages } = props;
  const { now } = useApp();
  const [expanded, setExpanded] = useState(false);
  const many = group.count > 1;
  const reasonId = `attention-${group.kind}-reason`;
  const listId = `attention-items-${group.kind}`;
  return (
    <li className={`attention-item${group.needsDecision ? ' attention-decision' : ''}`} data-kind={group.kind}>
      <div className="attention-text">
        <h3>
          {attentionTitle(group.kind)} {many && <span className="badge badge-muted">{count(group.count)}</span>}
          {group.needsDecision && <span className="visually-hidden"> (needs a decision)</span>}
        </h3>
        <p className="reason" id={reasonId}>
          {many ? `${group.first.reason} — and ${plural(group.count - 1, 'more')}` : group.first.reason}
        </p>
        {!many && (
          <p className="muted small">
            First seen{' '}
            <time dateTime={group.first.firstSeen} title={fullTime(group.first.firstSeen)}>
              {relativeTime(group.first.firstSeen, now)}
            </time>
            {group.first.occurrences > 1 && <> · seen {plural(group.first.occurrences, 'time')}</>}
          </p>
        )}
      </div>
      <div className="attention-actions">
        {group.kind === 'unmapped_stage' && (
          <button type="button" onClick={onMapStages}>
            Map stage…
          </button>
        )}
        {group.retryable && (
          <button type="button" className="primary" onClick={onRetry} disabled={busy === `retry-${group.kind}`} aria-describedby={reasonId}>
            {busy === `retry-${group.kind}` ? 'Retrying…' : many ? 'Retry all' : 'Retry'}
          </button>
        )}
        {group.confirmable && (
          <button type="button" className="danger" onClick={onConfirm} aria-describedby={reasonId}>
            Confirm…
          </button>
        )}
        {group.dismissable && (
          <button type="button" onClick={onDismiss} disabled={busy === `dismiss-${group.kind}`} aria-describedby={reasonId}>
            {many ? 'Dismiss all' : 'Dismiss'}
          </button>
        )}
        {many && (
          <button type="button" className="link-button" aria-expanded={expanded} aria-controls={listId} onClick={() => setExpanded(!expanded)}>
            {expanded ? 'Hide list' : `Show all ${count(group.count)}`}
          </button>
        )}
      </div>
      {expanded && <AttentionItems group={group} id={listId} />}
    </li>
  );
}

/** The whole list behind a group row, read when opened: search by any word of the reason, export as CSV. */
function AttentionItems({ group, id }: { group: AttentionGroupView; id: string }) {
  const { bridge } = useApp();
  const [items, setItems] = useState<AttentionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const kind = group.kind;
  useEffect(() => {
    let current = true;
    bridge.invoke('attentionItems', { kind }).then(
      (list) => current && setItems(list),
      (e: unknown) => current && setError(errorText(e)),
    );
    return () => {
      current = false;
    };
  }, [bridge, kind]);
  const shown = useMemo(() => {
    const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    return (items ?? []).filter((i) => words.every((w) => `${i.reason} ${i.subjectId}`.toLocaleLowerCase().includes(w)));
  }, [items, query]);
  const exportCsv = () => {
    const csv = toCsv(
      ['Kind', 'Reason', 'Subject', 'First seen', 'Last seen', 'Times seen'],
      shown.map((i) => [attentionTitle(i.kind), i.reason, i.subjectId, i.firstSeen, i.lastSeen, i.occurrences]),
    );
    downloadCsv(`needs-attention-${group.kind}.csv`, csv);
  };
  return (
    <div className="attention-items" id={id}>
      {error && <p className="error">{error}</p>}
      {items === null && !error && <p className="muted small">Loading…</p>}
      {items !== null && (
        <>
          <div className="attention-items-tools">
            <label>
              Search <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
            </label>
            <button type="button" onClick={exportCsv} disabled={shown.length === 0}>
              Export CSV
            </button>
            <span className="muted small" aria-live="polite">
              {shown.length === items.length ? plural(items.length, 'item') : `${count(shown.length)} of ${count(items.length)}`}
            </span>
          </div>
          <ul className="attention-items-list">
            {shown.map((i) => (
              <li key={i.id}>{i.reason}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
