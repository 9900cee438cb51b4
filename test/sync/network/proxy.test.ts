import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToWorld, startWorld, type World } from '../../../src/testbed/world.js';
import type { SyncStack } from '../../../src/sync/compose.js';
import { configureNetwork, networkAgent, networkProblemOf, resetNetwork } from '../../../src/sync/http/network.js';
import { envProxyResolver } from '../../../src/sync/http/proxy-choice.js';
import { WritebackJob } from '../../../src/sync/writeback/index.js';
import { startSquid, squidAvailable, type Squid } from '../../helpers/squid.js';
import { tempDir } from '../../helpers/tmp.js';
import { expectDocumentsExactlyOnce, expectMessagesExactlyOnce, FAST, TEST_SETTINGS } from '../writeback/helpers.js';

/**
 * A firm whose only way out is its HTTP proxy: Debian's squid, started here on 127.0.0.1. The simulators listen on a
 * second loopback address and close every connection that does not come from squid's outgoing address, so a request
 * that went around the proxy fails the run instead of passing unnoticed. The app finds squid through HTTPS_PROXY /
 * HTTP_PROXY (the `serve` and CLI route).
 */
const SIM_HOST = '127.0.0.2';
const SQUID_OUT = '127.0.0.3';
const PROXY_ENV = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'] as const;

