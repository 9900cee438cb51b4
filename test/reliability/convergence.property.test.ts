/**
 * Property: any interleaving of duplicated and reordered change events converges to the same Case Status
 * state (Smokeball's final one) and never sends a stage backwards or twice.
 *
 *  (a) Many runs over the pure pieces of the real-time path (event router, coalescer, version guard, all real)
 *      with a small model of the apply step (re-read Smokeball now, the engine's exact ticks guard).
 *  (b) Fewer runs over real parts: the Smokeball and Case Status simulators, the real SQLite store, the real
 *      engine refresh and the real RealtimeSync, fed by a scripted relay that serves the webhooks Smokeball
 *      really sent, permuted and duplicated by fast-check.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/sync/realtime/coalescer.js';
import { routeEvent } from '../../src/sync/realtime/event-router.js';
import { RealtimeSync } from '../../src/sync/realtime/index.js';
import { isAlreadyApplied } from '../../src/sync/realtime/version-guard.js';
import { connectToWorld, startWorld, STAGES_MISSING_IN_CASE_STATUS, type World } from '../../src/testbed/world.js';
import { parseJsonKeepingBigInts } from '../../src/sync/http/json.js';
import { tempDir } from '../helpers/tmp.js';

/** Is `sub` a subsequence of `seq` (same order, gaps allowed)? */
function isSubsequence<T>(sub: readonly T[], seq: readonly T[]): boolean {
  let i = 0;
  for (const x of seq) if (i < sub.length && sub[i] === x) i++;
  return i === sub.length;
}

// ---------------------------------------------------------------------------------------------------------
// (a) pure pieces + a model of the apply step

const BASE_TICKS = 638_396_640_000_000_000n; // ~2024: beyond 2^53, where a JSON double rounds by up to 64 ticks
const STAGES = ['Intake', 'Investigation', 'Treatment', 'Demand', 'Negotiation', 'Settled'];

type Cmd =
  | { kind: 'change'; matter: number; stage: number; gapTicks: number }
  | { kind: 'deliver'; pick: number; keepCopy: boolean; asDouble: boolean }
  | { kind: 'drain' };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('change' as const),
      matter: fc.nat(2),
      stage: fc.nat(STAGES.length - 1),
      gapTicks: fc.integer({ min: 1, max: 200 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), keepCopy: fc.boolean(), asDouble: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drain' as const) }) },
);

interface SbMatter {
  id: string;
  stage: string;
  ticks: bigint;
  /** Every (stage, ticks) Smokeball went through, in order. */
  history: Array<{ stage: string; ticks: bigint }>;
}

function simulate(cmds: Cmd[]) {
  const matters: SbMatter[] = [0, 1, 2].map((i) => ({
    id: `0b6f3c1e-0000-4c1e-9d0a-00000000000${i}`,
    stage: 'Intake',
    ticks: BASE_TICKS + BigInt(i),
    history: [{ stage: 'Intake', ticks: BASE_TICKS + BigInt(i) }],
  }));
  // The app's side: the applied link (stage and its ticks) and what Case Status was sent.
  const link = new Map(matters.map((m) => [m.id, { stage: m.stage, ticks: m.ticks }]));
  const sent = new Map<string, Array<{ stage: string; ticks: bigint }>>(matters.map((m) => [m.id, []]));
  const cs = new Map(matters.map((m) => [m.id, m.stage]));
  const inFlight: Array<{ matterId: string; ticks: bigint }> = [];
  const coalescer = new Coalescer();
  let reads = 0;
  let inexact = 0;
  let cursor = 0;

  const deliver = (i: number, keepCopy: boolean, asDouble: boolean) => {
    const ev = inFlight[i]!;
    if (!keepCopy) inFlight.splice(i, 1);
    // A relay or proxy that re-encoded the body may have turned the exact ticks into a (rounded) double.
    const lastUpdated = asDouble ? Number(ev.ticks) : ev.ticks.toString();
    if (asDouble) inexact += 1;
    const raw = {
      cursor: String(++cursor),
      source: 'smokeball',
      type: 'matterstage.updated',
      requestId: 'staff',
      body: { type: 'matterstage.updated', payload: { matter: { id: ev.matterId }, lastUpdated } },
    };
    const routed = routeEvent(raw, () => false);
    expect(routed.route.kind).toBe('stage');
    coalescer.add(routed.route);
  };

  const drain = () => {
    const batch = coalescer.drain();
    for (const [matterId, hint] of batch.matters) {
      const applied = link.get(matterId)!;
      if (isAlreadyApplied(hint.stageUpdated, applied.ticks.toString())) continue; // stale: no request at all
      // Re-read Smokeball as it is now; the engine sends only a stage strictly newer than the applied one.
      reads += 1;
      const now = matters.find((m) => m.id === matterId)!;
      if (now.ticks <= applied.ticks) continue;
      if (now.stage !== cs.get(matterId)) {
        cs.set(matterId, now.stage);
        sent.get(matterId)!.push({ stage: now.stage, ticks: now.ticks });
      }
      link.set(matterId, { stage: now.stage, ticks: now.ticks });
    }
  };

  let events = 0;
  for (const cmd of cmds) {
    if (cmd.kind === 'change') {
      const m = matters[cmd.matter]!;
      const stage = STAGES[cmd.stage]!;
      if (stage === m.stage) continue;
      m.stage = stage;
      m.ticks += BigInt(cmd.gapTicks);
      m.history.push({ stage, ticks: m.ticks });
      inFlight.push({ matterId: m.id, ticks: m.ticks });
      events += 1;
    } else if (cmd.kind === 'deliver') {
      if (inFlight.length > 0) deliver(cmd.pick % inFlight.length, cmd.keepCopy, cmd.asDouble);
    } else drain();
  }
  // Every event is delivered at least once in the end (events are hints; a dropped one is the reconcile's job).
  while (inFlight.length > 0) deliver(0, false, false);
  drain();
  return { matters, cs, sent, reads, events, inexact };
}

