import { noStateYet, withLocalState } from './local-state.js';
import { terminalSafe } from '../shared/terminal-text.js';

/** Prints what the local state says: runs, links, outbox, open items. Reads only. */
export async function printStatus(dataDir: string): Promise<number> {
  return withLocalState(
    dataDir,
    () => noStateYet(dataDir),
    (store, path) => {
      const out: string[] = [`State: ${path}`, `Linked matters: ${store.links.matterCount()}`];
      const outbox = store.outbox.counts();
      out.push(
        `Outbox: ${Object.entries(outbox)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      out.push('', 'Recent runs:');
      for (const r of store.runs.recent(10)) {
        const stats = Object.entries(r.stats)
          .filter(([, v]) => v)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        out.push(`  #${r.id} ${r.kind.padEnd(11)} ${r.outcome.padEnd(11)} ${r.startedAt}  ${stats}${r.error ? `  error: ${r.error}` : ''}`);
      }
      const items = store.attention.open(undefined, 50);
      const counts = store.attention.countOpen();
      out.push(
        '',
        `Needs attention: ${Object.values(counts).reduce((a, b) => a + b, 0)} (${
          Object.entries(counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'
        })`,
      );
      for (const i of items.slice(0, 20)) out.push(`  [${i.kind}] ${i.reason}`);
      if (items.length > 20) out.push(`  … and ${items.length - 20} more`);
      // Reasons carry names from Case Status and Smokeball: no control sequences reach the terminal.
      process.stdout.write(`${terminalSafe(out.join('\n'))}\n`);
      return 0;
    },
  );
}
