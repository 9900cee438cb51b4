import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../src/relay/index.js';
import type { RequestLogEntry } from '../../src/sim/common/request-stats.js';
import { startWorld, type World } from '../../src/testbed/world.js';
import { buildWindowOnce, connectInstall, ServeInstall } from '../helpers/serve-install.js';
import { QUICK_SIMULATORS } from '../helpers/quick-world.js';
import { tempDir } from '../helpers/tmp.js';
import { expectDocumentsExactlyOnce, expectMessagesExactlyOnce, memoEntriesByMessage } from '../sync/writeback/helpers.js';

/**
 * Issue 13 as staff would meet it: three installs of one firm, each a real `serve` process with its own data folder
 * and its own keychain under its own D-Bus session, the relay and both simulators. Who sends what is read from the
 * Smokeball simulator's request log: each install's sign-in is a grant of its own, and every request carries it.
 */
const TTL_MS = 6_000;
/** Smokeball's pace in this test: slow enough that the write-back of the firm's history takes several seconds. */
const RATE = { ratePerSecond: 10, burst: 10 };

let world: World | undefined;
let relay: RelayServer | undefined;
const installs: ServeInstall[] = [];
const relayDir = tempDir('css-one-host-relay-');
afterAll(async () => {
  await Promise.allSettled(installs.map((i) => i.close()));
  await relay?.close();
  await world?.close();
  relayDir.cleanup();
}, 60_000);

const isWrite = (e: RequestLogEntry) => e.method !== 'GET';
const writesOf = (w: World, grantId: string, after = -Infinity) => w.smokeball.stats.log.filter((e) => e.grantId === grantId && isWrite(e) && e.at > after);
const t0 = Date.now();
/** Progress on stderr: where a failed run got to, with the time it took. */
const step = (what: string) => process.stderr.write(`[one-host ${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}\n`);
const roleOf = (i: ServeInstall) => (i.running ? i.view?.syncHost?.role : undefined);

