import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../src/shared/async.js';
import { AppRemote } from '../src/testbed/app-remote.js';

/**
 * One install of the app as staff run it without Electron: `npm run serve` on its own state folder, its secrets in
 * its own OS keychain. Every start runs inside a D-Bus session of its own with gnome-keyring over the install's own
 * home folder (kept across starts, so the keychain persists like a PC's): two staff PCs never share a keychain, so
 * two installs in one soak must not either. Each start gets its own stdout and stderr files: the "crash output"
 * the soak greps for secrets at the end.
 */
export class AppProcess {
  starts = 0;
  kills = 0;
  private child: ChildProcess | undefined;
  private remote: AppRemote | undefined;
  private readonly outputs: string[] = [];
  private readonly traces: string[] = [];
  private pidFile = '';

  constructor(
    private readonly options: {
      /** Names this install's files and, with --install-name, how the other installs show it. */
      name: string;
      repoRoot: string;
      dataDir: string;
      logDir: string;
      /** The install's home folder: its keyring lives here (the soak's throwaway, never the user's own). */
      home: string;
      serveArgs?: string[];
    },
  ) {
    for (const sub of ['run', 'data', 'config', 'cache']) mkdirSync(join(options.home, sub), { recursive: true, mode: 0o700 });
  }

  get name(): string {
    return this.options.name;
  }

  get outputFiles(): string[] {
    return [...this.outputs];
  }

  /** The send trace of every start (soak/send-trace.ts). */
  get traceFiles(): string[] {
    return [...this.traces];
  }

  get app(): AppRemote {
    if (!this.remote) throw new Error('The app is not running');
    return this.remote;
  }

  /** Starts `serve` and connects to its window socket. */
  async start(): Promise<AppRemote> {
    this.starts += 1;
    const prefix = `${this.options.name}-${this.starts}`;
    const outFile = join(this.options.logDir, `${prefix}.stdout.log`);
    const errFile = join(this.options.logDir, `${prefix}.stderr.log`);
    this.outputs.push(outFile, errFile);
    const out = createWriteStream(outFile);
    const err = createWriteStream(errFile);
    const traceFile = join(this.options.logDir, `${prefix}.sends.jsonl`);
    this.traces.push(traceFile);
    this.pidFile = join(this.options.logDir, `${prefix}.pid`);
    const home = this.options.home;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SOAK_SEND_TRACE: traceFile,
      HOME: home,
      XDG_DATA_HOME: join(home, 'data'),
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_CACHE_HOME: join(home, 'cache'),
      XDG_RUNTIME_DIR: join(home, 'run'),
    };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.DISPLAY;
    // The send trace (soak/send-trace.ts) records when each request left, to judge the rate limit on both ends.
    const serve = [
      process.execPath,
      '--import',
      'tsx',
      '--import',
      './soak/send-trace.ts',
      'src/cli/main.ts',
      'serve',
      '--data',
      this.options.dataDir,
      '--install-name',
      this.options.name,
      ...(this.options.serveArgs ?? []),
    ];
    // Its own process group (detached): a kill takes the app with its D-Bus session and keyring daemon, as when
    // the PC loses power. The shell records its pid before it becomes the app (exec), for a clean stop.
    const child = spawn(
      'dbus-run-session',
      ['--', 'sh', '-c', 'echo -n soak | gnome-keyring-daemon --unlock --components=secrets >/dev/null && echo $$ > "$0" && exec "$@"', this.pidFile, ...serve],
      { cwd: this.options.repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    this.child = child;
    child.stderr!.pipe(err);
    const address = await readAddress(child, out);
    this.remote = await AppRemote.connect(address);
    return this.remote;
  }

  /** SIGKILL: no shutdown code runs, as when the PC loses power or the task manager ends the app. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.kills += 1;
    this.remote?.close();
    this.remote = undefined;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      killGroup(child, 'SIGKILL');
    });
    await groupGone(child);
    this.child = undefined;
  }

  /** For an interrupted soak: SIGKILL without waiting. */
  killNow(): void {
    if (this.child) killGroup(this.child, 'SIGKILL');
  }

  /** Ctrl-C: the app stops cleanly. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.remote?.close();
    this.remote = undefined;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => killGroup(child, 'SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      // The app itself (it releases the lease and closes SQLite); its D-Bus session ends after it.
      const appPid = readPid(this.pidFile);
      if (appPid) process.kill(appPid, 'SIGTERM');
      else killGroup(child, 'SIGKILL');
    });
    killGroup(child, 'SIGKILL'); // whatever of the session is left
    await groupGone(child);
    this.child = undefined;
  }

  /** True while the process runs; an exit the soak did not cause is a crash. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get exitedOnItsOwn(): { code: number | null; signal: string | null } | null {
    const c = this.child;
    if (!c || (c.exitCode === null && c.signalCode === null)) return null;
    return { code: c.exitCode, signal: c.signalCode };
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

/** Bounded wait until no process of the start's group is left (the app, its D-Bus daemon, its keyring daemon). */
async function groupGone(child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  throw new Error(`Process group ${child.pid} still alive 10 s after SIGKILL`);
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Copies stdout to its file and resolves with the window address `serve` prints. */
function readAddress(child: ChildProcess, out: WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('The app printed no address within 120 s')), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out.write(chunk);
      buffered += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(buffered);
      if (match) {
        clearTimeout(timer);
        buffered = '';
        resolve(match[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The app exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
}
