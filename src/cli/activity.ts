import { noStateYet, withLocalState } from './local-state.js';
import { writebackActivity } from '../sync/index.js';
import { terminalSafe } from '../shared/terminal-text.js';

/**
 * Prints the write-back activity from the state folder: recent memos and documents synced (time, matter,
 * what, link) and the items needing attention with their reason (Retry is in the window: WritebackJob.retry).
 */
export async function printActivity(dataDir: string, limit = 30): Promise<number> {
  return withLocalState(
    dataDir,
    () => noStateYet(dataDir),
    (store) => {
      const { recent, attention } = writebackActivity(store, limit);
      const out: string[] = [`Recent memos and documents (${recent.length}):`];
      if (recent.length === 0) out.push('  none yet');
      for (const a of recent) {
        out.push(`  ${a.at.replace('T', ' ').slice(0, 19)}  ${a.kind.padEnd(8)} ${(a.matterNumber ?? a.matterId ?? '').padEnd(12)} ${a.summary}`);
        if (a.link) out.push(`  ${' '.repeat(19)}  ${' '.repeat(8)} ${' '.repeat(12)} ${a.link}`);
      }
      out.push('', `Needs attention (${attention.length}):`);
      if (attention.length === 0) out.push('  nothing');
      for (const i of attention) out.push(`  #${i.id} [${i.kind}] ${i.subjectId}: ${i.reason}${i.occurrences > 1 ? ` (${i.occurrences}×)` : ''}`);
      // Summaries carry names from Case Status and Smokeball: no control sequences reach the terminal.
      process.stdout.write(`${terminalSafe(out.join('\n'))}\n`);
      return 0;
    },
  );
}