/** Polls until `test` holds; bounded generously for a loaded 2-core machine. */
async function until<T>(test: () => T | undefined | false, what: string, timeoutMs = 90_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = test();
    if (value) return value;
    if (Date.now() - started > timeoutMs) {
      const views = installs.map((i) => `${i.name}: ${i.running ? JSON.stringify(i.view?.syncHost ?? null) : 'not running'}`).join('\n');
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}\n${views}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One host among the running installs, every other one a standby naming it. */
function settledHost(): ServeInstall | undefined {
  const running = installs.filter((i) => i.running);
  const hosts = running.filter((i) => roleOf(i) === 'host');
  if (hosts.length !== 1) return undefined;
  const host = hosts[0]!;
  const standbysNameIt = running.filter((i) => i !== host).every((i) => roleOf(i) === 'standby' && i.view?.syncHost?.hostName === host.name);
  return standbysNameIt ? host : undefined;
}

/** Every visible Case Status message is in a memo and every document is a file (duplicates are checked after). */
async function everythingWritten(w: World): Promise<boolean> {
  const entries = memoEntriesByMessage(w);
  if (!w.caseStatus.control.messages().every((m) => entries.has(m.id))) return false;
  const docs = await w.caseStatus.control.documents();
  const files = new Set(
    w.firm.matters.flatMap((m) =>
      w.smokeball.control
        .files(m.id)
        .filter((f) => f.isUploaded)
        .map((f) => f.sha256),
    ),
  );
  return docs.every((d) => files.has(d.sha256));
}

async function untilWritten(w: World, what: string): Promise<void> {
  const started = Date.now();
  while (!(await everythingWritten(w))) {
    if (Date.now() - started > 120_000) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await w.smokeball.control.whenIdle();
}

describe('three serve installs of one firm', () => {
  it('one host; a SIGKILL mid write-back is taken over exactly once; the old host stays a fenced standby; no writes without a lease', async () => {
    await buildWindowOnce();
    world = await startWorld({
      matters: 8,
      seed: 7,
      smokeball: { ...QUICK_SIMULATORS.smokeball, rateLimit: RATE },
      caseStatus: QUICK_SIMULATORS.caseStatus,
      shapeFirm: (firm) => {
        firm.documents = firm.documents.slice(0, 8);
      },
    });
    const w = world;
    const relayDb = `sqlite:${join(relayDir.dir, 'relay.sqlite')}`;
    relay = await startRelayServer({ storage: relayDb, smokeballClientId: w.smokeball.options.clientId, lease: { ttlMs: TTL_MS } });
    const relayPort = Number(new URL(relay.url).port);
    const firm = await relay.admin.createFirm({ name: w.firm.name });
    w.caseStatus.control.setEventWebhook(`${relay.url}/hooks/casestatus/${firm.firmId}`, firm.caseStatusSecret);
    const connections = {
      smokeball: { url: w.smokeball.url, authUrl: w.smokeball.authUrl, clientId: w.smokeball.options.clientId, apiKey: w.smokeball.options.apiKey, ...RATE },
      caseStatus: { url: w.caseStatus.url, apiKey: w.caseStatus.apiKey },
      relay: { url: relay.url, token: firm.token },
    };

    // ——— all three start at once; each is connected and signed in (one grant each), then all start the import at once.
    step('three installs start');
    installs.push(...['FRONTDESK-PC', 'PARALEGAL-PC', 'PARTNER-PC'].map((name) => new ServeInstall(name)));
    await Promise.all(installs.map((i) => i.start()));
    const grantOf = new Map<ServeInstall, string>();
    for (const install of installs) {
      const before = new Set(w.smokeball.control.grantIds());
      await connectInstall(install.app, connections);
      const added = w.smokeball.control.grantIds().filter((g) => !before.has(g));
      expect(added, `${install.name} signed in with a grant of its own`).toHaveLength(1);
      grantOf.set(install, added[0]!);
    }
    await Promise.all(installs.map((i) => i.app.invoke('startImport', {})));

    const first = await until(settledHost, 'one host and two standbys naming it');
    expect(installs.filter((i) => roleOf(i) === 'host')).toEqual([first]);
    for (const standby of installs.filter((i) => i !== first)) {
      expect(standby.view!.syncHost!.message).toContain(first.name);
    }

    // ——— the host writes the firm's message and document history back; SIGKILL it after its first accepted write.
    step('one host; waiting for its first write-back');
    const firstGrant = grantOf.get(first)!;
    const isWriteBack = (e: RequestLogEntry) => /^\/matters\/\{id\}\/(memos|documents\/)/.test(e.route) && e.status < 300;
    await until(() => writesOf(w, firstGrant).some(isWriteBack), 'the host to write its first memo or file', 120_000);
    await first.kill();
    const killedAt = performance.now();
    await w.smokeball.control.whenIdle();
    const written = writesOf(w, firstGrant).filter(isWriteBack).length;
    // The kill landed in the middle: the firm's history needs more writes than the first host made.
    expect(await everythingWritten(w)).toBe(false);

    // ——— a standby takes over after the TTL, names itself host, and the other one names it.
    step('host killed; waiting for a take-over');
    const second = await until(settledHost, 'a standby to take over', 90_000);
    expect(second).not.toBe(first);
    // Messages and documents arriving now go through the relay to the new host.
    const open = w.firm.matters.filter((m) => m.status === 'Open');
    w.caseStatus.control.addMessage({ matterId: open[0]!.id, senderName: 'Client Person', senderRole: 'client', body: 'Arrived after the take-over' });
    w.caseStatus.control.addDocument({
      matterId: open[1]!.id,
      fileName: 'After the take-over.pdf',
      sharedByName: 'Client Person',
      sharedByRole: 'client',
      sizeBytes: 40_000,
      contentSeed: 901,
    });
    // The old host comes back meanwhile (same data folder, same keychain).
    const restarted = first.start();
    await untilWritten(w, 'the new host to write everything');
    const messages = expectMessagesExactlyOnce(w);
    const documents = await expectDocumentsExactlyOnce(w);
    expect(writesOf(w, grantOf.get(second)!).filter(isWriteBack).length).toBeGreaterThan(0);

    // ——— the old host is back: it stays a standby and sends nothing.
    step('the old host restarted');
    await restarted;
    await until(
      () => roleOf(first) === 'standby' && first.view?.syncHost?.hostName === second.name && first.view.connections.smokeball.signedIn,
      'the old host to come back as a standby',
    );
    step('the old host is a standby naming the new host');
    // A standby reads the host's status each time it asks the relay for the lease (every 10 s): a second status
    // means the old host asked again and was refused again.
    const seen = new Set<string>();
    await until(() => {
      const at = first.view?.syncHost?.hostStatusAt;
      if (at) seen.add(at);
      return seen.size >= 2;
    }, 'the old host to ask for the lease again');
    expect(roleOf(first)).toBe('standby');
    expect(writesOf(w, firstGrant, killedAt), 'writes from the old host after it lost the lease').toEqual([]);
    // A standby spends none of the firm's Smokeball budget: not even a read (sign-in is not an API request).
    expect(w.smokeball.stats.log.filter((e) => e.grantId === firstGrant && e.at > killedAt)).toEqual([]);

    // ——— the relay is unreachable for longer than the TTL: nobody writes until someone holds the lease again.
    step('relay stopped');
    await relay.close();
    relay = undefined;
    const relayDownAt = performance.now();
    w.caseStatus.control.addMessage({ matterId: open[2]!.id, senderName: 'Client Person', senderRole: 'client', body: 'Sent while the relay was down' });
    await until(() => installs.every((i) => roleOf(i) !== 'host'), 'the host to stop being host without the relay', TTL_MS + 60_000);
    const leaseGoneAt = relayDownAt + TTL_MS;
    step('no install is host without the relay');
    // Still down for another TTL: the standbys keep asking the relay, and nobody may take the lease locally.
    const quietUntil = Date.now() + TTL_MS;
    await until(() => Date.now() > quietUntil || installs.some((i) => roleOf(i) === 'host'), 'another TTL without the relay', TTL_MS + 30_000);
    expect(installs.filter((i) => roleOf(i) === 'host')).toEqual([]);
    const relayBackAt = performance.now();
    relay = await startRelayServer({ storage: relayDb, port: relayPort, smokeballClientId: w.smokeball.options.clientId, lease: { ttlMs: TTL_MS } });
    const third = await until(settledHost, 'a host again once the relay is back', 90_000);
    const writesWithoutLease = w.smokeball.stats.log.filter((e) => isWrite(e) && e.at > leaseGoneAt && e.at < relayBackAt);
    expect(writesWithoutLease, 'writes while no install could hold the lease').toEqual([]);
    // From the relay's return on, only the install the relay made host writes (its subscription upkeep comes first).
    const writersSinceRelayBack = new Set(w.smokeball.stats.log.filter((e) => isWrite(e) && e.at > leaseGoneAt).map((e) => e.grantId));
    expect([...writersSinceRelayBack].every((g) => g === grantOf.get(third))).toBe(true);
    step(`host again after the relay came back: ${third.name}`);
    // The message that arrived during the outage is written once, by the host that holds the lease now.
    w.caseStatus.control.addMessage({ matterId: open[0]!.id, senderName: 'Client Person', senderRole: 'client', body: 'Sent after the relay came back' });
    await untilWritten(w, 'the messages of the outage to be written');
    expect(expectMessagesExactlyOnce(w)).toBe(messages + 2);
    expect(await expectDocumentsExactlyOnce(w)).toBe(documents);
    // The old host wrote nothing from its kill until it (if the relay chose it) held the lease again.
    expect(writesOf(w, firstGrant, killedAt).filter((e) => third !== first || e.at < relayBackAt)).toEqual([]);
    console.log(
      `one-host: first host ${first.name} wrote ${written} memo/file requests before the SIGKILL; ${second.name} took over; ` +
        `${messages + 2} messages and ${documents} documents each written once; after the relay outage ${third.name} is host`,
    );

    // ——— teardown leaves no process of any install (app, dbus-daemon, gnome-keyring-daemon).
    step('teardown');
    for (const i of installs) await i.kill();
    expect(installs.flatMap((i) => i.processes())).toEqual([]);
  }, 300_000);
});
