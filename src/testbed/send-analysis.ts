import { existsSync, readFileSync } from 'node:fs';
import type { RequestLogEntry } from '../sim/common/request-stats.js';

/**
 * Reads the app's send trace (soak/send-trace.ts) beside the Smokeball simulator's arrival log and answers the one
 * question a 429 outside the storm raises: did the app send faster than the limit, or did requests it spaced out
 * arrive bunched (stalls on the way or in the simulator's own event loop)? All times are wall-clock ms.
 */
export interface ClientSend {
  method: string;
  path: string;
  created: number;
  sent: number | null;
  status: number | null;
  rid: string | null;
}

export interface SendAnalysis {
  /** Smokeball API requests the app created (from the trace), outside the storms. */
  clientRequests: number;
  /** Requests a token bucket of the server's rate and burst would refuse, judged on the app's own send times. */
  clientOverLimit: number;
  /**
   * The least the server's bucket held after one of the app's sends (by the app's send times): how much room the
   * app left for its requests to arrive bunched. Under 1, a little bunching on the way means a 429.
   */
  clientBucketLow: number;
  /** How many of the app's sends left the bucket under 1 token. */
  clientSendsBelowOneToken: number;
  /** The same judged on the simulator's arrival times (what the simulator did refuse, if it kept the same bucket). */
  arrivalOverLimit: number;
  /** 429s the simulator answered outside the storms. */
  refusedOutsideStorms: number;
  /** Arrival minus send for requests matched by RequestId: median, 99th percentile, largest (ms). */
  transitMs: { matched: number; p50: number; p99: number; max: number };
  /** The largest event-loop stall seen in the app and in the soak process (which hosts the simulator), ms. */
  largestStallMs: { app: number; soak: number };
  /** For each refused request: the arrivals in the second before it, with when the app sent each. */
  refusals: Array<{ at: string; request: string; before: string[] }>;
}

export function readTrace(files: string[]): { sends: Array<ClientSend & { host: string }>; stalls: number[] } {
  const sends: Array<ClientSend & { host: string }> = [];
  const stalls: number[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as (ClientSend & { host: string }) | { stall: number };
        if ('stall' in e) stalls.push(e.stall);
        else sends.push(e);
      } catch {
        // a line cut by SIGKILL
      }
    }
  }
  return { sends, stalls };
}

/** The bucket's level after each of `times` (sorted), as if every one took a token. */
export function bucketLevels(times: number[], rate: number, burst: number): number[] {
  let tokens = burst;
  let last = times[0] ?? 0;
  return times.map((t) => {
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate) - 1;
    last = t;
    return tokens;
  });
}

/** How many of `times` (sorted) a token bucket of `rate`/s and `burst` would refuse, each refusal taking no token. */
export function bucketRefusals(times: number[], rate: number, burst: number): number {
  let tokens = burst;
  let last = times[0] ?? 0;
  let refused = 0;
  for (const t of times) {
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
    last = t;
    if (tokens >= 1) tokens -= 1;
    else refused += 1;
  }
  return refused;
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);

