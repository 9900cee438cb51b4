import type { AppView } from '../src/contract/view.js';

/**
 * One line for what the window showed: the tray, the sign-in state, the sync status, real time and the items
 * needing attention. A wait that times out names this instead of only what it waited for, so a failed soak says
 * what staff saw at that moment.
 */
export function summarizeView(view: AppView | undefined): string {
  if (!view) return 'no view yet';
  const kinds = new Map<string, number>();
  for (const a of view.attention) kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
  const items = [...kinds].map(([k, n]) => (n > 1 ? `${k}×${n}` : k)).join(', ') || 'none';
  const realtime = `${view.realtime.state}${view.realtime.reason ? ` (${view.realtime.reason})` : ''}, subscription ${view.realtime.subscription}`;
  return [
    `tray ${view.tray.state}`,
    view.connections.smokeball.signedIn ? 'signed in' : 'signed out',
    `status ${view.status.phase}: ${view.status.message}`,
    `real time ${realtime}`,
    `items: ${items}`,
    ...(view.setupProblem ? [`setup: ${view.setupProblem}`] : []),
  ].join('; ');
}

/** Keeps the last `max` distinct summaries of the views seen, in order: what the window went through. */
export class ViewTrail {
  private readonly seen: string[] = [];

  constructor(private readonly max = 4) {}

  add(view: AppView): void {
    const line = summarizeView(view);
    if (this.seen[this.seen.length - 1] === line) return;
    this.seen.push(line);
    if (this.seen.length > this.max) this.seen.shift();
  }

  get lines(): readonly string[] {
    return this.seen;
  }
}
