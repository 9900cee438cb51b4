import { useApp } from '../app-context.js';

interface PublishedStatus {
  lastSyncAt?: string | null;
  attentionCount?: number;
  message?: string;
}

/**
 * On a standby install: which PC syncs for the firm and what it last reported, with the planned hand-over
 * button; while the first lease answer is awaited, that this install is finding out. Nothing on the host itself
 * (its own status is the rest of the window).
 */
export function SyncHostBanner() {
  const { view, bridge, notify, now } = useApp();
  const host = view?.syncHost;
  // During its own set-up an install is nobody's standby yet (the wizard is what the window shows).
  if (!host || host.role === 'host' || host.role === 'setup') return null;
  const published = (host.hostStatus ?? null) as PublishedStatus | null;
  const last = published?.lastSyncAt ? minutesAgo(now, published.lastSyncAt) : null;
  const makeHost = () =>
    bridge.invoke('makeSyncHost').then(
      (r) => notify(r.requested ? 'info' : 'error', r.message),
      (e: unknown) => notify('error', e instanceof Error ? e.message : String(e)),
    );
  return (
    <div className="banner banner-info" role="status" id="sync-host-banner">
      <strong>{host.message}</strong>
      {last !== null && <> · last sync {last}</>}
      {typeof published?.attentionCount === 'number' && published.attentionCount > 0 && <> · {published.attentionCount} need attention</>}
      {published?.message && <> · {published.message}</>} {/* While no answer about who syncs is in (a slow relay), there is nobody to hand over from. */}
      {host.role !== 'starting' && (
        <button type="button" className="link-button" onClick={() => void makeHost()}>
          Make this PC the sync host
        </button>
      )}
    </div>
  );
}

function minutesAgo(now: number, iso: string): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  return minutes === 0 ? 'just now' : `${minutes} min ago`;
}
