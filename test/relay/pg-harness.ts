/**
 * A throwaway PostgreSQL cluster for the relay tests and benchmark. RELAY_TEST_PG_URL (a server URL whose
 * user may CREATE DATABASE) skips all of this. Otherwise: initdb into a temp dir, start on a free
 * 127.0.0.1 port with its unix socket in the temp dir and trust auth, and stop + delete it at the end.
 * initdb refuses to run as root, so as root the binaries run as the `postgres` user via runuser.
 * Missing binaries are an error, not a skip: CI must install the `postgresql` Debian package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgCluster {
  /** URL of the maintenance database (postgres). */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface PgClusterOptions {
  /** fsync on (realistic commit cost, for the benchmark). Tests turn it off for speed. Default false. */
  durable?: boolean;
}

let dbCounter = 0;

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const external = process.env.RELAY_TEST_PG_URL;
  if (external) return wrap(external, async () => undefined);

  const bin = findPgBin();
  const dir = mkdtempSync(join(tmpdir(), 'relay-pg-'));
  const dataDir = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  let pgUid: number | undefined;
  let pgGid: number | undefined;
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as (install the postgresql package)');
    pgUid = Number(id.stdout.trim());
    pgGid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, pgUid, pgGid);
  }
  const run = (program: string, args: string[]): void => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
    const result = spawnSync(cmd, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) {
      throw new Error(`${program} failed (exit ${result.status}): ${result.error?.message ?? ''}\n${result.stdout}\n${result.stderr}`);
    }
  };

  const port = await freePort();
  let started = false;
  const stop = async (): Promise<void> => {
    process.off('exit', stopSync);
    if (started) {
      started = false;
      try {
        run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      } catch {
        // Already gone; deleting the directory is all that is left.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test process exits without afterAll (a crash), do not leave a postgres running.
  const stopSync = (): void => {
    if (started)
      spawnSync(
        asRoot ? 'runuser' : join(bin, 'pg_ctl'),
        asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), 'stop', '-D', dataDir, '-m', 'immediate'] : ['stop', '-D', dataDir, '-m', 'immediate'],
      );
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stopSync);

  try {
    run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync']);
    const settings = [
      `-c listen_addresses=127.0.0.1`,
      `-c port=${port}`,
      `-c unix_socket_directories=${dir}`,
      `-c max_connections=200`,
      `-c fsync=${options.durable ? 'on' : 'off'}`,
      `-c synchronous_commit=${options.durable ? 'on' : 'off'}`,
      `-c full_page_writes=${options.durable ? 'on' : 'off'}`,
    ].join(' ');
    run('pg_ctl', ['start', '-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', settings]);
    started = true;
  } catch (err) {
    await stop();
    throw err;
  }
  return wrap(`postgres://postgres@127.0.0.1:${port}/postgres`, stop);
}

function wrap(url: string, stop: () => Promise<void>): PgCluster {
  return {
    url,
    async createDatabase(name) {
      const db = name ?? `relay_test_${process.pid}_${Date.now()}_${dbCounter++}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${db}`);
      } finally {
        await client.end();
      }
      const target = new URL(url);
      target.pathname = `/${db}`;
      return target.toString();
    },
    stop,
  };
}

/** `pg_config --bindir`, else the newest /usr/lib/postgresql/<version>/bin that has initdb. */
export function findPgBin(): string {
  const candidates: string[] = [];
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromConfig.status === 0) candidates.push(fromConfig.stdout.trim());
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  const bin = candidates.find((c) => ['initdb', 'pg_ctl', 'postgres'].every((p) => existsSync(join(c, p))));
  if (!bin) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found via pg_config --bindir or /usr/lib/postgresql/*/bin. ' +
        'Install the Debian package "postgresql" (apt-get install postgresql), or set RELAY_TEST_PG_URL to a server the tests may create databases on.',
    );
  }
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
