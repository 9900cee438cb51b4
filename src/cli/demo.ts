import { connectToWorld, startWorld } from '../testbed/world.js';
import { formatDuration, renderProgressLine } from './progress.js';

/**
 * The whole product against simulators: a seeded firm in Smokeball, an empty Case Status, the initial import
 * with a live progress bar, then a stage change and a closed matter picked up by "Sync now".
 */
export async function runDemo(o: { matters: number; seed: number; rate: number; burst: number; dataDir?: string; keep: boolean }): Promise<number> {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`Starting simulators with a seeded firm of ${o.matters} matters (seed ${o.seed})…`);
  const world = await startWorld({ matters: o.matters, seed: o.seed, smokeball: { rateLimit: { ratePerSecond: o.rate, burst: o.burst } } });
  out(`  Smokeball   ${world.smokeball.url}  (${o.rate} requests/s, burst ${o.burst}; 150 ± 50 ms latency)`);
  out(`  Case Status ${world.caseStatus.url}`);
  const stack = await connectToWorld(world, { dataDir: o.dataDir, ratePerSecond: o.rate, burst: o.burst });
  out(`  Signed in to Smokeball (OAuth code + PKCE). State: ${stack.dataDir}`);
  out('');
  const tty = process.stdout.isTTY === true;
  let lastPrint = 0;
  const onChange = (s: Parameters<typeof renderProgressLine>[0]) => {
    const now = Date.now();
    if (now - lastPrint < (tty ? 100 : 2000)) return;
    lastPrint = now;
    process.stdout.write(tty ? `\r\x1b[2K${renderProgressLine(s)}` : `${renderProgressLine(s)}\n`);
  };
  stack.engine.status.on('change', onChange);
  try {
    const run = await stack.engine.syncNow();
    stack.engine.status.off('change', onChange);
    process.stdout.write(tty ? `\r\x1b[2K${renderProgressLine(stack.engine.status.current)}\n` : `${renderProgressLine(stack.engine.status.current)}\n`);
    const sbRequests = world.smokeball.stats.total;
    out('');
    out(
      `${run.kind === 'initial' ? 'Initial import' : 'Sync'} ${run.outcome} in ${formatDuration(run.durationMs / 1000)}${run.firstCaseMs !== null ? ` (first case after ${(run.firstCaseMs / 1000).toFixed(1)} s)` : ''}`,
    );
    out(
      `  Cases: ${run.counts.casesCreated} created, ${run.counts.casesUpdated} updated, ${run.counts.casesUnchanged} unchanged; clients written: ${run.counts.clientsWritten}`,
    );
    out(
      `  Smokeball: ${sbRequests} requests (${(sbRequests / o.matters).toFixed(4)} per matter), ${world.smokeball.stats.throttled} × 429, at most ${world.smokeball.stats.peakInWindow(1000)} in any second`,
    );
    out(`  Case Status now holds ${world.caseStatus.control.cases().size} cases`);
    if (run.error) out(`  Error: ${run.error}`);

    // A change in Smokeball, then "Sync now".
    const linked = [...stack.store.links.allMatters()].filter((l) => l.status !== 'Closed');
    const target = linked.find((l) => l.stageId !== null);
    const toClose = linked.find((l) => l !== target);
    if (target && toClose) {
      const firmMatter = world.firm.matters.find((m) => m.id === target.matterId)!;
      const setId = world.firm.stageSetByMatterType[firmMatter.matterTypeId];
      const set = world.firm.stageSets.find((s) => s.id === setId);
      const next = set?.stages.find((s) => !s.isDeleted && s.id !== target.stageId && s.name !== 'Awaiting Lien Resolution');
      if (next) world.smokeball.control.changeMatterStage(target.matterId, next.id);
      world.smokeball.control.closeMatter(toClose.matterId);
      await world.smokeball.control.whenIdle();
      out('');
      out(`In Smokeball: matter ${target.matterNumber} moved to "${next?.name}", matter ${toClose.matterNumber} closed. Sync now…`);
      const before = world.smokeball.stats.total;
      const inc = await stack.engine.syncNow();
      out(
        `  ${inc.kind} ${inc.outcome} in ${formatDuration(inc.durationMs / 1000)} with ${world.smokeball.stats.total - before} Smokeball requests: ${inc.counts.casesUpdated} updated, ${inc.counts.casesClosed} closed`,
      );
      const cs = world.caseStatus.control.cases();
      out(`  Case Status: ${target.matterNumber} is at "${cs.get(target.matterId)?.stage}", ${toClose.matterNumber} is ${cs.get(toClose.matterId)?.status}`);
    }
    const open = stack.store.attention.countOpen();
    out('');
    out(
      `Needs attention: ${
        Object.entries(open)
          .map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`)
          .join(', ') || 'nothing'
      }`,
    );
    for (const item of stack.store.attention.open('unmapped_stage')) out(`  ${item.reason}`);
    if (o.keep) {
      out('');
      out('Simulators keep running (Ctrl-C to stop).');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return run.outcome === 'failed' ? 1 : 0;
  } finally {
    stack.close();
    await world.close();
  }
}
