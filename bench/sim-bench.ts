/**
 * The simulators' own speed at firm scale, with the tight targets the tests no longer hold on a loaded CI
 * box (the tests keep 10× bounds that catch a pathological change; this keeps the real figure):
 *   - a 20,000-matter firm is generated in under 3 s (about 1 s on a quiet machine);
 *   - the Smokeball simulator starts on a generated 20,000-matter firm in under 1 s;
 *   - the Case Status simulator upserts 200 batches of 100 cases (20,000 stored) at under 50 ms per batch,
 *     HTTP round trip included.
 * Prints what it measured and exits non-zero when a target is missed. Run it on a quiet machine.
 *
 *   npx tsx bench/sim-bench.ts [--matters 20000]
 */
import { startCaseStatusSim } from '../src/sim/casestatus/server.js';
import { generateFirm } from '../src/sim/seed/generate.js';
import { startSmokeballSim } from '../src/sim/smokeball/server.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const matters = arg('matters', 20_000);
const GENERATE_TARGET_MS = 3000;
const STARTUP_TARGET_MS = 1000;
const BATCH_TARGET_MS = 50;

let started = performance.now();
const firm = generateFirm({ seed: 2024, matters });
const generateMs = performance.now() - started;
console.log(`Firm generation: ${generateMs.toFixed(0)} ms for ${firm.matters.length} matters (target < ${GENERATE_TARGET_MS} ms)`);
started = performance.now();
const smokeball = await startSmokeballSim({ firm });
const startupMs = performance.now() - started;
await smokeball.close();
console.log(
  `Smokeball simulator startup: ${startupMs.toFixed(0)} ms for ${firm.matters.length} matters / ${firm.contacts.length} contacts (target < ${STARTUP_TARGET_MS} ms)`,
);

const caseStatus = await startCaseStatusSim({ firm: generateFirm({ seed: 4, matters: 0 }), rateLimit: false, practiceAreas: 'any' });
const batches = Math.ceil(matters / 100);
const id = (n: number) => `66666666-0000-4000-8000-${String(n).padStart(12, '0')}`;
started = performance.now();
for (let b = 0; b < batches; b++) {
  const cases = Array.from({ length: 100 }, (_, i) => ({
    externalId: id(b * 100 + i),
    readableId: `N-${b * 100 + i}`,
    title: `Matter ${b * 100 + i}`,
    practiceArea: 'General',
    status: 'open',
    stage: 'Open',
    primaryAttorney: null,
    clientExternalIds: [],
  }));
  const res = await fetch(`${caseStatus.url}/v1/cases/batch`, {
    method: 'POST',
    headers: { authorization: 'Bearer cs-sim-key', 'content-type': 'application/json' },
    body: JSON.stringify({ cases }),
  });
  if (res.status !== 200) throw new Error(`batch ${b}: HTTP ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}
const perBatchMs = (performance.now() - started) / batches;
const stored = caseStatus.control.cases().size;
await caseStatus.close();
console.log(
  `Case Status simulator upsert: ${perBatchMs.toFixed(1)} ms per batch of 100 over ${batches} batches, ${stored} cases stored (target < ${BATCH_TARGET_MS} ms)`,
);

const missed = [
  ...(generateMs < GENERATE_TARGET_MS ? [] : ['generation']),
  ...(startupMs < STARTUP_TARGET_MS ? [] : ['startup']),
  ...(perBatchMs < BATCH_TARGET_MS ? [] : ['upsert batch']),
  ...(stored === batches * 100 ? [] : [`stored ${stored} ≠ ${batches * 100}`]),
];
if (missed.length > 0) {
  console.error(`missed: ${missed.join(', ')}`);
  process.exit(1);
}
