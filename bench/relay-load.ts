/**
 * Relay load benchmark on loopback: 100 firms, signed Smokeball webhooks (each a distinct event, so
 * dedupe hides nothing), for SQLite and PostgreSQL. The relay runs in a child process (`relay serve`) so
 * the load generator (autocannon, in this process) does not share its event loop.
 *
 * For each storage:
 *   1. throughput: autocannon for --duration seconds → events/s stored, p50/p99 latency, non-2xx;
 *   2. restart check: a paced load runs while the relay is stopped (SIGTERM, graceful) and started again
 *      on the same storage and port; then every event the generator got a 2xx for (in every phase) is
 *      looked up among the events served by /v1/events across all firms. They must all be there.
 *
 *   npx tsx bench/relay-load.ts [--duration 10] [--connections 50] [--firms 100] [--storage sqlite,postgres]
 *                               [--restart-rate 1500] [--noisy yes|no]
 *   (--storage none runs the noisy-neighbour phase alone)
 *
 *   3. noisy neighbour (SQLite, default quotas; bench/noisy-neighbour.ts): one firm floods while 99 run a
 *      normal load; prints the quiet firms' p50/p99 and the relay's peak RSS with and without the flood and
 *      exits non-zero when quiet p99 grows more than 2× or the relay passes 300 MB.
 *
 * PostgreSQL comes from test/relay/pg-harness.ts (a throwaway cluster with fsync on), or RELAY_TEST_PG_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createRelayAdmin, openStorage, type CreatedFirm, type RelayEventsPage } from '../src/relay/index.js';
import { msToTicks } from '../src/sim/common/ticks.js';
import { signWebhook } from '../src/shared/smokeball-signature.js';
import { startPgCluster, type PgCluster } from '../test/relay/pg-harness.js';
import { noisyNeighbour } from './noisy-neighbour.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const DURATION_S = Number(arg('duration', '10'));
const CONNECTIONS = Number(arg('connections', '50'));
const FIRMS = Number(arg('firms', '100'));
// `--storage none` skips the throughput and restart phases (only the noisy-neighbour phase runs).
const STORAGES = arg('storage', 'sqlite,postgres')
  .split(',')
  .filter((s) => s !== 'none') as Array<'sqlite' | 'postgres'>;
const RESTART_RATE = Number(arg('restart-rate', '1500'));
const RESTART_RUN_S = 8;
// The throughput and restart phases measure raw capacity: 6,000 events/s over 100 firms is 60/s per firm,
// beyond the per-firm ingest quota real firms get, so those phases lift it. The noisy-neighbour phase runs
// with the defaults.
const CAPACITY_ARGS = [
  '--ingest-per-second',
  '1000000',
  '--ingest-burst',
  '1000000',
  '--ingest-bytes-per-second',
  '1000000000',
  '--ingest-burst-bytes',
  '1000000000',
];
const NOISY = arg('noisy', 'yes') !== 'no';
const RESTART_AT_MS = 2_500;
const CLIENT_ID = 'bench-client-id';
// Enough signed requests for ~6,000 events/s over the throughput run; beyond that they are signed on the fly.
const POOL_SIZE = Math.max(20_000, Math.round(DURATION_S * 6_000));

interface SignedRequest {
  requestId: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Distinct signed webhooks round-robin over the firms: a new RequestId and payload for every event. */
class RequestSource {
  private next = 0;
  private readonly pool: SignedRequest[];
  onTheFly = 0;
  constructor(
    private readonly firms: CreatedFirm[],
    private readonly prefix: string,
  ) {
    this.pool = Array.from({ length: POOL_SIZE }, (_, i) => this.sign(i));
  }

  take(): SignedRequest {
    const i = this.next++;
    if (i < this.pool.length) {
      const r = this.pool[i]!;
      this.pool[i] = undefined as unknown as SignedRequest; // sent once; let it go
      return r;
    }
    this.onTheFly += 1;
    return this.sign(i);
  }

  private sign(i: number): SignedRequest {
    const firm = this.firms[i % this.firms.length]!;
    const requestId = `${this.prefix}-${i}`;
    const timestamp = msToTicks(Date.now()).toString();
    const body = JSON.stringify({
      accountId: firm.firmId,
      subscriptionId: 'bench-sub',
      type: 'matterstage.updated',
      source: 'Smokeball',
      payload: { matter: { id: `matter-${i % 5000}` }, stage: { id: `stage-${i % 7}` }, n: i },
      timestamp: 638_396_640_000_000_000 + i,
    });
    return {
      requestId,
      path: `/hooks/smokeball/${firm.firmId}`,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        Timestamp: timestamp,
        RequestId: requestId,
        Signature: signWebhook(firm.smokeballKey, timestamp, requestId, CLIENT_ID),
      },
      body,
    };
  }
}

