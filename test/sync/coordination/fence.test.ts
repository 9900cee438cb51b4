import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../../src/relay/index.js';
import { connectToWorld } from '../../../src/testbed/world.js';
import { createFirmCoordinator, LeaseLostError, type FirmCoordinator, type SyncRole } from '../../../src/sync/coordination/index.js';
import { WritebackJob } from '../../../src/sync/writeback/index.js';
import { SyncEngine } from '../../../src/sync/engine/engine.js';
import { dyingAfterNextCaseWrite } from '../../helpers/dying-case-status.js';
import { otherStages } from '../realtime/harness.js';
import { tempDir } from '../../helpers/tmp.js';
import { setupWorld, TEST_RATE, TEST_SETTINGS, type Harness } from '../writeback/helpers.js';
import { systemClock } from '../../../src/shared/clock.js';

/**
 * A host that lost the lease writes nothing: by its own clocks when it is cut off from the relay (an asleep
 * or partitioned laptop), and by the relay's refusal of its ledger append when its clock cannot be trusted.
 * Evidence: the Smokeball simulator's request log. And a take-over never builds on a record older than what the
 * old host wrote: a case write it sent but did not record is in the shared ledger before the request left.
 */
const TTL_MS = 3_000;

let h: Harness | undefined;
let relay: RelayServer | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await relay?.close();
  relay = undefined;
  await h?.close();
  h = undefined;
});

/** A TCP proxy to the relay that the test can cut (a partition) and heal. */
async function partitionable(target: string): Promise<{ url: string; cut(): void; heal(): void }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    heal() {
      open = true;
    },
  };
}

async function until(test: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > timeoutMs) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function install(name: string, relayUrl: string, token: string, monotonicNow?: () => number) {
  const roles: SyncRole[] = [];
  const coordinator: FirmCoordinator = createFirmCoordinator({
    relayUrl,
    relayToken: token,
    identity: { installId: `id-${name}`, installName: name, user: 'staff', preferred: false },
    standbyPollMs: 200,
    clock: monotonicNow && { ...systemClock, monotonicMs: monotonicNow },
    onRole: (r) => roles.push(r),
  });
  const dir = tempDir('install-');
  h!.dirs.push(dir);
  const stack = await connectToWorld(h!.world, { dataDir: dir.dir, ...TEST_RATE, fence: coordinator.keeper });
  coordinator.attach(stack.store.db);
  coordinator.start();
  cleanups.push(async () => {
    await coordinator.stop({ release: false });
    stack.close();
  });
  const job = new WritebackJob({
    smokeball: stack.smokeball,
    caseStatus: stack.caseStatus,
    store: stack.store,
    tempDir: `${dir.dir}/staging`,
    settings: TEST_SETTINGS,
  });
  cleanups.push(() => job.close());
  return { coordinator, stack, job, roles, role: () => coordinator.keeper.current };
}

const writes = (h: Harness) => h.world.smokeball.stats.log.filter((e) => e.method !== 'GET').length;

