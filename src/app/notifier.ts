import type { AppView } from '../contract/view.js';
import type { AppNotification } from './ports.js';
import { isBlockingAttention } from './tray-state.js';

/**
 * Decides which native notifications to show from successive views. Staff should hear about problems that need
 * them, once, not about every sync: new blocking attention items at most once per `minIntervalMs`, a sign-in
 * request once until signed in again, and (level "all") the end of the initial import and failed runs.
 */
export class Notifier {
  private lastAttentionAt = -Infinity;
  private known = new Set<number>();
  private signInAnnounced = false;
  private importAnnounced = false;
  private lastFailedRun: string | null = null;

  constructor(private readonly minIntervalMs = 10 * 60_000, private readonly now: () => number = Date.now) {}

  next(view: AppView): AppNotification[] {
    const level = view.settings.notifications;
    const out: AppNotification[] = [];
    const blocking = view.attention.filter((a) => isBlockingAttention(a.kind));
    const fresh = blocking.filter((a) => !this.known.has(a.id));
    this.known = new Set(blocking.map((a) => a.id));

    if (view.tray.state === 'signed_out' && view.setupProblem === null && !view.connections.smokeball.signedIn) {
      if (!this.signInAnnounced && level !== 'off' && view.initialImportDone) {
        out.push({ kind: 'sign_in_needed', title: 'Sign in to Smokeball', body: 'Case Status Sync is signed out of Smokeball and has stopped syncing.' });
      }
      this.signInAnnounced = true;
    } else if (view.connections.smokeball.signedIn) {
      this.signInAnnounced = false;
    }

    if (fresh.length > 0 && level !== 'off' && this.now() - this.lastAttentionAt >= this.minIntervalMs) {
      this.lastAttentionAt = this.now();
      const first = fresh[0]!;
      out.push({
        kind: 'attention',
        title: fresh.length === 1 ? 'Case Status Sync needs attention' : `${fresh.length} items need attention`,
        body: fresh.length === 1 ? first.reason : `${first.reason} (and ${fresh.length - 1} more)`,
      });
    }

    if (level === 'all') {
      if (view.initialImportDone && !this.importAnnounced && view.status.phase === 'idle' && view.status.runKind === 'initial') {
        const c = view.status.counts;
        out.push({ kind: 'sync_finished', title: 'Initial sync finished', body: `${c.casesCreated} cases created in Case Status.` });
      }
      const failed = view.recentRuns.find((r) => r.outcome === 'failed');
      if (failed && failed.finishedAt && failed.finishedAt !== this.lastFailedRun && view.recentRuns[0]?.id === failed.id) {
        out.push({ kind: 'sync_finished', title: 'Sync failed', body: failed.error ?? 'The last sync did not finish. It will be retried.' });
        this.lastFailedRun = failed.finishedAt;
      }
    }
    if (view.initialImportDone) this.importAnnounced = true;
    return out;
  }
}