interface LoadOutcome {
  result: autocannon.Result;
  acked: Set<string>;
  /** RequestId → send time (ms) of requests that never got an answer (connection lost, or still in flight at the end). */
  unanswered: Map<string, number>;
}

/** One autocannon run; `acked` collects the RequestIds that got a 2xx. */
function runLoad(url: string, source: RequestSource, opts: { durationS: number; overallRate?: number }): Promise<LoadOutcome> {
  const acked = new Set<string>();
  const unanswered = new Map<string, number>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        pipelining: 1, // one request in flight per connection, so the per-connection context names it
        duration: opts.durationS,
        timeout: 10,
        ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
        requests: [
          {
            method: 'POST',
            setupRequest: (req, context) => {
              const r = source.take();
              (context as { id?: string }).id = r.requestId;
              unanswered.set(r.requestId, Date.now());
              return { ...req, method: 'POST', path: r.path, headers: r.headers, body: r.body };
            },
            onResponse: (status, _body, context) => {
              const id = (context as { id?: string }).id;
              if (!id) return;
              unanswered.delete(id);
              if (status >= 200 && status < 300) acked.add(id);
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ result, acked, unanswered })),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** `relay serve` in a child process; resolves when it listens. */
async function startRelay(
  storage: string,
  port: number,
  extraArgs: string[] = [],
  process_: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      ...(process_.nodeArgs ?? []),
      'src/relay/cli.ts',
      'serve',
      '--storage',
      storage,
      '--port',
      String(port),
      '--smokeball-client-id',
      CLIENT_ID,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...process_.env } },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('relay listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`relay exited (${code}) before listening:\n${stderr}`)));
  });
  child.removeAllListeners('exit');
  return child;
}

