/**
 * The noisy-neighbour phase of bench/relay-load.ts (issue 14): one firm floods the relay while 99 firms run
 * a normal load, and the quiet firms must not notice. Run twice on fresh SQLite storage, once without and
 * once with the flood; each run gets its own relay process, so its peak RSS (VmHWM) is that run's alone.
 *
 * Normal load, per quiet firm: one signed webhook every 500 ms (≈200/s over 99 firms) and one app long-poll
 * (wait 25 s) following its cursor. Measured: each quiet webhook's latency, and the quiet pollers' events.
 * Flood, by one firm (in its own process, bench/noisy-flood-child.ts): 500 stored 60 KB events to start with,
 * 60 KB webhooks from 20 concurrent senders,
 * 8 concurrent 500-event reads from the start, and 200 slow-body connections trickling a byte every second.
 */
import type { ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { spawn } from 'node:child_process';
import { createRelayAdmin, openStorage, type CreatedFirm } from '../src/relay/index.js';
import { msToTicks } from '../src/sim/common/ticks.js';
import { signWebhook } from '../src/shared/smokeball-signature.js';

export interface NoisyDeps {
  clientId: string;
  freePort(): Promise<number>;
  startRelay(storage: string, port: number, extraArgs?: string[], process_?: { nodeArgs?: string[]; env?: Record<string, string> }): Promise<ChildProcess>;
  stopRelay(child: ChildProcess): Promise<void>;
  freshSqlite(): string;
}

export interface NoisyRun {
  flood: boolean;
  quietSent: number;
  quietOk: number;
  /** Quiet webhooks answered with anything but 200. */
  quietRefused: number;
  /** Quiet webhooks that got no answer at all (connection reset or refused; the sender would retry). */
  quietFailed: number;
  p50: number;
  p99: number;
  peakRssMb: number;
  quietEventsRead: number;
  flood2xx: number;
  flood429: number;
  floodReads429: number;
  slowClosedByRelay: number;
  /** CPU seconds the flood process and this load generator used during the run (they share the machine's cores). */
  floodCpuSeconds: number;
  generatorCpuSeconds: number;
  /** 1-minute load average when the run started and ended (the machine is shared). */
  loadBefore: number;
  loadAfter: number;
  /** The relay's own event loop (bench/noisy-loop-probe.ts): delay percentiles, utilisation, CPU seconds. */
  loop: LoopProbe | undefined;
}

interface LoopProbe {
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  eventLoopUtilization: number;
  cpuSeconds: number;
  wallSeconds: number;
}

// Longer than the relay's 15 s request timeout, so the slow bodies meet it.
const RUN_MS = 20_000;
const QUIET_EVERY_MS = 500;
const FLOOD_BODY_KB = 60;
const PREFILL = 500;

function signed(clientId: string, firm: CreatedFirm, requestId: string, payload: unknown): { headers: Record<string, string>; body: string } {
  const timestamp = msToTicks(Date.now()).toString();
  return {
    headers: {
      'content-type': 'application/json',
      Timestamp: timestamp,
      RequestId: requestId,
      Signature: signWebhook(firm.smokeballKey, timestamp, requestId, clientId),
    },
    body: JSON.stringify({ accountId: firm.firmId, subscriptionId: 'bench', type: 'matterstage.updated', source: 'Smokeball', payload, timestamp: 1 }),
  };
}

/** What the flood child (bench/noisy-flood-child.ts) is given, as JSON in its first argument. */
export interface FloodChildArgs {
  url: string;
  port: number;
  firm: CreatedFirm;
  clientId: string;
  runMs: number;
  bodyKb: number;
}

/** The flooding firm in a child process; resolves to its counts. */
function runFloodChild(args: FloodChildArgs): Promise<Pick<NoisyRun, 'flood2xx' | 'flood429' | 'floodReads429' | 'slowClosedByRelay' | 'floodCpuSeconds'>> {
  return new Promise((resolve, reject) => {
    // NOISY_FLOOD_NICE=19 runs the flood at the lowest CPU priority: a diagnostic of how much of the quiet firms'
    // latency is the flood process competing with the relay for the machine's cores, not the relay's own work.
    const nice = process.env.NOISY_FLOOD_NICE;
    const command = [process.execPath, '--import', 'tsx', 'bench/noisy-flood-child.ts', JSON.stringify(args)];
    const child = nice
      ? spawn('nice', ['-n', nice, ...command], { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(
          JSON.parse(stdout.trim().split('\n').pop()!) as Pick<NoisyRun, 'flood2xx' | 'flood429' | 'floodReads429' | 'slowClosedByRelay' | 'floodCpuSeconds'>,
        );
      } catch {
        reject(new Error(`the flood process exited ${code} without its counts`));
      }
    });
  });
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Peak resident set of a process, from /proc (Linux). */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function oneRun(deps: NoisyDeps, flood: boolean): Promise<NoisyRun> {
  const storage = deps.freshSqlite();
  const setup = await openStorage(storage);
  const admin = createRelayAdmin(setup);
  const firms: CreatedFirm[] = [];
  for (let i = 0; i < 100; i++) firms.push(await admin.createFirm({ name: `Noisy bench firm ${i}` }));
  const [noisy, ...quiet] = firms as [CreatedFirm, ...CreatedFirm[]];
  if (flood) {
    // The noisy firm already holds 500 large events (as in the issue's attack), so its reads are heavy.
    const filler = 'x'.repeat(FLOOD_BODY_KB * 1024);
    await Promise.all(
      Array.from({ length: PREFILL }, (_, i) =>
        setup.insertEvent({
          firmId: noisy.firmId,
          source: 'smokeball',
          type: 'matterstage.updated',
          eventId: `prefill-${i}`,
          requestId: `prefill-${i}`,
          receivedAt: new Date(),
          body: JSON.stringify({
            accountId: noisy.firmId,
            subscriptionId: 'bench',
            type: 'matterstage.updated',
            source: 'Smokeball',
            payload: { filler, i },
            timestamp: 1,
          }),
        }),
      ),
    );
  }
  await setup.close();
  const port = await deps.freePort();
  const url = `http://127.0.0.1:${port}`;
  const probeFile = `${storage.replace(/^sqlite:/, '')}.loop.json`;
  const loadBefore = loadavg()[0]!;
  const child = await deps.startRelay(storage, port, [], {
    nodeArgs: ['--import', './bench/noisy-loop-probe.ts', ...(process.env.NOISY_RELAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: { NOISY_LOOP_PROBE_FILE: probeFile },
  });
  const stopAt = Date.now() + RUN_MS;
  const latencies: number[] = [];
  const out: NoisyRun = {
    flood,
    quietSent: 0,
    quietOk: 0,
    quietRefused: 0,
    quietFailed: 0,
    p50: 0,
    p99: 0,
    peakRssMb: 0,
    quietEventsRead: 0,
    flood2xx: 0,
    flood429: 0,
    floodReads429: 0,
    slowClosedByRelay: 0,
    floodCpuSeconds: 0,
    generatorCpuSeconds: 0,
    loadBefore,
    loadAfter: 0,
    loop: undefined,
  };
  const generatorCpu = process.cpuUsage();
  const stopPolls = new AbortController();
  // One signal ends every quiet poll; each fetch adds a listener to it.
  setMaxListeners(0, stopPolls.signal);
  try {
    // The quiet firms' apps: one long poll each, following the cursor.
    const pollers = quiet.map(async (firm) => {
      let after = '0';
      while (!stopPolls.signal.aborted) {
        try {
          const res = await fetch(`${url}/v1/events?after=${after}&wait=25&limit=100`, {
            headers: { authorization: `Bearer ${firm.token}` },
            signal: stopPolls.signal,
          });
          if (res.status !== 200) {
            await res.text();
            continue;
          }
          const page = (await res.json()) as { events: unknown[]; nextCursor: string };
          out.quietEventsRead += page.events.length;
          after = page.nextCursor;
        } catch {
          // aborted at the end of the run
        }
      }
    });
    // The quiet firms' webhooks: staggered so they do not all fire in the same millisecond.
    const senders = quiet.map(async (firm, f) => {
      await new Promise((r) => setTimeout(r, (f * QUIET_EVERY_MS) / quiet.length));
      for (let i = 0; Date.now() < stopAt; i++) {
        const next = Date.now() + QUIET_EVERY_MS;
        const { headers, body } = signed(deps.clientId, firm, `quiet-${f}-${i}`, { matter: { id: `m-${i}` } });
        const t0 = performance.now();
        out.quietSent += 1;
        try {
          const res = await fetch(`${url}/hooks/smokeball/${firm.firmId}`, { method: 'POST', headers, body });
          await res.text();
          latencies.push(performance.now() - t0);
          if (res.status === 200) out.quietOk += 1;
          else out.quietRefused += 1;
        } catch {
          out.quietFailed += 1;
        }
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    });
    // The flood runs in its own process (bench/noisy-flood-child.ts): in this one its 60 KB sends would queue
    // the quiet firms' requests in the generator's event loop, and the latency measured would be the generator's.
    const floodDone = flood ? runFloodChild({ url, port, firm: noisy, clientId: deps.clientId, runMs: RUN_MS, bodyKb: FLOOD_BODY_KB }) : undefined;
    await Promise.all(senders);
    if (floodDone) Object.assign(out, await floodDone);
    out.peakRssMb = peakRssMb(child.pid!);
    stopPolls.abort();
    await Promise.all(pollers);
  } finally {
    out.loadAfter = loadavg()[0]!;
    const cpu = process.cpuUsage(generatorCpu);
    out.generatorCpuSeconds = (cpu.user + cpu.system) / 1e6;
    await deps.stopRelay(child);
  }
  if (existsSync(probeFile)) out.loop = JSON.parse(readFileSync(probeFile, 'utf8')) as LoopProbe;
  latencies.sort((a, b) => a - b);
  out.p50 = percentile(latencies, 50);
  out.p99 = percentile(latencies, 99);
  return out;
}

/** Both runs; prints them and whether the targets were met (quiet p99 within 2×, relay RSS < 300 MB). */
export async function noisyNeighbour(deps: NoisyDeps): Promise<boolean> {
  console.log('\n[noisy neighbour] 99 quiet firms (1 webhook / 500 ms and 1 long poll each), SQLite, default quotas');
  const calm = await oneRun(deps, false);
  const stormy = await oneRun(deps, true);
  const f = (n: number) => n.toFixed(1);
  for (const r of [calm, stormy]) {
    console.log(
      `[noisy neighbour] ${r.flood ? 'with flood   ' : 'without flood'}: quiet webhooks ${r.quietOk}/${r.quietSent} stored (${r.quietRefused} refused, ${r.quietFailed} without an answer), ` +
        `p50 ${f(r.p50)} ms, p99 ${f(r.p99)} ms; quiet events read by long polls ${r.quietEventsRead}; relay peak RSS ${f(r.peakRssMb)} MB` +
        (r.flood
          ? `; flood: ${r.flood2xx} × 200, ${r.flood429} × 429, reads refused ${r.floodReads429}, slow bodies cut by the relay ${r.slowClosedByRelay}/200`
          : ''),
    );
    const l = r.loop;
    console.log(
      `[noisy neighbour]   load average ${r.loadBefore.toFixed(2)} → ${r.loadAfter.toFixed(2)}; relay event loop: ` +
        (l
          ? `delay p50 ${f(l.loopDelayP50Ms)} ms, p99 ${f(l.loopDelayP99Ms)} ms, max ${f(l.loopDelayMaxMs)} ms; ` +
            `utilisation ${(l.eventLoopUtilization * 100).toFixed(0)} %; CPU ${f(l.cpuSeconds)} s in ${f(l.wallSeconds)} s`
          : 'not measured') +
        `; CPU of the load generator ${f(r.generatorCpuSeconds)} s` +
        (r.flood ? `, of the flood process ${f(r.floodCpuSeconds)} s${process.env.NOISY_FLOOD_NICE ? ` (nice ${process.env.NOISY_FLOOD_NICE})` : ''}` : ''),
    );
  }
  const ratio = stormy.p99 / calm.p99;
  const ok =
    ratio <= 2 &&
    stormy.peakRssMb < 300 &&
    calm.peakRssMb < 300 &&
    stormy.quietRefused + stormy.quietFailed === 0 &&
    calm.quietRefused + calm.quietFailed === 0;
  const unanswered = stormy.quietRefused + stormy.quietFailed + calm.quietRefused + calm.quietFailed;
  console.log(
    `[noisy neighbour] quiet p99 with/without flood: ${ratio.toFixed(2)}× (target ≤ 2×); peak RSS ${f(stormy.peakRssMb)} MB (target < 300 MB); ` +
      `quiet webhooks without a 200: ${unanswered} (target 0): ${ok ? 'met' : 'NOT met'}`,
  );
  return ok;
}
