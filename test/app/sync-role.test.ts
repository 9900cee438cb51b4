import { afterAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/app/app-core.js';
import { createDemoCore } from '../../src/testbed/demo.js';
import type { CommandResults } from '../../src/contract/commands.js';
import { startWorld, type World } from '../../src/testbed/world.js';
import { LeaseClient } from '../../src/sync/coordination/index.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Two installs of one firm as app cores, each with its own data folder and keychain stand-in, and no relay:
 * the firm's Case Status account holds the lease. One syncs, the other stands by and names it; Sync now on
 * the standby asks the host; when the host quits the standby takes over.
 */
async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('one sync host per firm (app cores, no relay)', () => {
  let world: World;
  const cores: AppCore[] = [];
  afterAll(async () => {
    for (const c of cores) await c.stop();
    await world?.close();
  });

  it('one host, one standby naming it; Sync now on the standby asks the host; the standby takes over when the host quits', async () => {
    world = await startWorld({ matters: 20, seed: 5, caseStatus: { lease: { ttlMs: 3_000 } }, smokeball: { faults: { latencyMs: 5, latencyJitterMs: 2 } } });
    const make = (name: string, user: string) =>
      createDemoCore(world, {
        dataDir: tempDir('css-install-').dir,
        host: 'headless',
        core: { install: { name, user }, viewThrottleMs: 20, writebackIntervalMs: 60_000 },
      });
    const front = await make('FRONTDESK-PC', 'anna');
    const para = await make('PARALEGAL-PC', 'ben');
    cores.push(front, para);
    await Promise.all([front.start(), para.start()]);

    const roles = () => [front, para].map((c) => c.view().syncHost?.role);
    await until('a host and a standby', () => roles().includes('host') && roles().includes('standby'));
    const [host, standby] = front.view().syncHost?.role === 'host' ? [front, para] : [para, front];
    const hostName = host === front ? 'FRONTDESK-PC (signed in as anna)' : 'PARALEGAL-PC (signed in as ben)';
    expect(standby.view().syncHost?.message).toBe(`Sync runs on ${hostName}.`);

    // The host imports; the standby sends Smokeball nothing and shows what the host published.
    await until("the host's import", () => host.view().initialImportDone && host.view().status.phase === 'idle');
    expect(world.caseStatus.control.cases().size).toBeGreaterThan(0);
    const published = await until("the host's published status", () => {
      const s = standby.view().syncHost?.hostStatus as { lastSyncAt?: string | null } | null;
      return s?.lastSyncAt ? s : false;
    });
    expect(published.lastSyncAt).toBe(host.view().status.lastSyncAt);
    expect(standby.view().status.smokeballRequests).toBe(0);
    expect(standby.view().initialImportDone).toBe(false);

    const runsBefore = host.view().recentRuns.length;
    const asked = (await standby.invoke('syncNow', {})) as CommandResults['syncNow'];
    expect(asked.started).toBe(false);
    expect(asked.reason).toContain('asked to sync now');
    await until('the host running the asked-for sync', () => host.view().recentRuns.length > runsBefore);

    // Settings → "Prefer this PC as the firm's sync host" on the standby, through the window's contract: it is
    // saved, and the install asks with it from then on (no reconnect, the host keeps syncing meanwhile).
    const saved = (await standby.invoke('updateSettings', { preferredSyncHost: true })) as CommandResults['updateSettings'];
    expect(saved.preferredSyncHost).toBe(true);
    expect(host.view().syncHost?.role).toBe('host');

    // "Make this PC the sync host" on the standby: the host hands over at its next renewal.
    const casesBefore = world.caseStatus.control.cases().size;
    const handover = (await standby.invoke('makeSyncHost', {})) as CommandResults['makeSyncHost'];
    expect(handover.requested).toBe(true);
    await until('the planned hand-over', () => standby.view().syncHost?.role === 'host' && host.view().syncHost?.role === 'standby');
    // The firm's lease now names a preferred holder: what any other install asking is told.
    const probe = new LeaseClient({ relayUrl: world.caseStatus.url, relayToken: world.caseStatus.apiKey });
    const asked2 = await probe.acquire({ installId: 'probe-install', installName: 'PARTNER-PC', user: 'carl', preferred: false });
    expect(asked2).toMatchObject({ granted: false, holder: { installName: standby === front ? 'FRONTDESK-PC' : 'PARALEGAL-PC', preferred: true } });
    // At its next poll the old host names the new one.
    await until('the old host naming the new one', () => /^Sync runs on (FRONTDESK|PARALEGAL)-PC/.test(host.view().syncHost?.message ?? ''));
    await until('a sync on the new host', () => standby.view().recentRuns.some((r) => r.outcome === 'succeeded'));
    expect(world.caseStatus.control.cases().size).toBe(casesBefore); // the adopted links: nothing created twice

    // The new host quits (it releases the lease): the other install takes over with nobody pressing anything.
    await standby.stop();
    cores.splice(cores.indexOf(standby), 1);
    await until('the take-over', () => host.view().syncHost?.role === 'host');
    expect(host.view().syncHost?.message).toBe('This PC syncs for the firm.');
  }, 180_000);
});