async function stopRelay(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

async function servedRequestIds(url: string, firms: CreatedFirm[]): Promise<{ ids: Set<string>; events: number; gaps: number }> {
  const ids = new Set<string>();
  let events = 0;
  let gaps = 0;
  for (const firm of firms) {
    let after = '0';
    let expected = 1;
    for (;;) {
      const res = await fetch(`${url}/v1/events?after=${after}&limit=500`, { headers: { authorization: `Bearer ${firm.token}` } });
      if (!res.ok) throw new Error(`GET /v1/events → ${res.status}`);
      const page = (await res.json()) as RelayEventsPage;
      for (const e of page.events) {
        events += 1;
        if (Number(e.cursor) !== expected) gaps += 1;
        expected = Number(e.cursor) + 1;
        if (e.requestId) ids.add(e.requestId);
      }
      after = page.nextCursor;
      if (!page.hasMore) break;
    }
  }
  return { ids, events, gaps };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Summary {
  storage: string;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  restart: { acked: number; served: number; missing: number; servedWithout2xx: number; failedAttempts: number; downtimeMs: number; gaps: number };
}

async function benchStorage(kind: 'sqlite' | 'postgres', pgCluster: () => Promise<PgCluster>): Promise<Summary> {
  const cleanups: Array<() => void | Promise<void>> = [];
  try {
    let storage: string;
    if (kind === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      storage = `sqlite:${join(dir, 'relay.sqlite')}`;
    } else {
      storage = await (await pgCluster()).createDatabase();
    }
    const setup = await openStorage(storage);
    const admin = createRelayAdmin(setup);
    const firms: CreatedFirm[] = [];
    for (let i = 0; i < FIRMS; i++) firms.push(await admin.createFirm({ name: `Bench firm ${i}` }));
    await setup.close();

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let child = await startRelay(storage, port, CAPACITY_ARGS);
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const source = new RequestSource(firms, `${kind}`);
    const acked = new Set<string>();
    const unanswered = new Map<string, number>();
    const absorb = (o: LoadOutcome): void => {
      o.acked.forEach((id) => acked.add(id));
      o.unanswered.forEach((at, id) => unanswered.set(id, at));
    };

    console.log(`\n[${kind}] ${FIRMS} firms, ${CONNECTIONS} connections, ${POOL_SIZE.toLocaleString()} presigned distinct webhooks`);
    absorb(await runLoad(url, source, { durationS: 2 })); // warm-up (JIT, page cache)
    const main = await runLoad(url, source, { durationS: DURATION_S });
    absorb(main);
    const r = main.result;
    const eventsPerSecond = r['2xx'] / r.duration;
    console.log(
      `[${kind}] throughput: ${fmt(eventsPerSecond)} events/s stored (${fmt(r['2xx'])} in ${fmt(r.duration, 1)} s), ` +
        `latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}`,
    );

    // Restart check: a paced load (so connection-refused retries cannot spin) across a graceful restart.
    console.log(`[${kind}] restart check: ${RESTART_RATE}/s for ${RESTART_RUN_S} s, relay restarted after ${RESTART_AT_MS / 1000} s`);
    const running = runLoad(url, source, { durationS: RESTART_RUN_S, overallRate: RESTART_RATE });
    await new Promise((resolve) => setTimeout(resolve, RESTART_AT_MS));
    const down = Date.now();
    await stopRelay(child);
    child = await startRelay(storage, port, CAPACITY_ARGS);
    const up = Date.now();
    const downtimeMs = up - down;
    const restartRun = await running;
    absorb(restartRun);
    const rr = restartRun.result;
    const failedAttempts = rr.non2xx + rr.errors + rr.timeouts;

    const served = await servedRequestIds(url, firms);
    const missing = [...acked].filter((id) => !served.ids.has(id));
    const storedUnacked = [...served.ids].filter((id) => !acked.has(id));
    const servedWithout2xx = storedUnacked.length;
    // An unanswered request sent while the relay was going down or coming back lost its answer to the
    // restart; any other was simply still in flight when autocannon ended its run.
    const inRestart = storedUnacked.filter((id) => {
      const at = unanswered.get(id);
      return at !== undefined && at >= down - 1_000 && at <= up;
    }).length;
    console.log(
      `[${kind}] restart: relay down ${fmt(downtimeMs)} ms; during the run ${fmt(rr['2xx'])} × 2xx, ${rr.non2xx} non-2xx, ` +
        `${rr.errors} connection errors, ${rr.timeouts} timeouts`,
    );
    console.log(
      `[${kind}] all phases: ${fmt(acked.size)} events got a 2xx; ${fmt(served.ids.size)} distinct events served by /v1/events ` +
        `(${fmt(served.events)} rows, ${served.gaps} cursor gaps); acknowledged but missing: ${missing.length}; ` +
        `stored but never acknowledged: ${servedWithout2xx} (${inRestart} sent in the restart window, ` +
        `${servedWithout2xx - inRestart} still in flight when autocannon ended a run)` +
        (source.onTheFly > 0 ? `; ${fmt(source.onTheFly)} requests signed on the fly after the pool ran out` : ''),
    );
    if (missing.length > 0) console.log(`[${kind}] MISSING (first 10): ${missing.slice(0, 10).join(', ')}`);
    await stopRelay(child);
    return {
      storage: kind,
      eventsPerSecond,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      restart: { acked: acked.size, served: served.ids.size, missing: missing.length, servedWithout2xx, failedAttempts, downtimeMs, gaps: served.gaps },
    };
  } finally {
    for (const c of cleanups.reverse()) await c();
  }
}

const started = Date.now();
let cluster: Promise<PgCluster> | undefined;
const summaries: Summary[] = [];
try {
  for (const kind of STORAGES) summaries.push(await benchStorage(kind, () => (cluster ??= startPgCluster({ durable: true }))));
} finally {
  if (cluster) await (await cluster).stop();
}

console.log('\nstorage   | events/s | p50 ms | p99 ms | non-2xx | errors | restart: 2xx events | served | missing | served w/o 2xx');
for (const s of summaries) {
  console.log(
    `${s.storage.padEnd(9)} | ${fmt(s.eventsPerSecond).padStart(8)} | ${String(s.p50).padStart(6)} | ${String(s.p99).padStart(6)} | ` +
      `${String(s.non2xx).padStart(7)} | ${String(s.errors).padStart(6)} | ${fmt(s.restart.acked).padStart(19)} | ${fmt(s.restart.served).padStart(6)} | ` +
      `${String(s.restart.missing).padStart(7)} | ${s.restart.servedWithout2xx}`,
  );
}
const sqlite = summaries.find((s) => s.storage === 'sqlite');
if (sqlite) {
  const ok = sqlite.eventsPerSecond >= 2_000 && sqlite.p99 < 50;
  console.log(`target (SQLite ≥ 2,000 events/s with p99 < 50 ms): ${ok ? 'met' : 'NOT met'}`);
  // A missed target fails the run, like a lost event: a benchmark that always exits 0 guards nothing.
  if (!ok) process.exitCode = 1;
}
const lost = summaries.reduce((n, s) => n + s.restart.missing + s.restart.gaps, 0);
console.log(`acknowledged events lost: ${lost}; total time ${fmt((Date.now() - started) / 1000, 1)} s`);
if (lost > 0) process.exitCode = 1;
if (NOISY) {
  const met = await noisyNeighbour({
    clientId: CLIENT_ID,
    freePort,
    startRelay,
    stopRelay,
    freshSqlite() {
      const dir = mkdtempSync(join(tmpdir(), 'relay-noisy-'));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      return `sqlite:${join(dir, 'relay.sqlite')}`;
    },
  });
  if (!met) process.exitCode = 1;
}
