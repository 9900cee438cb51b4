import { useState, type ReactNode } from 'react';
import type { AttentionKind, AttentionView } from '../../../src/contract/view.js';
import { useApp, useView } from '../app-context.js';
import { attentionTitle, fullTime, plural, relativeTime } from '../format.js';
import { useCommand } from '../use-command.js';
import { ConfirmDialog } from './ConfirmDialog.js';

/**
 * Everything the sync could not do on its own, kept until someone acts on it: never a message that flashes and goes.
 */
export function AttentionList({ onMapStages }: { onMapStages(): void }) {
  const view = useView();
  const [confirming, setConfirming] = useState<AttentionView | null>(null);
  const { run, busy } = useCommand();

  return (
    <section className="card" aria-labelledby="attention-title" id="attention">
      <h2 id="attention-title">
        Needs attention {view.attention.length > 0 && <span className="badge badge-warn">{view.attention.length}</span>}
      </h2>
      {view.attention.length === 0 ? (
        <p className="muted empty">Nothing needs attention.</p>
      ) : (
        groupByKind(view.attention).map(([kind, items]) => (
          <AttentionGroup key={kind} kind={kind} items={items}>
            {(item: AttentionView) => (
              <AttentionItem
                key={item.id}
                item={item}
                showTitle={items.length === 1}
                busy={busy}
                onRetry={() => void run('retryAttention', { id: item.id }, (r) => r.message, `retry-${item.id}`)}
                onDismiss={() => void run('dismissAttention', { id: item.id }, (r) => (r.dismissed ? 'Dismissed.' : 'Already gone.'), `dismiss-${item.id}`)}
                onConfirm={() => setConfirming(item)}
                onMapStages={onMapStages}
              />
            )}
          </AttentionGroup>
        ))
      )}
      <ConfirmDialog
        open={confirming !== null}
        title="Close these cases in Case Status?"
        confirmLabel="Yes, close them"
        danger
        onClose={() => setConfirming(null)}
        onConfirm={() => {
          const item = confirming;
          setConfirming(null);
          if (item) void run('confirmAttention', { id: item.id }, (r) => r.message, `confirm-${item.id}`);
        }}
      >
        <p>{confirming?.reason}</p>
        <p>Clients of these cases will no longer see them as open. Only confirm if the matters really were closed in Smokeball.</p>
      </ConfirmDialog>
    </section>
  );
}

/** Most urgent first: what stops syncing altogether, then what stops a case, then what only limits one. */
const KIND_ORDER: AttentionKind[] = ['disk_full', 'storage_unwritable', 'auth_required', 'sign_in_lapsing', 'sync_failed', 'mass_closure_blocked', 'unmapped_stage', 'unmapped_practice_area', 'matter_failed', 'message_failed', 'document_failed', 'writeback_waiting', 'realtime_off', 'client_without_cell_phone'];

function groupByKind(items: AttentionView[]): Array<[AttentionKind, AttentionView[]]> {
  const groups = new Map<AttentionKind, AttentionView[]>();
  for (const item of items) groups.set(item.kind, [...(groups.get(item.kind) ?? []), item]);
  const rank = (kind: AttentionKind) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length - 1);
  return [...groups.entries()].sort(([a], [b]) => rank(a) - rank(b));
}

/** Items shown per kind before "Show all": a firm with many clients lacking a cell number must not bury a sign-in problem. */
const SHOWN_PER_KIND = 3;

function AttentionGroup({ kind, items, children }: { kind: AttentionKind; items: AttentionView[]; children(item: AttentionView): ReactNode }) {
  const [expanded, setExpanded] = useState(false);
  const listId = `attention-group-${kind}`;
  const shown = expanded ? items : items.slice(0, SHOWN_PER_KIND);
  return (
    <div className="attention-group">
      {items.length > 1 && (
        <h3 className="attention-group-title">
          {attentionTitle(kind)} <span className="badge badge-muted">{items.length}</span>
        </h3>
      )}
      <ul className="attention-list" id={listId}>
        {shown.map(children)}
      </ul>
      {items.length > SHOWN_PER_KIND && (
        <button type="button" className="link-button" aria-expanded={expanded} aria-controls={listId} onClick={() => setExpanded(!expanded)}>
          {expanded ? 'Show fewer' : `Show all ${items.length}`}
        </button>
      )}
    </div>
  );
}

function AttentionItem(props: {
  item: AttentionView;
  /** Off inside a group, whose heading already names the kind. */
  showTitle: boolean;
  busy: string | null;
  onRetry(): void;
  onDismiss(): void;
  onConfirm(): void;
  onMapStages(): void;
}) {
  const { item, showTitle, busy, onRetry, onDismiss, onConfirm, onMapStages } = props;
  const { now } = useApp();
  const titleId = `attention-${item.id}-reason`;
  return (
    <li className="attention-item">
      <div className="attention-text">
        {showTitle && <h3>{attentionTitle(item.kind)}</h3>}
        <p className="reason" id={titleId}>
          {item.reason}
        </p>
        <p className="muted small">
          First seen <time dateTime={item.firstSeen} title={fullTime(item.firstSeen)}>{relativeTime(item.firstSeen, now)}</time>
          {item.occurrences > 1 && (
            <>
              {' '}
              · seen {plural(item.occurrences, 'time')}, last{' '}
              <time dateTime={item.lastSeen} title={fullTime(item.lastSeen)}>{relativeTime(item.lastSeen, now)}</time>
            </>
          )}
        </p>
      </div>
      <div className="attention-actions">
        {item.kind === 'unmapped_stage' && (
          <button type="button" onClick={onMapStages}>
            Map stage…
          </button>
        )}
        {item.retryable && (
          <button type="button" className="primary" onClick={onRetry} disabled={busy === `retry-${item.id}`} aria-describedby={titleId}>
            {busy === `retry-${item.id}` ? 'Retrying…' : 'Retry'}
          </button>
        )}
        {item.confirmable && (
          <button type="button" className="danger" onClick={onConfirm} aria-describedby={titleId}>
            Confirm…
          </button>
        )}
        {item.dismissable && (
          <button type="button" onClick={onDismiss} disabled={busy === `dismiss-${item.id}`} aria-describedby={titleId}>
            Dismiss
          </button>
        )}
      </div>
    </li>
  );
}
