/**
 * Several installs of one firm (separate processes, separate data folders, one relay, both simulators with
 * realistic latency, Smokeball at its documented 5 requests/second). For 1, 2 and 3 installs started at once
 * it prints duplicates (memo entries, files, CaseStatus folders), 429s, the peak Smokeball API requests in any
 * 1-second window, and how many API arrivals a token bucket of Smokeball's rate and burst would refuse (the
 * soak's judgement, src/testbed/send-analysis.ts); then, with two installs, SIGKILLs the host --kills times and
 * prints the hand-over time (kill → another install holds the lease and has adopted the shared ledger), p50
 * and max. Exits non-zero when a duplicate or a 429 appears, the bucket would refuse an arrival, or the max
 * hand-over exceeds TTL + 15 s. The rate is judged on the bucket, as Smokeball applies it: a peak of up to
 * burst + rate arrivals in a 1-second window is what a full bucket plus its refill allows, not an excess.
 *
 *   npm run bench:multi                        (about 5 minutes)
 *   npm run bench:multi -- --matters 100 --kills 10 --ttl 10
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRelayServer, type RelayServer } from '../src/relay/index.js';
import { startWorld, type World } from '../src/testbed/world.js';
import { simulatorChildEnv } from '../test/sync/fixtures/child-env.js';
import { bucketRefusals } from '../src/testbed/send-analysis.js';

const { values } = parseArgs({
  options: {
    matters: { type: 'string', default: '100' },
    kills: { type: 'string', default: '10' },
    ttl: { type: 'string', default: '10' },
    rate: { type: 'string', default: '5' },
  },
});
const matters = Number(values.matters);
const kills = Number(values.kills);
const ttlMs = Number(values.ttl) * 1000;
const rate = Number(values.rate);
const NAMES = ['FRONTDESK-PC', 'PARALEGAL-PC', 'PARTNER-PC'];

interface Install {
  name: string;
  dir: string;
  child: ChildProcess;
  output: string;
}

function start(world: World, relay: RelayServer, token: string, name: string, dir: string): Install {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sync/fixtures/install-child.ts'], {
    env: simulatorChildEnv(world, dir, { RATE: String(rate), RELAY_URL: relay.url, RELAY_TOKEN: token, INSTALL_NAME: name }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const install: Install = { name, dir, child, output: '' };
  child.stdout!.on('data', (d) => (install.output += String(d)));
  child.stderr!.on('data', (d) => (install.output += String(d)));
  return install;
}

async function until(test: () => boolean, what: string, timeoutMs = 600_000): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > timeoutMs) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const isHost = (i: Install) =>
  i.output
    .split('\n')
    .filter((l) => l.startsWith('role:'))
    .at(-1)
    ?.startsWith('role:host') ?? false;

function duplicates(world: World): { memoEntries: number; files: number; folders: number; messages: number; documents: number } {
  const seen = new Map<string, number>();
  let files = 0;
  let folders = 0;
  let fileCount = 0;
  for (const m of world.firm.matters) {
    for (const memo of world.smokeball.control.memos(m.id)) {
      if (memo.isDeleted) continue;
      for (const hit of memo.plainText.matchAll(/^\[cs-msg:([^\]#]+)\]$/gm)) seen.set(hit[1]!, (seen.get(hit[1]!) ?? 0) + 1);
    }
    const shas = world.smokeball.control.files(m.id).map((f) => f.sha256);
    fileCount += shas.length;
    files += shas.length - new Set(shas).size;
    folders += Math.max(0, world.smokeball.control.folders(m.id).filter((f) => f.name === 'CaseStatus').length - 1);
  }
  return { memoEntries: [...seen.values()].reduce((n, c) => n + c - 1, 0), files, folders, messages: seen.size, documents: fileCount };
}

/**
 * The arrivals a token bucket of the server's rate and burst would refuse (0: within Smokeball's limit). The
 * simulator's log holds API requests only (not sign-in, its control routes or storage uploads), as its bucket.
 */
function overBucket(world: World): number {
  const arrivals = world.smokeball.stats.log.map((e) => e.at).sort((a, b) => a - b);
  return bucketRefusals(arrivals, rate, rate);
}

