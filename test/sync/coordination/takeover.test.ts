import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../../src/relay/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { expectDocumentsExactlyOnce, expectMessagesExactlyOnce, setupWorld, writebackChildEnv, type Harness } from '../writeback/helpers.js';

/**
 * Installs of one firm as separate processes sharing the simulators and the relay: one host, the others
 * standby; the host SIGKILLed between a write and its record; the take-over writes nothing twice; the old
 * host comes back as a standby and sends nothing.
 */
const TTL_MS = 4_000;

let h: Harness | undefined;
let relay: RelayServer | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await relay?.close();
  relay = undefined;
  await h?.close();
  h = undefined;
});

interface Install {
  name: string;
  child: ChildProcess;
  output(): string;
  lines(prefix: string): string[];
  waitFor(test: (output: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startInstall(name: string, env: NodeJS.ProcessEnv): Install {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sync/fixtures/install-child.ts'], {
    env: { ...env, INSTALL_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    output: () => output,
    lines: (prefix) => output.split('\n').filter((l) => l.startsWith(prefix)),
    exited,
    // Bounded by what it waits for: the child's own progress lines; the bound is generous for a loaded CI box.
    waitFor: (test, what, timeoutMs = 90_000) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const timer = setInterval(() => {
          if (test(output)) {
            clearInterval(timer);
            resolve();
          } else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`${name}: no ${what} within ${timeoutMs} ms:\n${output}`));
          }
        }, 20);
      }),
  };
}

describe('one sync host per firm (installs as processes)', () => {
  it('one host, standbys name it; a SIGKILL between a write and its record is taken over without a duplicate; the old host comes back as a standby and sends nothing', async () => {
    h = await setupWorld(30);
    const { world } = h;
    h.stack.close(); // the installs own their own state folders
    relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: world.smokeball.options.clientId, lease: { ttlMs: TTL_MS } });
    const firm = await relay.admin.createFirm({ name: 'Acme Law' });
    const dirs = ['A', 'B', 'C'].map(() => tempDir('install-'));
    h.dirs.push(...dirs);
    const envFor = (i: number, extra: Record<string, string> = {}) =>
      writebackChildEnv(world, dirs[i]!.dir, { RELAY_URL: relay!.url, RELAY_TOKEN: firm.token, RATE: '20', ...extra });

    // All three start at once; the firm's first host (epoch 1) stops right after Smokeball accepted its first memo write.
    const installs = ['FRONTDESK-PC', 'PARALEGAL-PC', 'PARTNER-PC'].map((name, i) => startInstall(name, envFor(i, { KILL_AT: 'memo write accepted' })));
    const hosts = () => installs.filter((x) => x.lines('role:host').length > 0);
    await Promise.all(installs.map((x) => x.waitFor((o) => /role:(host|standby:)/.test(o), 'role')));
    await installs[0]!.waitFor(() => hosts().length > 0, 'host');
    expect(hosts()).toHaveLength(1);
    const first = hosts()[0]!;
    for (const standby of installs.filter((x) => x !== first)) {
      await standby.waitFor((o) => o.includes(`role:standby:${first.name}`), `standby naming ${first.name}`);
    }

    // The host imports, then stops right after its first memo write was accepted: SIGKILL there.
    await first.waitFor((o) => o.includes('paused:memo write accepted'), 'first memo write');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await world.smokeball.control.whenIdle();
    const killedAt = world.smokeball.stats.log.length;

    // A standby takes over after the TTL (it adopts the shared ledger first) and finishes the work.
    const others = installs.filter((x) => x !== first);
    await others[0]!.waitFor(() => others.some((x) => x.lines('role:host').length > 0), 'take-over', 60_000);
    expect(others.filter((x) => x.lines('role:host').length > 0)).toHaveLength(1);
    const finisher = others.find((x) => x.lines('role:host').length > 0)!;
    expect(Number(finisher.lines('role:host:')[0]!.split(':')[2])).toBe(2);
    await finisher.waitFor((o) => o.includes('done:') || o.includes('failed:'), 'second host done', 120_000);
    expect(finisher.output(), finisher.output()).toContain('done:{"pending":0}');
    await world.smokeball.control.whenIdle();

    expectMessagesExactlyOnce(world);
    await expectDocumentsExactlyOnce(world);
    expect(world.smokeball.stats.log.length).toBeGreaterThan(killedAt);

    // The first host comes back (same data folder): a standby naming the current host, and it sends nothing.
    const before = world.smokeball.stats.log.length;
    const back = startInstall(first.name, envFor(installs.indexOf(first)));
    await back.waitFor((o) => o.includes(`role:standby:${finisher.name}`), 'standby after restart');
    // The host publishes a new status at every renewal, and the standby prints each one it reads: three of
    // them mean three renewals by the host while the old host kept asking.
    await back.waitFor(() => back.lines('role:standby').length >= 4, 'three more standby reads');
    expect(back.lines('role:host')).toEqual([]);
    expect(world.smokeball.stats.log.length).toBe(before);
  }, 300_000);
});