describe.runIf(squidAvailable())('every request goes through the firm proxy (squid)', () => {
  let world: World;
  let squid: Squid;
  let stack: SyncStack & { dataDir: string };
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  let proxyOnly = false;
  const accepted: string[] = [];
  const refused: string[] = [];
  const savedEnv = Object.fromEntries(PROXY_ENV.map((k) => [k, process.env[k]]));

  const acceptConnection = (from: string) => {
    if (proxyOnly && from !== SQUID_OUT) {
      refused.push(from);
      return false;
    }
    accepted.push(from);
    return true;
  };

  beforeAll(async () => {
    const squidDir = tempDir('css-squid-');
    dirs.push(squidDir);
    squid = await startSquid({ dir: squidDir.dir, outgoingAddress: SQUID_OUT });
    world = await startWorld({
      matters: 12,
      seed: 7,
      smokeball: { ...FAST, host: SIM_HOST, acceptConnection, rateLimit: { ratePerSecond: 20, burst: 10 } },
      caseStatus: { ...FAST, host: SIM_HOST, acceptConnection },
    });
    const data = tempDir();
    dirs.push(data);
    // Signing in happens before the proxy is the only route (the test's own sign-in page visit uses fetch).
    stack = await connectToWorld(world, { dataDir: data.dir, ratePerSecond: 20, burst: 10 });
    for (const k of PROXY_ENV) delete process.env[k];
    process.env.HTTPS_PROXY = squid.url;
    process.env.HTTP_PROXY = squid.url;
    resetNetwork(); // drops the sockets opened directly during sign-in
    proxyOnly = true;
    accepted.length = 0;
  }, 120_000);

  afterAll(async () => {
    stack?.close();
    await world?.close();
    await squid?.stop();
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetNetwork();
    for (const d of dirs) d.cleanup();
  });

  it('imports, writes memos, downloads and uploads documents with every connection tunnelled by squid', async () => {
    const summary = await stack.engine.initialImport();
    expect(summary.outcome, summary.error).toBe('succeeded');
    const job = new WritebackJob({
      smokeball: stack.smokeball,
      caseStatus: stack.caseStatus,
      store: stack.store,
      tempDir: `${stack.dataDir}/staging`,
      settings: TEST_SETTINGS,
    });
    const written = await job.run();
    expect(written.failed).toBe(0);
    expect(written.documentsUploaded).toBeGreaterThan(0);
    expectMessagesExactlyOnce(world);
    await expectDocumentsExactlyOnce(world);

    // Nothing tried the direct route, and every connection the simulators took came from squid.
    expect(refused).toEqual([]);
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Set(accepted)).toEqual(new Set([SQUID_OUT]));

    // squid logs a tunnel when it closes: close ours, then its log has one CONNECT per accepted connection, to the
    // simulators' address, each answered 200.
    networkAgent().destroy();
    const deadline = Date.now() + 30_000;
    const tunnels = () => squid.accessLog().filter((l) => /\sCONNECT\s/.test(l));
    while (tunnels().length < accepted.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const lines = tunnels();
    expect(lines).toHaveLength(accepted.length);
    for (const line of lines) {
      expect(line).toMatch(new RegExp(`CONNECT ${SIM_HOST.replace(/\./g, '\\.')}:\\d+ `));
      expect(line).toMatch(/\/200 /);
    }
    // Both APIs and the upload host (the simulated S3 is Smokeball's host) were reached.
    const ports = new Set(lines.map((l) => /CONNECT [\d.]+:(\d+)/.exec(l)![1]));
    expect(ports).toEqual(new Set([new URL(world.smokeball.url).port, new URL(world.caseStatus.url).port]));
  }, 180_000);

  it('fails with one clear proxy error while squid is down, and syncs again once it is back', async () => {
    await squid.stop();
    const down = await stack.engine.syncNow();
    expect(down.outcome).toBe('failed');
    expect(down.error).toContain(`The proxy ${new URL(squid.url).host} cannot be reached (ECONNREFUSED)`);
    expect(networkProblemOf({ code: down.errorCode, message: down.error })?.kind).toBe('proxy_unreachable');
    expect(refused).toEqual([]);

    await squid.start();
    const back = await stack.engine.syncNow();
    expect(back.outcome, back.error).toBe('succeeded');
    expect(refused).toEqual([]);
  }, 180_000);

  it('the direct route really is closed: without the proxy the same run fails', async () => {
    configureNetwork({ resolveProxy: () => Promise.resolve('DIRECT') });
    try {
      const direct = await stack.engine.syncNow();
      expect(direct.outcome).toBe('failed');
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused)).not.toContain(SQUID_OUT);
    } finally {
      configureNetwork({ resolveProxy: envProxyResolver() });
      refused.length = 0; // this test's own direct attempts; the next test starts clean
    }
  }, 180_000);

  it('asks for proxy credentials (HTTP 407) with one clear error, and works once they are given', async () => {
    const authDir = tempDir('css-squid-auth-');
    dirs.push(authDir);
    const guarded = await startSquid({ dir: authDir.dir, outgoingAddress: SQUID_OUT, basicAuth: { username: 'firm\\sync', password: 'p@ss:w0rd' } });
    try {
      let credentials: { username: string; password: string } | null = null;
      configureNetwork({ resolveProxy: () => Promise.resolve(`PROXY 127.0.0.1:${guarded.port}`), proxyCredentials: () => Promise.resolve(credentials) });
      const refusedRun = await stack.engine.syncNow();
      expect(refusedRun.outcome).toBe('failed');
      expect(refusedRun.error).toContain(`The proxy 127.0.0.1:${guarded.port} asks for a user name and password (HTTP 407)`);
      expect(networkProblemOf({ code: refusedRun.errorCode, message: refusedRun.error })?.kind).toBe('proxy_auth');

      credentials = { username: 'firm\\sync', password: 'wrong' };
      const wrong = await stack.engine.syncNow();
      expect(wrong.error).toContain('refused the proxy user name and password');
      expect(wrong.error).not.toContain('wrong');

      credentials = { username: 'firm\\sync', password: 'p@ss:w0rd' };
      const ok = await stack.engine.syncNow();
      expect(ok.outcome, ok.error).toBe('succeeded');
      expect(refused).toEqual([]);
    } finally {
      configureNetwork({ resolveProxy: envProxyResolver() });
      await guarded.stop();
    }
  }, 180_000);
});
