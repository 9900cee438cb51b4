/**
 * Initial-import benchmark against the simulators with realistic latency (Smokeball 150 ± 50 ms).
 * Prints, per scenario: wall time, time to first case, Smokeball requests (total, per matter), 429s,
 * peak requests in any 1-second window, Case Status requests, peak RSS; and the ratio to per-record
 * fetching (one GET per matter, client and stage, as a conventional integration does).
 *
 *   npm run bench                 all scenarios (about 3 minutes)
 *   npm run bench -- --quick      2,000 matters at 5/s only
 */
import { rmSync } from 'node:fs';
import { connectToWorld, startWorld } from '../src/testbed/world.js';
import type { ReadPlan } from '../src/sync/engine/full-sync.js';

interface Scenario {
  name: string;
  matters: number;
  rate: number;
  plan: ReadPlan;
}

interface Result {
  scenario: Scenario;
  eligible: number;
  wallS: number;
  firstCaseS: number | null;
  sbRequests: number;
  perMatter: number;
  throttled: number;
  peakPerSecond: number;
  csRequests: number;
  peakRssMb: number;
  casesInCaseStatus: number;
}

async function run(s: Scenario): Promise<Result> {
  const world = await startWorld({ matters: s.matters, seed: 42, smokeball: { rateLimit: { ratePerSecond: s.rate, burst: 5 } } });
  const stack = await connectToWorld(world, { ratePerSecond: s.rate, burst: 5, plan: s.plan });
  world.smokeball.stats.reset(); // sign-in is not part of the import
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    const summary = await stack.engine.initialImport();
    if (summary.outcome !== 'succeeded') throw new Error(`import ${summary.outcome}: ${summary.error ?? ''}`);
    const eligible = world.firm.matters.filter((m) => !m.isLead && (m.status === 'Open' || m.status === 'Pending')).length;
    return {
      scenario: s,
      eligible,
      wallS: summary.durationMs / 1000,
      firstCaseS: summary.firstCaseMs === null ? null : summary.firstCaseMs / 1000,
      sbRequests: world.smokeball.stats.total,
      perMatter: world.smokeball.stats.total / s.matters,
      throttled: world.smokeball.stats.throttled,
      peakPerSecond: world.smokeball.stats.peakInWindow(1000),
      csRequests: world.caseStatus.stats.total,
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      casesInCaseStatus: world.caseStatus.control.cases().size,
    };
  } finally {
    clearInterval(sampler);
    stack.close();
    rmSync(stack.dataDir, { recursive: true, force: true });
    await world.close();
  }
}

const quick = process.argv.includes('--quick');
const scenarios: Scenario[] = [
  { name: '2,000 matters, 5 req/s', matters: 2000, rate: 5, plan: 'auto' },
  ...(quick
    ? []
    : [
        { name: '2,000 matters, 10 req/s', matters: 2000, rate: 10, plan: 'auto' as const },
        { name: '20,000 matters, 5 req/s', matters: 20000, rate: 5, plan: 'auto' as const },
        // Per-record fetching of 2,000 matters would take ~25 minutes at 5/s; a 200-matter firm gives its per-matter cost.
        { name: '200 matters, 5 req/s, per-record', matters: 200, rate: 5, plan: 'per-record' as const },
        { name: '200 matters, 5 req/s, list endpoints', matters: 200, rate: 5, plan: 'auto' as const },
      ]),
];

const results: Result[] = [];
for (const s of scenarios) {
  process.stderr.write(`running: ${s.name}…\n`);
  const r = await run(s);
  results.push(r);
  process.stderr.write(`  done in ${r.wallS.toFixed(1)} s\n`);
}

const rows = results.map((r) => [
  r.scenario.name,
  `${r.eligible}/${r.casesInCaseStatus}`,
  `${r.wallS.toFixed(1)} s`,
  r.firstCaseS === null ? '—' : `${r.firstCaseS.toFixed(1)} s`,
  String(r.sbRequests),
  r.perMatter.toFixed(4),
  String(r.throttled),
  String(r.peakPerSecond),
  String(r.csRequests),
  `${r.peakRssMb} MB`,
]);
const header = ['scenario', 'eligible/cases', 'wall', 'first case', 'Smokeball req', 'req/matter', '429s', 'peak req in 1 s', 'Case Status req', 'peak RSS'];
const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
console.log([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n'));

const perRecord = results.find((r) => r.scenario.plan === 'per-record');
const listed = results.find((r) => r.scenario.plan === 'auto' && r.scenario.matters === perRecord?.scenario.matters);
if (perRecord && listed) {
  console.log(
    `\nPer-record vs list endpoints (same 200-matter firm): ${perRecord.sbRequests} vs ${listed.sbRequests} Smokeball requests ` +
      `(${(perRecord.sbRequests / listed.sbRequests).toFixed(1)}×), ${perRecord.wallS.toFixed(1)} s vs ${listed.wallS.toFixed(1)} s. ` +
      `Extrapolated to 2,000 matters at 5 req/s, per-record needs ~${Math.round((perRecord.perMatter * 2000) / 5 / 60)} min of requests alone.`,
  );
}