describe('convergence (pure pieces, model of the apply step)', () => {
  it('any interleaving of duplicated, reordered and re-encoded stage events converges, forward only, each stage once', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 60 }), (cmds) => {
        const { matters, cs, sent, reads, events, inexact } = simulate(cmds);
        for (const m of matters) {
          expect(cs.get(m.id)).toBe(m.stage);
          const history = m.history.map((h) => h.ticks);
          const out = sent.get(m.id)!;
          // Forward only: what Case Status got is Smokeball's history, in order, with gaps allowed.
          expect(
            isSubsequence(
              out.map((s) => s.ticks),
              history,
            ),
          ).toBe(true);
          for (let i = 1; i < out.length; i++) {
            expect(out[i]!.ticks > out[i - 1]!.ticks).toBe(true);
            expect(out[i]!.stage).not.toBe(out[i - 1]!.stage); // never the same stage twice in a row (a second survey)
          }
        }
        // Exact duplicates cost nothing: at most one Smokeball read per change. A hint whose ticks went through a
        // double cannot be compared exactly, so it may cost one re-read (never a write: the exact guard decides).
        expect(reads).toBeLessThanOrEqual(events + inexact);
      }),
      { numRuns: 400, seed: 20_261_127 },
    );
  });

  it('the coalescer and the guard keep the newest hint whatever order duplicates arrive in', () => {
    const tick = fc.bigInt({ min: BASE_TICKS, max: BASE_TICKS + 10_000n });
    fc.assert(
      fc.property(
        fc.array(tick, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.bigInt({ min: BASE_TICKS, max: BASE_TICKS + 10_000n }),
        (ticks, dupPicks, applied) => {
          const stream = [...ticks, ...dupPicks.map((p) => ticks[p % ticks.length]!)];
          const c = new Coalescer();
          for (const t of stream) c.add({ kind: 'stage', matterId: 'm', lastUpdated: { value: t, exact: true } });
          const hint = c.drain().matters.get('m')!;
          const newest = ticks.reduce((a, b) => (b > a ? b : a));
          expect(hint.stageUpdated?.value).toBe(newest);
          expect(hint.events).toBe(stream.length);
          // Dropped without a read exactly when nothing in the burst is newer than what was applied.
          expect(isAlreadyApplied(hint.stageUpdated, applied.toString())).toBe(newest <= applied);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// (b) real parts

/**
 * A scripted relay: GET /v1/firm points Smokeball's webhooks at POST /hooks (captured, not served), and
 * GET /v1/events serves whatever the test appends, by cursor, with long polling. Unlike the real relay it
 * serves a duplicate as often as it is appended (as after a relay replay), which is what the property needs.
 */
class ScriptedRelay {
  readonly captured: Array<{ requestId: string | null; body: unknown; type: string }> = [];
  private readonly log: Array<{ requestId: string | null; body: unknown; type: string }> = [];
  private waiters: Array<() => void> = [];
  private server!: http.Server;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  append(events: Array<{ requestId: string | null; body: unknown; type: string }>): void {
    this.log.push(...events);
    for (const w of this.waiters.splice(0)) w();
  }

  get length(): number {
    return this.log.length;
  }

  async close(): Promise<void> {
    for (const w of this.waiters.splice(0)) w();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/hooks') {
      let raw = '';
      for await (const chunk of req) raw += String(chunk);
      const body = parseJsonKeepingBigInts(raw) as { type: string };
      this.captured.push({ requestId: (req.headers.requestid as string | undefined) ?? null, body, type: body.type });
      return send(200, { received: true });
    }
    if (url.pathname === '/v1/firm')
      return send(200, { firmId: 'f', name: 'Firm', webhooks: { smokeball: { url: `${this.url}/hooks`, key: 'k' }, caseStatus: { url: `${this.url}/cs` } } });
    if (url.pathname === '/v1/events') {
      const after = Number(url.searchParams.get('after') ?? '0');
      const limit = Number(url.searchParams.get('limit') ?? '100');
      const wait = Number(url.searchParams.get('wait') ?? '0');
      if (after >= this.log.length && wait > 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, wait * 1000);
          this.waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      const events = this.log.slice(after, after + limit).map((e, i) => ({
        cursor: String(after + i + 1),
        source: 'smokeball',
        type: e.type,
        receivedAt: new Date().toISOString(),
        requestId: e.requestId,
        eventId: `e${after + i + 1}`,
        body: e.body,
      }));
      const nextCursor = String(after + events.length);
      // Bodies carry exact ticks as strings here; the app's reader accepts either form.
      return send(200, { events, nextCursor, hasMore: after + events.length < this.log.length });
    }
    return send(404, { error: 'not_found' });
  }
}

describe('convergence (real simulators, SQLite store, engine and RealtimeSync)', () => {
  let world: World;
  let stack: Awaited<ReturnType<typeof connectToWorld>>;
  let dir: ReturnType<typeof tempDir>;
  let relay: ScriptedRelay;
  let rt: RealtimeSync;
  let matters: string[];
  /** Per matter, every stage name Smokeball went through since the import (in order). */
  const sbHistory = new Map<string, string[]>();

  const stageSetOf = (matterId: string) => {
    const m = world.smokeball.control.matter(matterId);
    const set = world.firm.stageSets.find((s) => s.id === world.firm.stageSetByMatterType[m.matterTypeId])!;
    const seen = new Set<string>();
    return set.stages.filter((s) => !s.isDeleted && !STAGES_MISSING_IN_CASE_STATUS.includes(s.name) && !seen.has(s.name) && seen.add(s.name));
  };
  const nameOf = (matterId: string, stageId: string) => stageSetOf(matterId).find((s) => s.id === stageId)?.name;

  beforeAll(async () => {
    world = await startWorld({
      matters: 60,
      seed: 11,
      smokeball: { faults: { latencyMs: 2, latencyJitterMs: 1 } },
      caseStatus: { faults: { latencyMs: 2, latencyJitterMs: 1 } },
    });
    dir = tempDir('css-prop-');
    // Hundreds of moves in minutes: the mass-change guard (test/sync/stage-hold.test.ts) would hold them for a person.
    stack = await connectToWorld(world, { dataDir: dir.dir, ratePerSecond: 50, burst: 20, sync: { massChangeLimit: 1_000_000 } });
    const run = await stack.engine.initialImport();
    expect(run.outcome).toBe('succeeded');
    relay = new ScriptedRelay();
    await relay.start();
    rt = new RealtimeSync({
      relayUrl: relay.url,
      relayToken: 't',
      engine: stack.engine,
      smokeball: stack.smokeball,
      store: stack.store,
      options: { waitSeconds: 1, coalesceMs: 5, maxBackoffMs: 200 },
    });
    await rt.start();
    matters = [...stack.store.links.allMatters()]
      .filter((l) => l.status !== 'Closed' && l.stageId && stageSetOf(l.matterId).length >= 4)
      .slice(0, 3)
      .map((l) => l.matterId);
    expect(matters).toHaveLength(3);
    for (const id of matters) sbHistory.set(id, [world.caseStatus.control.cases().get(id)!.stage!]);
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
    await relay?.close();
    stack?.close();
    await world?.close();
    dir?.cleanup();
  });

  const plan = fc.record({
    // Per matter: which stages to move through this round (indexes into its stage set; repeats of the current are skipped).
    moves: fc.array(fc.tuple(fc.nat(2), fc.nat(20)), { minLength: 1, maxLength: 6 }),
    // How the captured webhooks reach the app: an order, extra copies, and pages of events.
    order: fc.array(fc.nat(), { minLength: 0, maxLength: 12 }),
    copies: fc.array(fc.nat(), { maxLength: 8 }),
    chunks: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
  });

  it('any permutation with duplicates of the webhooks Smokeball sent converges to Smokeball, forward only', async () => {
    let rounds = 0;
    await fc.assert(
      fc.asyncProperty(plan, async ({ moves, order, copies, chunks }) => {
        rounds += 1;
        const capturedBefore = relay.captured.length;
        const changesBefore = new Map(matters.map((id) => [id, world.caseStatus.control.stageChanges().filter((c) => c.caseExternalId === id).length]));
        const setThisRound = new Map(matters.map((id) => [id, [] as string[]]));
        for (const [mi, si] of moves) {
          const matterId = matters[mi]!;
          const stages = stageSetOf(matterId);
          const current = world.smokeball.control.matter(matterId).stage?.stageId;
          const target = stages[si % stages.length]!;
          if (target.id === current) continue;
          world.smokeball.control.changeMatterStage(matterId, target.id);
          setThisRound.get(matterId)!.push(target.name);
          sbHistory.get(matterId)!.push(target.name);
        }
        await world.smokeball.control.whenIdle();
        const fresh = relay.captured.slice(capturedBefore).filter((e) => e.type === 'matterstage.updated');
        // fast-check's interleaving: a permutation of the real webhooks, with duplicates, in pages.
        const events = [...fresh];
        for (let i = 0; i < order.length && events.length > 1; i++) {
          const j = order[i]! % events.length;
          [events[0], events[j]] = [events[j]!, events[0]!];
          events.push(events.shift()!);
        }
        for (const c of copies) if (fresh.length > 0) events.splice(c % (events.length + 1), 0, fresh[c % fresh.length]!);
        let at = 0;
        for (let k = 0; at < events.length; k++) {
          const n = chunks[k % chunks.length]!;
          relay.append(events.slice(at, at + n));
          at += n;
          await new Promise((r) => setTimeout(r, 5 * n));
        }
        const target = String(relay.length);
        const until = Date.now() + 15_000;
        while (rt.cursor !== target) {
          if (Date.now() > until) throw new Error(`RealtimeSync did not reach cursor ${target} (at ${rt.cursor})`);
          await new Promise((r) => setTimeout(r, 20));
        }
        const cases = world.caseStatus.control.cases();
        for (const id of matters) {
          const sbStage = world.smokeball.control.matter(id).stage!.stageId;
          expect(cases.get(id)!.stage).toBe(nameOf(id, sbStage));
          const sent = world.caseStatus.control
            .stageChanges()
            .filter((c) => c.caseExternalId === id)
            .slice(changesBefore.get(id))
            .map((c) => c.to);
          // What this round sent is part of what Smokeball went through this round, in order: never backwards.
          expect(isSubsequence(sent, setThisRound.get(id)!)).toBe(true);
          for (let i = 1; i < sent.length; i++) expect(sent[i]).not.toBe(sent[i - 1]);
        }
      }),
      { numRuns: 20, seed: 4242, endOnFailure: true },
    );
    expect(rounds).toBe(20);
    // Across all rounds: everything Case Status ever got for these matters follows Smokeball's history.
    for (const id of matters) {
      const all = world.caseStatus.control
        .stageChanges()
        .filter((c) => c.caseExternalId === id)
        .map((c) => c.to);
      expect(isSubsequence(all, sbHistory.get(id)!)).toBe(true);
    }
    expect(rt.metrics.malformed).toBe(0);
    expect(rt.metrics.staleHints).toBeGreaterThan(0); // duplicates really reached the app and were dropped unread
  }, 60_000);
});
