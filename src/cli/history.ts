import { withLocalState } from './local-state.js';
import { describeHistoryEntry, historyCauseLabel, type HistoryEntryView, type HistoryMatterView } from '../contract/history.js';
import { terminalSafe } from '../shared/terminal-text.js';

const MATCH_LABELS: Record<HistoryMatterView['matchedOn'], string> = { number: 'matter number', title: 'title', client: 'client name', id: 'matter id' };

function matterLine(m: HistoryMatterView): string {
  const clients = m.clientNames.length > 0 ? ` — ${m.clientNames.join(', ')}` : '';
  return `${m.matterNumber ?? '(no number)'}  ${m.title ?? '(no title)'}${clients}  [matched on ${MATCH_LABELS[m.matchedOn]}]`;
}

/** Where an entry came from: the cause, the run, the Smokeball change. */
function provenance(e: HistoryEntryView): string {
  const parts = [historyCauseLabel(e.cause), e.runId !== null ? `run #${e.runId}` : '', e.source ? `Smokeball change ${e.source}` : ''].filter(Boolean);
  return parts.length > 0 ? `  (${parts.join(', ')})` : '';
}

/** The timeline of one matter as terminal lines, newest first. */
export function formatTimeline(m: HistoryMatterView, entries: HistoryEntryView[]): string[] {
  const out = [
    `Matter ${m.matterNumber ?? '(no number)'}: ${m.title ?? '(no title)'}`,
    ...(m.clientNames.length > 0 ? [`  Clients: ${m.clientNames.join(', ')}`] : []),
    `  Smokeball matter id: ${m.matterId}`,
    `  Case Status case: ${m.caseUrl ?? m.caseId}${m.status === 'Closed' ? ' (closed)' : ''}`,
    '',
    `History (${entries.length}, newest first):`,
  ];
  if (entries.length === 0) out.push('  nothing recorded yet');
  for (const e of entries) out.push(`  ${e.at.replace('T', ' ').slice(0, 19)}  ${describeHistoryEntry(e)}${provenance(e)}`);
  return out;
}

/**
 * Picks the matter a query means: the only match, or the one whose number is exactly the query. Several others:
 * none (the caller lists them so the person can narrow the search down).
 */
export function pickMatter(query: string, matches: HistoryMatterView[]): HistoryMatterView | undefined {
  if (matches.length === 1) return matches[0];
  const q = query.trim().toLowerCase();
  const exact = matches.filter((m) => m.matterNumber?.toLowerCase() === q || m.matterId.toLowerCase() === q);
  return exact.length === 1 ? exact[0] : undefined;
}

/** The history of one matter, found by number, title or client name, from the state folder. */
export function printHistory(dataDir: string, query: string): number {
  const missing = () => {
    process.stderr.write(`No sync state in ${dataDir}: nothing has synced, so there is no history.\n`);
    return 1;
  };
  return withLocalState(dataDir, missing, (store) => {
    const matches = store.history.search(query, 50);
    const write = (lines: string[], to: NodeJS.WriteStream = process.stdout) => to.write(`${terminalSafe(lines.join('\n'))}\n`);
    if (matches.length === 0) {
      write([`No synced matter matches "${query}" (searched matter numbers, titles and client names).`], process.stderr);
      return 1;
    }
    const chosen = pickMatter(query, matches);
    if (!chosen) {
      write(
        [
          `${matches.length}${matches.length === 50 ? '+' : ''} matters match "${query}"; give the matter number of the one you mean:`,
          ...matches.map((m) => `  ${matterLine(m)}`),
        ],
        process.stderr,
      );
      return 1;
    }
    const others = matches.filter((m) => m !== chosen);
    const lines = formatTimeline(chosen, store.history.timeline(chosen.matterId));
    if (others.length > 0) lines.unshift(`Showing the exact match; also matched:`, ...others.map((m) => `  ${matterLine(m)}`), '');
    // Names and reasons come from firms, clients and Case Status: no control sequences reach the terminal.
    write(lines);
    return 0;
  });
}
