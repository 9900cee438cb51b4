import type { SyncStatus } from '../sync/index.js';

/** One line of terminal progress from the shared SyncStatus, e.g. for `demo` and `sync`. */
export function renderProgressLine(s: SyncStatus, width = 28): string {
  const m = s.progress.matters;
  const share = m.total ? Math.min(1, m.done / m.total) : 0;
  const filled = Math.round(share * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const matters = m.total === null ? `${m.done} matters` : `${m.done}/${m.total} matters`;
  const eta = s.etaSeconds === null ? 'ETA —' : `ETA ${formatDuration(s.etaSeconds)}`;
  const c = s.counts;
  return `${bar} ${Math.round(share * 100)
    .toString()
    .padStart(
      3,
    )}% ${matters} · ${c.casesCreated + c.casesUpdated} cases written · ${s.requestsPerSecond.toFixed(1)} req/s · ${eta}${s.throttled ? ` · ${s.throttled}×429` : ''}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  return m < 60 ? `${m}m ${rest}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}