describe('write fence', () => {
  it('a host cut off from the relay stops by its own clock before another install is granted, and sends nothing after', async () => {
    h = await setupWorld(12);
    h.stack.close();
    relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: h.world.smokeball.options.clientId, lease: { ttlMs: TTL_MS } });
    const firm = await relay.admin.createFirm({ name: 'Acme Law' });
    const link = await partitionable(relay.url);
    const a = await install('LAPTOP', link.url, firm.token);
    await until(() => a.role().kind === 'host', 'host');
    await a.stack.engine.initialImport();
    expect(a.stack.engine.initialImportDone).toBe(true);

    link.cut(); // the laptop loses the relay (or sleeps): it cannot renew
    const b = await install('FRONTDESK-PC', relay.url, firm.token);
    await until(() => b.role().kind === 'host', 'take-over by the other install');
    // The relay grants only a full TTL after the old host's last renewal arrived; the old host trusts its
    // lease until that renewal's send + TTL − margin by its own clock, so its fence is closed by now.
    expect(() => a.coordinator.keeper.check()).toThrow(LeaseLostError);

    const before = h.world.smokeball.stats.log.length;
    // The write-back sets a failed feed read aside for its next run; it writes nothing.
    expect(await a.job.run()).toMatchObject({ memosCreated: 0, memosUpdated: 0, documentsUploaded: 0 });
    expect(await a.stack.engine.incremental()).toMatchObject({ outcome: 'failed', failure: 'not_host' });
    expect(h.world.smokeball.stats.log.length).toBe(before); // not one request, read or write

    link.heal(); // back online: it learns it is a standby, still sends nothing
    await until(() => a.role().kind === 'standby', 'standby after the partition heals');
    expect(a.role()).toMatchObject({ kind: 'standby', holder: { installName: 'FRONTDESK-PC' } });
    expect(await a.job.run()).toMatchObject({ memosCreated: 0, memosUpdated: 0, documentsUploaded: 0 });
    expect(await a.stack.engine.syncNow()).toMatchObject({ outcome: 'failed', failure: 'not_host' });
    expect(h.world.smokeball.stats.log.length).toBe(before);
  }, 120_000);

  it('a stale host whose clock says its lease is still good is refused by the relay before its first write', async () => {
    h = await setupWorld(12);
    h.stack.close();
    relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: h.world.smokeball.options.clientId, lease: { ttlMs: TTL_MS } });
    const firm = await relay.admin.createFirm({ name: 'Acme Law' });
    const link = await partitionable(relay.url);
    // A frozen monotonic clock: this install never notices time passing, so its own check never closes.
    const a = await install('FROZEN-PC', link.url, firm.token, () => 0);
    await until(() => a.role().kind === 'host', 'host');
    await a.stack.engine.initialImport();

    link.cut();
    const b = await install('FRONTDESK-PC', relay.url, firm.token);
    await until(() => b.role().kind === 'host', 'take-over');
    expect(() => a.coordinator.keeper.check()).not.toThrow(); // it still believes it is the host
    link.heal();

    // What it recorded since its last request (the import's last pages) must reach the shared ledger before
    // its next request: the relay refuses that append, so nothing is sent.
    expect(h.world.caseStatus.control.messages().length).toBeGreaterThan(0); // a host would write memos now
    const before = h.world.smokeball.stats.log.length;
    const writesBefore = writes(h);
    expect(await a.job.run()).toMatchObject({ memosCreated: 0, memosUpdated: 0, documentsUploaded: 0 });
    expect(h.world.smokeball.stats.log.length).toBe(before);
    expect(a.role().kind).not.toBe('host'); // the refusal told it
    expect(() => a.coordinator.keeper.check()).toThrow(LeaseLostError);
    expect(await a.job.run()).toMatchObject({ memosCreated: 0, memosUpdated: 0, documentsUploaded: 0 });
    expect(writes(h)).toBe(writesBefore);
  }, 120_000);
});

describe('take-over after a case write that was sent but not recorded', () => {
  it('the new host never sends the case back to the stage before that write', async () => {
    h = await setupWorld(12);
    h.stack.close();
    relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: h.world.smokeball.options.clientId, lease: { ttlMs: TTL_MS } });
    const firm = await relay.admin.createFirm({ name: 'Acme Law' });
    const a = await install('FRONTDESK-PC', relay.url, firm.token);
    await until(() => a.role().kind === 'host', 'host');
    expect((await a.stack.engine.initialImport()).outcome).toBe('succeeded');

    const world = h.world;
    const link = [...a.stack.store.links.allMatters()].find((l) => l.status !== 'Closed' && l.stageId && l.stageName)!;
    const target = otherStages(world, link.matterId).find((s) => s.name !== link.stageName)!;
    const changes = () => world.caseStatus.control.stageChanges().filter((c) => c.caseExternalId === link.matterId);
    const before = changes().length;

    // The host sends the new stage; Case Status applies it; the host dies before it records the answer.
    world.smokeball.control.changeMatterStage(link.matterId, target.id);
    const run = await new SyncEngine({ smokeball: a.stack.smokeball, caseStatus: dyingAfterNextCaseWrite(a.stack.caseStatus), store: a.stack.store }).refresh({
      stageMatterIds: [link.matterId],
    });
    expect(run.outcome).toBe('failed');
    expect(world.caseStatus.control.cases().get(link.matterId)!.stage).toBe(target.name);
    await a.coordinator.stop({ release: false }); // dead: it neither renews nor releases

    const b = await install('PARALEGAL-PC', relay.url, firm.token);
    await until(() => b.role().kind === 'host', 'take-over');
    // The matter closes in Smokeball; the new host closes its case.
    world.smokeball.control.closeMatter(link.matterId);
    expect((await b.stack.engine.refreshMatters([link.matterId])).outcome).toBe('succeeded');
    const now = world.caseStatus.control.cases().get(link.matterId)!;
    expect([now.status, now.stage]).toEqual(['closed', target.name]);
    expect(
      changes()
        .slice(before)
        .map((c) => c.to),
    ).toEqual([target.name]);
  }, 120_000);
});
