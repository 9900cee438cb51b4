/**
 * Engine-only memory and reconcile cost at scale: the simulators run in a child process (`cli sim`), so this
 * process's peak RSS is the engine's own. Imports a 20,000-matter firm at 5 req/s, then runs the nightly
 * reconcile on the unchanged firm and counts what it cost.
 *
 *   npx tsx bench/scale-bench.ts [--matters 20000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSyncStack, SECRET_KEYS } from '../src/sync/compose.js';
import { MemorySecretStore } from '../src/sync/ports.js';
import { CASE_STATUS_PACE } from '../src/contract/settings.js';
import { signInWithPkce } from '../src/testbed/world.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const matters = arg('matters', 20000);
const sbPort = 46100 + Math.floor(Math.random() * 500);
const csPort = sbPort + 1;

const child = spawn(
  process.execPath,
  ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--matters', String(matters), '--port-smokeball', String(sbPort), '--port-casestatus', String(csPort)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += String(d);
    if (out.includes('Ctrl-C')) resolve();
  });
  child.on('exit', (code) => reject(new Error(`simulators exited (${code})`)));
});
const sbUrl = `http://127.0.0.1:${sbPort}`;
const csUrl = `http://127.0.0.1:${csPort}`;
const sbStats = async () => (await (await fetch(`${sbUrl}/_sim/stats`)).json()) as { total: number; throttled: number; peakPerSecond?: number };

const secrets = new MemorySecretStore();
await secrets.set(SECRET_KEYS.smokeballApiKey, 'sim-api-key');
await secrets.set(SECRET_KEYS.caseStatusApiKey, 'cs-sim-key');
const dataDir = mkdtempSync(join(tmpdir(), 'css-scale-'));
const stack = await createSyncStack({
  dataDir,
  secrets,
  connections: {
    smokeball: { apiUrl: sbUrl, authUrl: sbUrl, clientId: 'sim-client-id', ratePerSecond: 5, burst: 5 },
    caseStatus: { apiUrl: csUrl, ...CASE_STATUS_PACE },
  },
});
await signInWithPkce({ authUrl: sbUrl, clientId: 'sim-client-id' }, stack.tokens);
await fetch(`${sbUrl}/_sim/stats/reset`, { method: 'POST' });

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
try {
  const imp = await stack.engine.initialImport();
  const afterImport = await sbStats();
  const importRss = peakRss;
  const rec = await stack.engine.reconcile();
  const afterReconcile = await sbStats();
  const rows = [
    ['run', 'outcome', 'wall', 'Smokeball req', 'cases created', 'cases updated', 'cases closed', 'clients written', 'peak RSS (engine process)'],
    [
      'initial import',
      imp.outcome,
      `${(imp.durationMs / 1000).toFixed(1)} s`,
      String(afterImport.total),
      String(imp.counts.casesCreated),
      String(imp.counts.casesUpdated),
      String(imp.counts.casesClosed),
      String(imp.counts.clientsWritten),
      `${Math.round(importRss / 1048576)} MB`,
    ],
    [
      'reconcile, unchanged firm',
      rec.outcome,
      `${(rec.durationMs / 1000).toFixed(1)} s`,
      String(afterReconcile.total - afterImport.total),
      String(rec.counts.casesCreated),
      String(rec.counts.casesUpdated),
      String(rec.counts.casesClosed),
      String(rec.counts.clientsWritten),
      `${Math.round(peakRss / 1048576)} MB`,
    ],
  ];
  console.log(
    rows
      .map((r) => `| ${r.join(' | ')} |`)
      .join('\n')
      .replace(/\n/, `\n|${' --- |'.repeat(rows[0]!.length)}\n`),
  );
  console.log(`\n${matters} matters; 429s received: ${afterReconcile.throttled}`);
} finally {
  clearInterval(sampler);
  stack.close();
  rmSync(dataDir, { recursive: true, force: true });
  child.kill('SIGINT');
}
