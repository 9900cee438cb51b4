import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

/**
 * A real squid (Debian's package) started by a test on 127.0.0.1, with its own config, logs and pid file in `dir`.
 * Its outgoing connections leave from `outgoingAddress` (a second loopback address), so a simulator that accepts
 * only that source can be reached through squid and through nothing else.
 */
export interface Squid {
  url: string;
  port: number;
  /** access.log lines (squid writes a CONNECT tunnel's line when the tunnel closes). */
  accessLog(): string[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

export const SQUID_BINARY = '/usr/sbin/squid';
const NCSA_HELPER = '/usr/lib/squid/basic_ncsa_auth';

export function squidAvailable(): boolean {
  return existsSync(SQUID_BINARY);
}

export async function startSquid(options: { dir: string; outgoingAddress: string; basicAuth?: { username: string; password: string } }): Promise<Squid> {
  const { dir } = options;
  // squid drops root to the `proxy` user, which must be able to write its logs here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const accessLog = join(dir, 'access.log');
  const auth: string[] = [];
  if (options.basicAuth) {
    const hash = spawnSync('openssl', ['passwd', '-apr1', options.basicAuth.password], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(dir, 'passwd'), `${options.basicAuth.username}:${hash}\n`, { mode: 0o644 });
    auth.push(
      `auth_param basic program ${NCSA_HELPER} ${join(dir, 'passwd')}`,
      'auth_param basic children 2 startup=1 idle=1',
      'auth_param basic realm test-proxy',
      'acl authenticated proxy_auth REQUIRED',
      'http_access deny !authenticated',
    );
  }
  const conf = [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${join(dir, 'squid.pid')}`,
    `access_log stdio:${accessLog}`,
    `cache_log ${join(dir, 'cache.log')}`,
    'cache_store_log none',
    `coredump_dir ${dir}`,
    'cache deny all',
    'netdb_filename none',
    'logfile_rotate 0',
    'shutdown_lifetime 0 seconds',
    `tcp_outgoing_address ${options.outgoingAddress}`,
    'acl loopback src 127.0.0.0/8',
    ...auth,
    // CONNECT to any port: the simulators listen on ephemeral ports, not 443.
    'http_access allow loopback',
    'http_access deny all',
    '',
  ].join('\n');
  const confPath = join(dir, 'squid.conf');
  writeFileSync(confPath, conf, { mode: 0o644 });

  let child: ChildProcess | undefined;
  const squid: Squid = {
    url: `http://127.0.0.1:${port}`,
    port,
    accessLog: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8').split('\n').filter(Boolean) : []),
    async start() {
      const proc = spawn(SQUID_BINARY, ['-N', '-f', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child = proc;
      // Ready when it accepts connections (bounded: a slow machine under load takes a few seconds).
      const deadline = Date.now() + 30_000;
      while (!(await accepts(port))) {
        if (proc.exitCode !== null) throw new Error(`squid exited (${proc.exitCode}): ${stderr}${readIfExists(join(dir, 'cache.log'))}`);
        if (Date.now() > deadline) throw new Error(`squid did not listen within 30 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
      // The port is free once nothing accepts on it.
      const deadline = Date.now() + 10_000;
      while ((await accepts(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
  };
  await squid.start();
  return squid;
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').slice(-2000) : '';
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
