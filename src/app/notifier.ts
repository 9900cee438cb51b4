import type { AppView } from '../contract/view.js';
import type { AppNotification } from './ports.js';
import { isBlockingAttention } from './tray-state.js';

/**
 * Decides which native notifications to show from successive views. Staff should hear about problems that need
 * them, once, not about every sync: at most one notification per kind per `minIntervalMs` (10 minutes), new
 * blocking attention items, a sign-in request once until signed in again, and (level "all") the end of the initial
 * import, failed runs, and one summary per write-back batch ("12 documents copied to Smokeball"). Level "off" shows
 * nothing at all, failures included.
 */
export class Notifier {
  private readonly lastByKind = new Map<AppNotification['kind'], number>();
  private known = new Set<number>();
  /** The newest activity entry already seen (null until the first view: what was there before is not news). */
  private lastActivityId: number | null = null;
  private pendingCopies = { documents: 0, memos: 0, more: false };
  private signInAnnounced = false;
  private importAnnounced = false;
  private lastFailedRun: string | null = null;

  constructor(
    private readonly minIntervalMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  next(view: AppView): AppNotification[] {
    const level = view.settings.notifications;
    const out: AppNotification[] = [];
    this.collectCopies(view);
    const blocking = view.attention.filter((a) => isBlockingAttention(a.kind));
    const fresh = blocking.filter((a) => !this.known.has(a.id));
    this.known = new Set(blocking.map((a) => a.id));

    if (view.tray.state === 'signed_out' && view.setupProblem === null && !view.connections.smokeball.signedIn) {
      if (!this.signInAnnounced && level !== 'off' && view.initialImportDone) {
        // Throttled: asked again at the next view after the quiet period, never lost.
        this.signInAnnounced = this.push(out, {
          kind: 'sign_in_needed',
          title: 'Sign in to Smokeball',
          body: 'Case Status Sync is signed out of Smokeball and has stopped syncing.',
        });
      } else this.signInAnnounced = true;
    } else if (view.connections.smokeball.signedIn) {
      this.signInAnnounced = false;
    }

    if (fresh.length > 0 && level !== 'off') {
      const first = fresh[0]!;
      this.push(out, {
        kind: 'attention',
        title: fresh.length === 1 ? 'Case Status Sync needs attention' : `${fresh.length} items need attention`,
        body: fresh.length === 1 ? first.reason : `${first.reason} (and ${fresh.length - 1} more)`,
      });
    }

    if (level === 'all') {
      if (view.initialImportDone && !this.importAnnounced && view.status.phase === 'idle' && view.status.runKind === 'initial') {
        const c = view.status.counts;
        this.push(out, { kind: 'sync_finished', title: 'Initial sync finished', body: `${c.casesCreated} cases created in Case Status.` });
      }
      const failed = view.recentRuns.find((r) => r.outcome === 'failed');
      if (failed && failed.finishedAt && failed.finishedAt !== this.lastFailedRun && view.recentRuns[0]?.id === failed.id) {
        this.push(out, { kind: 'sync_failed', title: 'Sync failed', body: failed.error ?? 'The last sync did not finish. It will be retried.' });
        this.lastFailedRun = failed.finishedAt;
      }
      const copies = this.copySummary(view);
      if (copies) this.push(out, copies);
    } else if (!view.busy) {
      this.pendingCopies = { documents: 0, memos: 0, more: false };
    }
    if (view.initialImportDone) this.importAnnounced = true;
    return out;
  }

  /** Shows `n` unless a notification of its kind was shown within the quiet period; says whether it was shown. */
  private push(out: AppNotification[], n: AppNotification): boolean {
    const last = this.lastByKind.get(n.kind);
    if (last !== undefined && this.now() - last < this.minIntervalMs) return false;
    this.lastByKind.set(n.kind, this.now());
    out.push(n);
    return true;
  }

  /** Counts memos and documents written since the last view (activity ids only grow). */
  private collectCopies(view: AppView): void {
    const newest = view.activity.reduce((m, a) => Math.max(m, a.id), 0);
    if (this.lastActivityId === null) {
      this.lastActivityId = newest;
      return;
    }
    const fresh = view.activity.filter((a) => a.id > this.lastActivityId!);
    // Every entry shown is new: older new ones may have scrolled out of the list, so the count is a lower bound.
    if (fresh.length > 0 && fresh.length === view.activity.length && view.activity.length >= 50) this.pendingCopies.more = true;
    this.pendingCopies.documents += fresh.filter((a) => a.kind === 'document').length;
    this.pendingCopies.memos += fresh.filter((a) => a.kind === 'memo').length;
    this.lastActivityId = Math.max(this.lastActivityId, newest);
  }

  /** One summary once the batch is over (nothing running), not one notification per document. */
  private copySummary(view: AppView): AppNotification | null {
    const { documents, memos, more } = this.pendingCopies;
    if (view.busy || documents + memos === 0) return null;
    const last = this.lastByKind.get('writeback_summary');
    if (last !== undefined && this.now() - last < this.minIntervalMs) return null; // keeps counting; summed later
    this.pendingCopies = { documents: 0, memos: 0, more: false };
    const plus = more ? ' or more' : '';
    const parts = [
      documents > 0 ? `${documents}${plus} document${documents === 1 && !more ? '' : 's'} copied` : '',
      memos > 0 ? `${memos}${plus} message memo${memos === 1 && !more ? '' : 's'} written` : '',
    ].filter(Boolean);
    return { kind: 'writeback_summary', title: 'Case Status items copied to Smokeball', body: `${parts.join(', ')} to Smokeball.` };
  }
}
