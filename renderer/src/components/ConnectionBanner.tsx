import type { ConnectionState } from '../bridge.js';

/** Says plainly when the window has lost the sync service, instead of showing a stale "Up to date". */
export function ConnectionBanner({ connection, hasView }: { connection: ConnectionState; hasView: boolean }) {
  if (connection.kind === 'open') return null;
  if (connection.kind === 'unauthorised') {
    return (
      <div className="banner banner-bad" role="alert" id="connection-banner">
        <strong>Not authorised.</strong> This page's access token was refused by the sync service. Open the address that
        <code> case-status-sync serve </code> printed (it includes the token) to connect again.
      </div>
    );
  }
  if (connection.kind === 'connecting' && !hasView) {
    return (
      <div className="banner banner-info" role="status" id="connection-banner">
        Connecting to the sync service…
      </div>
    );
  }
  if (connection.kind === 'connecting') return null;
  return (
    <div className="banner banner-bad" role="alert" id="connection-banner">
      <strong>Disconnected from the sync service.</strong> Reconnecting in {connection.retryInSeconds} s. What you see below may be out of date.
    </div>
  );
}
