import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../../src/relay/index.js';
import { openStateStore, type StateStore } from '../../../src/store/index.js';
import { createFirmCoordinator, LeaseClient, LeaseLostError, type FirmCoordinator, type SyncRole } from '../../../src/sync/coordination/index.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * A full local disk must not cost the firm's lease. A host taking over adopts the shared ledger into its own
 * SQLite file first; when that file cannot grow (the disk is full), the install keeps the lease it was granted
 * (renewing it, fence closed, nothing sent) and adopts again once there is space, instead of giving the lease
 * back and asking again every poll. The full disk is a real SQLite file refusing to grow (max_page_count):
 * SQLite answers SQLITE_FULL, "database or disk is full", exactly as on a full drive.
 */
const TTL_MS = 3_000;

let relay: RelayServer | undefined;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await relay?.close();
  relay = undefined;
});

async function until(test: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > timeoutMs) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function install(name: string, token: string, dataDir?: string): { coordinator: FirmCoordinator; store: StateStore; roles: SyncRole[]; dataDir: string } {
  const dir = dataDir ? { dir: dataDir, cleanup: () => undefined } : tempDir('install-');
  const store = openStateStore(join(dir.dir, 'sync.sqlite'));
  const roles: SyncRole[] = [];
  const coordinator = createFirmCoordinator({
    relayUrl: relay!.url,
    relayToken: token,
    identity: { installId: `id-${name}`, installName: name, user: 'staff', preferred: false },
    standbyPollMs: 200,
    safetyMarginMs: 500,
    onRole: (r) => roles.push(r),
  });
  coordinator.attach(store.db);
  cleanups.push(async () => {
    await coordinator.stop({ release: false });
    store.close();
    dir.cleanup();
  });
  return { coordinator, store, roles, dataDir: dir.dir };
}

describe('a full disk on the host', () => {
  it('keeps the lease while the ledger cannot be adopted, and the host opens its fence once space is back', async () => {
    relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: 'client', lease: { ttlMs: TTL_MS } });
    const firm = await relay.admin.createFirm({ name: 'Acme Law' });

    // The firm's first host publishes its exactly-once records (here: 300 feed checkpoints of 2 kB), then quits.
    const first = install('FRONTDESK-PC', firm.token);
    for (let i = 0; i < 300; i++) first.store.checkpoints.set(`feed:${i}`, `${i}:${'x'.repeat(2_000)}`);
    first.coordinator.start();
    await until(() => first.coordinator.keeper.current.kind === 'host', 'first host');
    await first.coordinator.stop();

    // The next install's disk is full: its state file cannot grow by a page.
    const next = install('PARALEGAL-PC', firm.token);
    const pages = next.store.db.pragma('page_count', { simple: true }) as number;
    next.store.db.pragma(`max_page_count = ${pages}`);
    next.coordinator.start();
    await until(() => next.roles.some((r) => r.kind === 'unknown' && /full/i.test(r.reason)), 'the full disk reported');
    expect(() => next.coordinator.keeper.check()).toThrow(LeaseLostError);

    // Over several TTLs the relay keeps it as the holder with the same epoch: no release, no re-grant (another
    // install asking is told so).
    const probe = new LeaseClient({ relayUrl: relay.url, relayToken: firm.token });
    const standby = { installId: 'id-probe', installName: 'PARTNER-PC', user: 'staff', preferred: false };
    const grantedEpoch = (await probe.acquire(standby)).epoch;
    const deadline = Date.now() + 2 * TTL_MS;
    while (Date.now() < deadline) {
      const answer = await probe.acquire(standby);
      expect(answer).toMatchObject({ granted: false, epoch: grantedEpoch, holder: { installName: 'PARALEGAL-PC' } });
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(next.coordinator.keeper.current.kind).not.toBe('host');
    expect(() => next.coordinator.keeper.check()).toThrow(LeaseLostError);

    // Space is back: the adoption is retried within seconds, under the same lease.
    next.store.db.pragma('max_page_count = 1073741823');
    await until(() => next.coordinator.keeper.current.kind === 'host', 'host after space is back', 15_000);
    expect(next.coordinator.keeper.current).toMatchObject({ kind: 'host', epoch: grantedEpoch });
    expect(() => next.coordinator.keeper.check()).not.toThrow();
    expect(next.store.checkpoints.get<string>('feed:299')).toBe(`299:${'x'.repeat(2_000)}`);
  }, 60_000);
});

describe('a restarted host', () => {
  it("keeps what it recorded after its last ledger append, and the firm's ledger gets it", async () => {
    relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: 'client', lease: { ttlMs: TTL_MS } });
    const firm = await relay.admin.createFirm({ name: 'Acme Law' });
    const keep = tempDir('install-');
    cleanups.push(() => keep.cleanup());

    const host = install('FRONTDESK-PC', firm.token, keep.dir);
    host.coordinator.start();
    await until(() => host.coordinator.keeper.current.kind === 'host', 'host');
    // A stage sent (its tick reaches the ledger before the request), then the answer recorded after it: that
    // record travels only before the next request, and the process dies first (SIGKILL: no release, no flush).
    host.store.checkpoints.set('stage-tick:m1', 1);
    host.store.checkpoints.set('gone', 'x');
    await host.coordinator.keeper.beforeSend();
    host.store.checkpoints.set('stage-tick:m1', 2);
    host.store.checkpoints.delete('gone');
    await host.coordinator.stop({ release: false });
    host.store.close();

    // The same install starts again on the same folder: granted back at once, and its records stay.
    const again = install('FRONTDESK-PC', firm.token, keep.dir);
    again.coordinator.start();
    await until(() => again.coordinator.keeper.current.kind === 'host', 'the restarted host');
    expect(again.store.checkpoints.get<number>('stage-tick:m1')).toBe(2);
    expect(again.store.checkpoints.get<string>('gone')).toBeUndefined();
    await again.coordinator.stop();

    // Another install taking over now adopts the ledger: it has the record the dead process never appended.
    const next = install('PARALEGAL-PC', firm.token);
    next.coordinator.start();
    await until(() => next.coordinator.keeper.current.kind === 'host', 'take-over');
    expect(next.store.checkpoints.get<number>('stage-tick:m1')).toBe(2);
    expect(next.store.checkpoints.get<string>('gone')).toBeUndefined();
  }, 60_000);
});
