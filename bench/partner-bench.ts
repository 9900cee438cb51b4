/**
 * Many firms on one Smokeball partner budget. The real relay in `shared` mode (SQLite; PostgreSQL with two
 * relay instances, firms alternating between them) divides one 5 req/s, burst-5 budget among --firms
 * lightweight hosts. Each host is the app's real pacing gate, real sync-lease keeper (LeaseKeeper + LeaseClient:
 * no lease, no request) and real rate-lease follower (RateLeaseFollower + RelayBudgetClient), in this one
 * process (1,000 app processes would not fit on 2 cores). "Smokeball" is one HTTP server holding the
 * simulator's PartnerBucket (src/sim/smokeball/partner-bucket.ts): every request of every firm takes a token
 * of the app's client id, 429 when empty, 50 ms latency.
 *
 * Workload, with the request costs measured by the other benchmarks (docs/performance.md):
 * - real-time events at their real aggregate rate, not compressed: 40 stage changes per firm per 10-hour
 *   business day (1,000 firms → 1.1 events/s), Poisson, one Smokeball read each (priority 10);
 * - nightly reconciles compressed in time: a night of 8 hours is played --night-compression times faster,
 *   so the run holds that share of the night's reconciles (15 requests each, a 2,000-matter firm, two pages
 *   at a time), started evenly spread over the run;
 * - 5 new firms importing, started 20 % into the run: 3 of 2,000 matters (15 requests) and 2 of 20,000
 *   matters (125 requests), two pages at a time.
 * Time is compressed only by playing fewer hours: rates per second are real, the partner bucket is real.
 *
 * Prints, per storage: 429s at the partner bucket (target 0), peak requests in any 1-second window
 * (≤ burst + rate = 10), Jain's index over busy firms (each firm's bulk requests over its fair share, an equal
 * split of what the busy firms sent, in the seconds it and another firm had bulk work pending; ≥ 0.95), p95 real-time latency (event → response) while imports run (< 10 s), each new firm's
 * import time. Exits non-zero on a missed target.
 *
 * Then, to tell the machine's load from the allocator (printed, not targets): the load average, the bench
 * process's CPU share and event-loop delay, requests sent while only the floor was in force, the delay from
 * the gate letting a request go to its arrival at the bucket (and that delay for each 429), the rate-lease
 * renewals' count and round trip, and how long real-time reads waited at the gate.
 *
 *   npm run bench:partner                                   (about 6 minutes: both storages)
 *   npm run bench:partner -- --storage sqlite --seconds 60 --firms 200
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startRelayServer, type RelayServer } from '../src/relay/index.js';
import { jainIndex } from '../src/shared/budget/allocator.js';
import { PartnerBucket } from '../src/sim/smokeball/partner-bucket.js';
import { LeaseClient } from '../src/sync/coordination/lease-client.js';
import { LeaseKeeper } from '../src/sync/coordination/lease-keeper.js';
import { PacingGate, type FailureClass } from '../src/sync/pacing/gate.js';
import { RateLeaseFollower, RelayBudgetClient, type BudgetRenewer } from '../src/sync/pacing/rate-lease.js';
import pgClient from 'pg';
import { startPgCluster, type PgCluster } from '../test/relay/pg-harness.js';

const { values } = parseArgs({
  options: {
    storage: { type: 'string', default: 'sqlite,postgres' },
    firms: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '150' },
    'night-compression': { type: 'string', default: '4' },
    'events-per-day': { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
  },
});
const FIRMS = Number(values.firms);
const SECONDS = Number(values.seconds);
const NIGHT_COMPRESSION = Number(values['night-compression']);
const EVENTS_PER_DAY = Number(values['events-per-day']);
const STORAGES = values.storage.split(',') as Array<'sqlite' | 'postgres'>;
const RATE = 5;
const BURST = 5;
const RECONCILE_REQUESTS = 15; // a 2,000-matter firm, unchanged (docs/performance.md)
const IMPORTS = [15, 15, 15, 125, 125]; // 2,000 and 20,000 matters (docs/performance.md)
const SMOKEBALL_LATENCY_MS = 50;
const CLIENT_ID = 'app-client-id';

let seed = Number(values.seed);
function random(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

class Throttled extends Error {}
const classify = (e: unknown): FailureClass => (e instanceof Throttled ? { kind: 'throttled' } : { kind: 'fatal' });

/** One HTTP server standing for Smokeball: the partner bucket, arrivals per firm, 50 ms latency. */
interface Partner {
  url: string;
  bucket: PartnerBucket;
  arrivals: number[];
  perFirm: Map<string, number[]>;
  /** Per arrival: ms between the host's gate letting the request go and its arrival here; and whether it was a 429. */
  lags: Array<{ lag: number; throttled: boolean; at: number; floor: boolean }>;
  server: Server;
}

