import { startRelayServer, type RelayServer } from '../../../src/relay/index.js';
import type { RelayServerOptions } from '../../../src/relay/server.js';
import { connectToWorld, startWorld, STAGES_MISSING_IN_CASE_STATUS, type World } from '../../../src/testbed/world.js';

import { RealtimeSync, type RealtimeOptions } from '../../../src/sync/realtime/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { QUICK_SIMULATORS, TEST_RATE } from '../../helpers/quick-world.js';

/** Real time shows "live" after its first long-poll answer: a 1 s wait (the shortest) keeps every start quick. */
export const QUICK: RealtimeOptions = { waitSeconds: 1, coalesceMs: 20, maxBackoffMs: 500 };

export interface Harness {
  world: World;
  stack: Awaited<ReturnType<typeof connectToWorld>>;
  relay: RelayServer;
  firm: { firmId: string; token: string; smokeballKey: string; caseStatusSecret: string };
  relayStorage: string;
  realtime(options?: RealtimeOptions, extra?: Partial<ConstructorParameters<typeof RealtimeSync>[0]>): RealtimeSync;
  restartRelay(): Promise<RelayServer>;
  cleanup(): Promise<void>;
}

/** A seeded world (60 matters by default: enough movable ones, quick to import), imported; a relay (SQLite file, so it can be restarted on the same port) with one firm. */
export async function setupHarness(matters = 60, relayOptions: Partial<RelayServerOptions> = {}): Promise<Harness> {
  // Low latency and a quick pace keep the suite quick; the benchmark runs with the realistic latencies and 5/s.
  const world = await startWorld({ matters, seed: 7, ...QUICK_SIMULATORS });
  const dir = tempDir('css-rt-');
  const stack = await connectToWorld(world, { dataDir: dir.dir, ...TEST_RATE });
  const run = await stack.engine.initialImport();
  if (run.outcome !== 'succeeded') throw new Error(`import failed: ${run.error}`);
  const relayStorage = `sqlite:${dir.dir}/relay.sqlite`;
  let relay = await startRelayServer({ ...relayOptions, storage: relayStorage, smokeballClientId: world.smokeball.options.clientId });
  const firm = await relay.admin.createFirm({ name: 'Test firm' });
  const port = Number(new URL(relay.url).port);
  const instances: RealtimeSync[] = [];
  const h: Harness = {
    world,
    stack,
    get relay() {
      return relay;
    },
    firm,
    relayStorage,
    realtime(options = {}, extra = {}) {
      const rt = new RealtimeSync({
        relayUrl: relay.url,
        relayToken: firm.token,
        engine: stack.engine,
        smokeball: stack.smokeball,
        store: stack.store,
        ...extra,
        options: { ...QUICK, ...options },
      });
      instances.push(rt);
      return rt;
    },
    async restartRelay() {
      relay = await startRelayServer({ ...relayOptions, storage: relayStorage, port, smokeballClientId: world.smokeball.options.clientId });
      return relay;
    },
    async cleanup() {
      await Promise.allSettled(instances.map((rt) => rt.stop()));
      await relay.close().catch(() => undefined);
      stack.close();
      await world.close();
      dir.cleanup();
    },
  };
  return h;
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 25): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stages of the matter's stage set that Case Status has (by name), other than its current one, distinct names. */
export function otherStages(world: World, matterId: string): Array<{ id: string; name: string }> {
  const matter = world.smokeball.control.matter(matterId);
  const set = world.firm.stageSets.find((s) => s.id === world.firm.stageSetByMatterType[matter.matterTypeId]);
  if (!set) return [];
  const current = matter.stage?.stageId;
  const seen = new Set<string>();
  return set.stages.filter((s) => {
    if (s.isDeleted || s.id === current || STAGES_MISSING_IN_CASE_STATUS.includes(s.name) || seen.has(s.name)) return false;
    seen.add(s.name);
    return true;
  });
}

/** Linked, open matters that have at least `n` other stages to move to. */
export function movableMatters(h: Harness, n = 1): string[] {
  return [...h.stack.store.links.allMatters()]
    .filter((l) => l.status !== 'Closed' && l.stageId && otherStages(h.world, l.matterId).length >= n)
    .map((l) => l.matterId);
}

export function stageChangesOf(world: World, matterId: string) {
  return world.caseStatus.control.stageChanges().filter((c) => c.caseExternalId === matterId);
}

/** True once the relay holds nothing after the realtime's stored cursor: every event was applied and committed. */
export async function relayDrained(h: Harness, rt: RealtimeSync): Promise<boolean> {
  const cursor = rt.cursor;
  const res = await fetch(`${h.relay.url}/v1/events?wait=0${cursor !== null ? `&after=${cursor}` : ''}`, {
    headers: { authorization: `Bearer ${h.firm.token}` },
  });
  const page = (await res.json()) as { events: unknown[] };
  return page.events.length === 0;
}