export function analyseSends(options: {
  sends: Array<ClientSend & { host: string }>;
  appStalls: number[];
  soakStalls: number[];
  smokeballHost: string;
  /** The simulator's log; `at` is performance.now() of this process. */
  arrivals: RequestLogEntry[];
  /** Storm windows in this process's performance.now(), extended as the invariant extends them. */
  inStorm: (perfMs: number) => boolean;
  rate: number;
  burst: number;
}): SendAnalysis {
  const origin = performance.timeOrigin;
  const isApi = (path: string) => !path.startsWith('/_sim') && !path.startsWith('/oauth2/') && !path.startsWith('/_s3/');
  const sends = options.sends.filter((s) => s.host === options.smokeballHost && isApi(s.path) && !options.inStorm(s.created - origin));
  const arrivals = options.arrivals.filter((e) => isApi(e.route) && !options.inStorm(e.at));
  const sentAt = (s: ClientSend) => s.sent ?? s.created;
  const clientTimes = sends.map(sentAt).sort((a, b) => a - b);
  const arrivalTimes = arrivals.map((e) => e.at + origin).sort((a, b) => a - b);
  // A write keeps its RequestId on retries, so one id can name several sends: an arrival is matched with the
  // latest of them that left before it arrived.
  const byRid = new Map<string, ClientSend[]>();
  for (const s of sends) if (s.rid) byRid.set(s.rid, [...(byRid.get(s.rid) ?? []), s]);
  const sendOf = (e: RequestLogEntry): ClientSend | undefined =>
    (e.requestId ? byRid.get(e.requestId) : undefined)?.filter((s) => sentAt(s) <= e.at + origin).sort((a, b) => sentAt(b) - sentAt(a))[0];
  const transit: number[] = [];
  for (const e of arrivals) {
    const s = sendOf(e);
    if (s) transit.push(e.at + origin - sentAt(s));
  }
  transit.sort((a, b) => a - b);
  const refusals = arrivals
    .filter((e) => e.status === 429)
    .map((e) => {
      const before = arrivals.filter((x) => x.at <= e.at && x.at > e.at - 1_200).sort((a, b) => a.at - b.at);
      return {
        at: `${(e.at / 1000).toFixed(3)} s`,
        request: `${e.method} ${e.route}`,
        before: before.map((x) => {
          const s = sendOf(x);
          const arrived = (x.at - e.at).toFixed(0);
          return `${x.status} ${x.method} ${x.route}: arrived ${arrived} ms, sent ${s ? (sentAt(s) - origin - e.at).toFixed(0) : '?'} ms, created ${s ? (s.created - origin - e.at).toFixed(0) : '?'} ms`;
        }),
      };
    });
  const levels = bucketLevels(clientTimes, options.rate, options.burst);
  return {
    clientRequests: sends.length,
    clientBucketLow: Math.round(Math.min(options.burst, ...levels) * 100) / 100,
    clientSendsBelowOneToken: levels.filter((l) => l < 1).length,
    clientOverLimit: bucketRefusals(clientTimes, options.rate, options.burst),
    arrivalOverLimit: bucketRefusals(arrivalTimes, options.rate, options.burst),
    refusedOutsideStorms: arrivals.filter((e) => e.status === 429).length,
    transitMs: {
      matched: transit.length,
      p50: Math.round(percentile(transit, 0.5)),
      p99: Math.round(percentile(transit, 0.99)),
      max: Math.round(transit.at(-1) ?? 0),
    },
    largestStallMs: { app: Math.round(Math.max(0, ...options.appStalls)), soak: Math.round(Math.max(0, ...options.soakStalls)) },
    refusals,
  };
}

/**
 * The rate-limit invariant, judged where the limit applies to the app: Smokeball's token bucket over the app's
 * own send times must refuse nothing outside the storms. A 429 the simulator answered while the app's sends kept
 * within the bucket came from arrivals bunched after they left the app (the simulator shares the soak's loaded
 * event loop); it is listed in the detail, with the delays, and does not fail the soak. Without a send trace the
 * simulator's 429s alone decide, as before.
 */
export function judgeRateLimit(simulator: { name: string; ok: boolean; detail: string }, sends: SendAnalysis): { name: string; ok: boolean; detail: string } {
  if (sends.clientRequests === 0) return simulator;
  const bunched =
    sends.refusedOutsideStorms > 0
      ? `; ${sends.refusedOutsideStorms} refused by the simulator on arrivals bunched after they left the app (send → arrival up to ${sends.transitMs.max} ms, the soak process stalled up to ${sends.largestStallMs.soak} ms)`
      : '';
  if (sends.clientOverLimit > 0) {
    return {
      name: simulator.name,
      ok: false,
      detail: `the app sent ${sends.clientOverLimit} of ${sends.clientRequests} requests above Smokeball's bucket by its own send times${bunched}; ${simulator.detail}`,
    };
  }
  return {
    name: simulator.name,
    ok: true,
    detail: `${sends.clientRequests} sends, none above Smokeball's bucket by the app's own send times (at least ${sends.clientBucketLow} tokens left)${bunched}`,
  };
}

/** Logs event-loop stalls over 50 ms in this process (the one the simulators run in). */
export function watchStalls(): { stalls: number[]; stop: () => void } {
  const stalls: number[] = [];
  let expected = performance.now() + 20;
  const timer = setInterval(() => {
    const t = performance.now();
    if (t - expected > 50) stalls.push(t - expected);
    expected = t + 20;
  }, 20);
  timer.unref();
  return { stalls, stop: () => clearInterval(timer) };
}