const failures: string[] = [];
const work = mkdtempSync(join(tmpdir(), 'multi-bench-'));
const rows: string[] = [];

for (const n of [1, 2, 3]) {
  const world = await startWorld({ matters, seed: 42, smokeball: { rateLimit: { ratePerSecond: rate, burst: rate } } });
  const relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: world.smokeball.options.clientId, lease: { ttlMs } });
  const firm = await relay.admin.createFirm({ name: 'Bench Law' });
  const installs = NAMES.slice(0, n).map((name, i) => start(world, relay, firm.token, name, mkdtempSync(join(work, `n${n}-${i}-`))));
  try {
    await until(() => installs.some((i) => i.output.includes('done:')), 'first host pass');
    await world.smokeball.control.whenIdle();
    const d = duplicates(world);
    const hosts = installs.filter((i) => i.output.includes('role:host')).length;
    const peak = world.smokeball.stats.peakInWindow(1000);
    const refused = overBucket(world);
    const throttled = world.smokeball.stats.throttled;
    rows.push(
      `${n} install(s): hosts ${hosts}, messages ${d.messages}, files ${d.documents}, duplicate memo entries ${d.memoEntries}, duplicate files ${d.files}, extra CaseStatus folders ${d.folders}, 429s ${throttled}, peak Smokeball API requests in 1 s ${peak}, arrivals over the bucket (rate ${rate}, burst ${rate}) ${refused}`,
    );
    if (hosts !== 1) failures.push(`${n} installs: ${hosts} hosts`);
    if (d.memoEntries + d.files + d.folders > 0) failures.push(`${n} installs: duplicates`);
    if (throttled > 0) failures.push(`${n} installs: ${throttled} × 429`);
    if (refused > 0) failures.push(`${n} installs: ${refused} arrivals over the bucket`);

    if (n === 2) {
      // Hand-over: SIGKILL the host, time until the other install holds the lease, restart the killed one.
      const times: number[] = [];
      for (let k = 0; k < kills; k++) {
        const host = installs.find(isHost)!;
        const other = installs.find((i) => i !== host)!;
        const mark = other.output.length;
        const killedAt = Date.now();
        host.child.kill('SIGKILL');
        await new Promise((r) => host.child.once('exit', r));
        await until(() => other.output.slice(mark).includes('role:host'), 'take-over', ttlMs + 120_000);
        times.push(Date.now() - killedAt);
        const restarted = start(world, relay, firm.token, host.name, host.dir);
        installs[installs.indexOf(host)] = restarted;
        await until(() => restarted.output.includes('role:standby'), 'restarted install as standby');
      }
      await world.smokeball.control.whenIdle();
      const after = duplicates(world);
      times.sort((a, b) => a - b);
      const p50 = times[Math.floor((times.length - 1) / 2)]!;
      const max = times[times.length - 1]!;
      const refusedAfter = overBucket(world);
      rows.push(
        `hand-over after SIGKILL of the host, ${kills} kills, TTL ${ttlMs / 1000} s: p50 ${(p50 / 1000).toFixed(1)} s, max ${(max / 1000).toFixed(1)} s (target max < ${(ttlMs + 15_000) / 1000} s); duplicates after the kills: memo entries ${after.memoEntries}, files ${after.files}, folders ${after.folders}; 429s ${world.smokeball.stats.throttled}, arrivals over the bucket over the whole run ${refusedAfter}`,
      );
      if (max >= ttlMs + 15_000) failures.push(`hand-over max ${max} ms`);
      if (refusedAfter > 0) failures.push(`hand-overs: ${refusedAfter} arrivals over the bucket`);
      if (world.smokeball.stats.throttled > 0) failures.push(`hand-overs: ${world.smokeball.stats.throttled} × 429`);
      if (after.memoEntries + after.files + after.folders > 0) failures.push('duplicates after hand-overs');
    }
  } finally {
    for (const i of installs) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL');
    await relay.close();
    await world.close();
  }
  console.log(rows.at(-1));
}

rmSync(work, { recursive: true, force: true });
console.log('\n' + rows.join('\n'));
if (failures.length > 0) {
  console.error(`FAILED: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('PASS');