async function startPartner(): Promise<Partner> {
  const bucket = new PartnerBucket({ ratePerSecond: RATE, burst: BURST });
  const arrivals: number[] = [];
  const perFirm = new Map<string, number[]>();
  const lags: Partner['lags'] = [];
  const server = createServer((req, res) => {
    const t = performance.now();
    arrivals.push(t);
    const ok = bucket.take(CLIENT_ID);
    lags.push({ lag: t - Number(req.headers['x-sent']), throttled: !ok, at: t, floor: req.headers['x-floor'] === '1' });
    if (ok) {
      const firm = String(req.headers['x-firm']);
      (perFirm.get(firm) ?? perFirm.set(firm, []).get(firm)!).push(t);
    }
    setTimeout(() => {
      res.writeHead(ok ? 200 : 429, { 'content-type': 'application/json' });
      res.end(ok ? '{}' : '{"message":"Too Many Requests"}');
    }, SMOKEBALL_LATENCY_MS);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, bucket, arrivals, perFirm, lags, server };
}

interface Host {
  firmId: string;
  gate: PacingGate;
  keeper: LeaseKeeper;
  follower: RateLeaseFollower;
  /** [start, end] of each span with bulk work pending. */
  busy: Array<[number, number]>;
  bulkPending: number;
}

async function runOne(kind: 'sqlite' | 'postgres', pg: () => Promise<PgCluster>): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'partner-bench-'));
  const storage = kind === 'sqlite' ? `sqlite:${join(dir, 'relay.sqlite')}` : await (await pg()).createDatabase();
  const relayOptions = { storage, smokeballClientId: CLIENT_ID, budget: { mode: 'shared' as const, ratePerSecond: RATE, concurrency: BURST } };
  const relays: RelayServer[] = [await startRelayServer(relayOptions)];
  if (kind === 'postgres') relays.push(await startRelayServer(relayOptions));
  const partner = await startPartner();
  const hosts: Host[] = [];
  const renewals: number[] = [];
  const t0 = performance.now();
  const now = (): number => performance.now() - t0;

  // Firms and their hosts; each host takes its firm's sync lease (staggered, as installs start over a morning).
  const total = FIRMS + IMPORTS.length;
  for (let i = 0; i < total; i++) {
    const relay = relays[i % relays.length]!;
    const firm = await relay.admin.createFirm({ name: `Firm ${i}` });
    const leaseClient = new LeaseClient({ relayUrl: relay.url, relayToken: firm.token });
    const keeper = new LeaseKeeper({ client: leaseClient, identity: { installId: `install-${i}`, installName: `PC-${i}`, user: 'bench', preferred: false } });
    const gate = new PacingGate({ name: `smokeball-${i}`, ratePerSecond: RATE, burst: BURST, classify, fence: keeper });
    const follower = new RateLeaseFollower({ gate, client: timed(new RelayBudgetClient({ relayUrl: relay.url, relayToken: firm.token }), renewals) });
    hosts.push({ firmId: firm.firmId, gate, keeper, follower, busy: [], bulkPending: 0 });
  }
  console.error(`[${kind}] ${total} firms created in ${(now() / 1000).toFixed(1)} s; starting their hosts`);
  // In batches, each after the previous batch's first lease answers: on a loaded machine a thousand hosts
  // asking at once timed out against the relay and retried (not part of what is measured).
  const START_BATCH = 25;
  for (let i = 0; i < hosts.length; i += START_BATCH) {
    const batch = hosts.slice(i, i + START_BATCH);
    await Promise.all(batch.map((h) => h.keeper.start()));
    for (const h of batch) h.follower.start();
  }
  const deadline = Date.now() + 300_000;
  while (hosts.some((h) => h.keeper.current.kind !== 'host') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const unhosted = hosts.filter((h) => h.keeper.current.kind !== 'host').length;
  if (unhosted > 0) throw new Error(`${unhosted} hosts did not get their firm's sync lease within 5 minutes`);

  const request = (h: Host, priority: number, sent?: { at: number }): Promise<void> =>
    h.gate.run(
      async () => {
        const at = performance.now();
        if (sent) sent.at = at;
        // Sent while the rate in force was the floor (at most 0.2 req/s; grants are larger): a floor token, or a
        // grant that lapsed between its token and the send.
        const floor = (h.gate.snapshot().budgetRatePerSecond ?? Infinity) <= 0.2 ? '1' : '0';
        const res = await fetch(`${partner.url}/r`, { headers: { 'x-firm': h.firmId, 'x-sent': String(at), 'x-floor': floor } });
        await res.arrayBuffer();
        if (res.status === 429) throw new Throttled('429');
        if (res.status !== 200) throw new Error(`Smokeball stand-in answered ${res.status}`);
      },
      { idempotent: true, priority },
    );

  /** A bulk job: `count` requests, `parallel` at a time (pages), tracking when the firm has bulk work pending. */
  const bulk = async (h: Host, count: number, parallel = 2): Promise<void> => {
    if (h.bulkPending++ === 0) h.busy.push([now(), Infinity]);
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < count) {
          next += 1;
          await request(h, 0);
        }
      }),
    );
    if (--h.bulkPending === 0) h.busy[h.busy.length - 1]![1] = now();
  };

  console.error(`[${kind}] every host holds its firm's lease after ${(now() / 1000).toFixed(1)} s; workload starts`);
  // The measured window starts now (after every host holds its lease).
  const w0 = now();
  partner.arrivals.length = 0;
  partner.lags.length = 0;
  renewals.length = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpu0 = process.cpuUsage();
  const load0 = loadavg()[0]!;
  const before = partner.bucket.stats();
  const budgetWrites0 = kind === 'postgres' ? await budgetRowWrites(storage) : 0;
  const jobs: Array<Promise<void>> = [];
  const realtime: Array<{ at: number; latency: number; gateWait: number }> = [];
  const importSpans: Array<{ matters: number; requests: number; start: number; end: number }> = [];

  // Nightly reconciles: the share of an 8-hour night that --night-compression × the run covers.
  const reconciles = Math.min(FIRMS, Math.round((FIRMS * SECONDS * NIGHT_COMPRESSION) / (8 * 3600)));
  for (let k = 0; k < reconciles; k++) {
    const h = hosts[Math.floor(random() * FIRMS)]!;
    const at = (k / reconciles) * SECONDS * 0.8 * 1000;
    jobs.push(new Promise((r) => setTimeout(r, at)).then(() => bulk(h, RECONCILE_REQUESTS)));
  }
  // The new firms' imports.
  IMPORTS.forEach((requests, k) => {
    const h = hosts[FIRMS + k]!;
    jobs.push(
      new Promise((r) => setTimeout(r, SECONDS * 200)).then(async () => {
        const start = now();
        await bulk(h, requests);
        importSpans.push({ matters: requests === 125 ? 20_000 : 2_000, requests, start, end: now() });
      }),
    );
  });
  // Real-time events: Poisson at the real aggregate rate.
  const lambda = (FIRMS * EVENTS_PER_DAY) / (10 * 3600);
  let tEvent = 0;
  let events = 0;
  for (;;) {
    tEvent += (-Math.log(1 - random()) / lambda) * 1000;
    if (tEvent > SECONDS * 1000) break;
    const h = hosts[Math.floor(random() * FIRMS)]!;
    const at = tEvent;
    events += 1;
    jobs.push(
      new Promise((r) => setTimeout(r, at)).then(async () => {
        const start = now();
        const sent = { at: NaN };
        await request(h, 10, sent);
        realtime.push({ at: start, latency: now() - start, gateWait: sent.at - t0 - start });
      }),
    );
  }
  const results = await Promise.allSettled(jobs);
  const failed = results.filter((r) => r.status === 'rejected');
  const end = now();
  loopDelay.disable();
  const cpu = process.cpuUsage(cpu0);

  // Figures.
  const after = partner.bucket.stats();
  const throttled = after.throttled - before.throttled;
  const arrivals = partner.arrivals;
  let peak = 0;
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (arrivals[i]! - arrivals[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  // Fairness where it matters: in each second in which two or more firms had bulk work pending the whole
  // second, the bulk requests those firms sent, divided equally, are each one's fair share. A firm's score is
  // what it sent over its fair shares, summed over its contended seconds (1 = exactly fair); firms with at
  // least 5 contended seconds count. (A firm alone may rightly use more: idle share is lent.)
  const contended = new Map<string, { sent: number; fair: number; seconds: number }>();
  const sentIn = (h: Host, from: number, to: number): number => (partner.perFirm.get(h.firmId) ?? []).filter((t) => t - t0 >= from && t - t0 < to).length;
  for (let s = Math.floor(w0 / 1000); s < Math.floor(end / 1000); s++) {
    const from = s * 1000;
    const to = from + 1000;
    const busyNow = hosts.filter((h) => h.busy.some(([b, e]) => b <= from && e >= to));
    if (busyNow.length < 2) continue;
    const sent = busyNow.map((h) => sentIn(h, from, to));
    const share = sent.reduce((a, b) => a + b, 0) / busyNow.length;
    busyNow.forEach((h, i) => {
      const c = contended.get(h.firmId) ?? { sent: 0, fair: 0, seconds: 0 };
      c.sent += sent[i]!;
      c.fair += share;
      c.seconds += 1;
      contended.set(h.firmId, c);
    });
  }
  const busyRates = [...contended.values()].filter((c) => c.seconds >= 5 && c.fair > 0).map((c) => c.sent / c.fair);
  const jain = jainIndex(busyRates);
  const importStart = Math.min(...importSpans.map((s) => s.start));
  const importEnd = Math.max(...importSpans.map((s) => s.end));
  const during = realtime
    .filter((r) => r.at >= importStart && r.at <= importEnd)
    .map((r) => r.latency)
    .sort((a, b) => a - b);
  const all = realtime.map((r) => r.latency).sort((a, b) => a - b);
  const p95 = (xs: number[]): number => xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? NaN;
  const bulkRequests = reconciles * RECONCILE_REQUESTS + IMPORTS.reduce((a, b) => a + b, 0);

  console.log(
    `\n== ${kind}${kind === 'postgres' ? ' (two relay instances)' : ''}: ${FIRMS} firms + ${IMPORTS.length} new, ${SECONDS} s, partner bucket ${RATE}/s burst ${BURST} ==`,
  );
  console.log(
    `workload: ${events} real-time events (${lambda.toFixed(2)}/s), ${reconciles} reconciles (night ×${NIGHT_COMPRESSION}), ${IMPORTS.length} imports; ${bulkRequests} bulk requests`,
  );
  console.log(`requests accepted at the partner bucket: ${after.accepted - before.accepted} in ${((end - w0) / 1000).toFixed(0)} s`);
  console.log(`429s at the partner bucket:      ${throttled}   (target 0)`);
  console.log(`peak requests in any 1 s:        ${peak}   (target ≤ ${RATE + BURST})`);
  console.log(
    `Jain's index over busy firms:    ${jain.toFixed(3)} over ${busyRates.length} firms (sent / fair share while contended: min ${Math.min(...busyRates).toFixed(2)}, max ${Math.max(...busyRates).toFixed(2)})   (target ≥ 0.95)`,
  );
  console.log(
    `real-time latency p95:           ${(p95(during) / 1000).toFixed(2)} s during imports (${during.length} events), ${(p95(all) / 1000).toFixed(2)} s overall, max ${((all.at(-1) ?? NaN) / 1000).toFixed(2)} s   (target < 10 s during imports)`,
  );
  for (const s of importSpans.sort((a, b) => a.requests - b.requests))
    console.log(`new firm import (${s.matters.toLocaleString('en')} matters, ${s.requests} requests): ${((s.end - s.start) / 1000).toFixed(1)} s`);
  // Where the time goes (printed to tell the machine's load from the allocator; not targets).
  const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
  const lags = partner.lags.map((l) => l.lag);
  const throttledLags = partner.lags.filter((l) => l.throttled).map((l) => `${l.lag.toFixed(0)}${l.floor ? ' (floor)' : ''}`);
  const onFloor = partner.lags.filter((l) => l.floor).length;
  console.log(
    `machine load average (1 min) ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end; bench process: ${((cpu.user + cpu.system) / 1000 / (end - w0)).toFixed(2)} of one core busy; event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`,
  );
  console.log(
    `sent while the floor was in force: ${onFloor} of ${partner.lags.length}; gate → Smokeball arrival: p50 ${q(lags, 0.5).toFixed(0)} ms, p99 ${q(lags, 0.99).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms; the 429s' lags: [${throttledLags.join(', ')}] ms`,
  );
  console.log(
    `rate-lease renewals: ${renewals.length} (${(renewals.length / ((end - w0) / 1000)).toFixed(1)}/s), round trip p50 ${q(renewals, 0.5).toFixed(0)} ms, p99 ${q(renewals, 0.99).toFixed(0)} ms`,
  );
  const waits = realtime.filter((r) => r.at >= importStart && r.at <= importEnd).map((r) => r.gateWait);
  console.log(
    `real-time wait at the gate (event → sent) during imports: p50 ${(q(waits, 0.5) / 1000).toFixed(2)} s, p95 ${(q(waits, 0.95) / 1000).toFixed(2)} s`,
  );
  if (failed.length > 0) console.log(`FAILED jobs: ${failed.length}, e.g. ${String((failed[0] as PromiseRejectedResult).reason)}`);

  for (const h of hosts) await h.follower.stop();
  await Promise.all(hosts.map((h) => h.keeper.stop({ release: false })));
  for (const h of hosts) h.gate.dispose();
  await new Promise<void>((r) => partner.server.close(() => r()));
  partner.server.closeAllConnections();
  for (const r of relays) await r.close();
  if (kind === 'postgres') {
    // Read after the relays closed: their connections' statistics are flushed when they end.
    const holds = (await budgetRowWrites(storage)) - budgetWrites0;
    console.log(
      `budget row lock holds (its writes, from PostgreSQL's statistics): ${holds} for ${renewals.length} renewals, ${(renewals.length / Math.max(1, holds)).toFixed(1)} renewals per hold`,
    );
  }
  rmSync(dir, { recursive: true, force: true });

  return throttled === 0 && peak <= RATE + BURST && jain >= 0.95 && p95(during) < 10_000 && failed.length === 0 && importSpans.length === IMPORTS.length;
}

let cluster: Promise<PgCluster> | undefined;
let ok = true;
try {
  for (const kind of STORAGES) ok = (await runOne(kind, () => (cluster ??= startPgCluster()))) && ok;
} finally {
  if (cluster) await (await cluster).stop();
}
console.log(ok ? '\nAll targets met.' : '\nA target was missed.');
process.exit(ok ? 0 : 1);

/**
 * Writes of the budget row since the database started: one per lock hold that decided something (a batch of
 * renewals), so the renewals per hold show how much the relay's batching gathers.
 */
async function budgetRowWrites(url: string): Promise<number> {
  const client = new pgClient.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT n_tup_upd::text AS n FROM pg_stat_user_tables WHERE relname = 'relay_budget'`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Counts the rate-lease renewals and their round trips (what the relay and the event loop cost a host). */
function timed(client: BudgetRenewer, roundTrips: number[]): BudgetRenewer {
  return {
    async renew(request) {
      const start = performance.now();
      try {
        return await client.renew(request);
      } finally {
        roundTrips.push(performance.now() - start);
      }
    },
  };
}
