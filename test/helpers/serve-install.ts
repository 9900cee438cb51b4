import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The window's contract over the headless host's WebSocket: the soak's client, which listens before the socket opens.
import { AppRemote as AppWindow } from '../../src/testbed/app-remote.js';
import type { AppView } from '../../src/contract/view.js';
import { ensureRendererBuilt } from '../../src/host/renderer-build.js';
import { tempDir } from './tmp.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * One install of the app as staff run it without Electron: `serve --data DIR` with its secrets in a real keychain.
 * Each install gets its own D-Bus session (`dbus-run-session`) with its own unlocked gnome-keyring over its own
 * throwaway home folder, so three installs on one machine are three PCs' keychains, and a restart (same home,
 * same data folder) finds what that install saved. The process is the leader of its own process group: a kill
 * takes the app, its dbus-daemon and its gnome-keyring-daemon down together, as when a PC loses power.
 */
export class ServeInstall {
  readonly dataDir: string;
  private readonly home: string;
  private readonly root: { dir: string; cleanup: () => void };
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private remote: AppWindow | undefined;
  private output = '';
  starts = 0;

  constructor(
    readonly name: string,
    private readonly serveArgs: string[] = [],
  ) {
    this.root = tempDir('css-serve-install-');
    this.dataDir = join(this.root.dir, 'data');
    this.home = join(this.root.dir, 'home');
    mkdirSync(join(this.home, 'run'), { recursive: true, mode: 0o700 });
  }

  /** The window's contract, exactly as the window uses it (a WebSocket to the headless host). */
  get app(): AppWindow {
    if (!this.remote) throw new Error(`${this.name} is not running`);
    return this.remote;
  }

  get view(): AppView | undefined {
    return this.remote?.latest;
  }

  /** Everything the process printed (stdout and stderr), for failure messages. */
  get log(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts `serve` in its own D-Bus session and keychain and connects to its window socket. */
  async start(): Promise<AppWindow> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.starts += 1;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: this.home,
      XDG_DATA_HOME: join(this.home, 'data'),
      XDG_CONFIG_HOME: join(this.home, 'config'),
      XDG_CACHE_HOME: join(this.home, 'cache'),
      XDG_RUNTIME_DIR: join(this.home, 'run'),
    };
    // Never the test runner's own session bus or keyring.
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.DISPLAY;
    // The same password at every start unlocks the keyring this install created at its first start.
    const script = 'echo -n serve-install | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';
    const serve = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'serve', '--data', this.dataDir, '--install-name', this.name, ...this.serveArgs];
    const child = spawn('dbus-run-session', ['--', 'sh', '-c', script, 'serve-install', ...serve], {
      cwd: REPO,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr!.on('data', (d: Buffer) => (this.output += String(d)));
    // The log keeps earlier starts' output: the address is looked for in this start's output only.
    const from = this.output.length;
    const address = await new Promise<string>((resolve, reject) => {
      // Bounded by the app's start (tsx, SQLite, the keychain over D-Bus), slow on a loaded 2-core box.
      const timer = setTimeout(() => reject(new Error(`${this.name} printed no address within 120 s:\n${this.output}`)), 120_000);
      child.stdout!.on('data', (d: Buffer) => {
        this.output += String(d);
        const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(this.output.slice(from));
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited before it was ready (code ${code}, signal ${signal}):\n${this.output}`));
      });
    });
    this.remote = await AppWindow.connect(address);
    return this.remote;
  }

  /** SIGKILL to the whole process group: no shutdown code runs, and the install's keyring daemon goes with it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.remote?.close();
    this.remote = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await this.exited;
    this.child = undefined;
    await this.waitForNoProcesses();
  }

  /** Processes still running with this install's home folder (its app, dbus-daemon or gnome-keyring-daemon). */
  processes(): number[] {
    const marker = `HOME=${this.home}\0`;
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
      } catch {
        // Exited meanwhile, or not ours to read.
      }
    }
    return pids;
  }

  /** Kills the install and removes its folders. */
  async close(): Promise<void> {
    await this.kill();
    rmSync(this.root.dir, { recursive: true, force: true });
  }

  /** A killed group is gone at once; bounded in case the kernel is slow to reap on a loaded machine. */
  private async waitForNoProcesses(): Promise<void> {
    const until = Date.now() + 15_000;
    while (this.processes().length > 0) {
      if (Date.now() > until) throw new Error(`${this.name}: processes left after the kill: ${this.processes().join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Builds the window once before the installs start, so three `serve` processes do not race to build it. */
export async function buildWindowOnce(): Promise<void> {
  await ensureRendererBuilt();
}

export interface InstallConnections {
  smokeball: { url: string; authUrl: string; clientId: string; apiKey: string; ratePerSecond: number; burst: number };
  caseStatus: { url: string; apiKey: string };
  relay: { url: string; token: string };
}

/**
 * Connects an install as support would for a firm: keys into its keychain through the window's contract,
 * the connection settings, then sign-in through Smokeball's PKCE page (the simulator's), as staff do.
 * Returns once the window shows it signed in.
 */
export async function connectInstall(app: AppWindow, c: InstallConnections): Promise<void> {
  await app.invoke('setSecret', { name: 'smokeballApiKey', value: c.smokeball.apiKey });
  await app.invoke('setSecret', { name: 'caseStatusApiKey', value: c.caseStatus.apiKey });
  await app.invoke('setSecret', { name: 'relayToken', value: c.relay.token });
  await app.invoke('updateSettings', {
    connections: {
      smokeballApiUrl: c.smokeball.url,
      smokeballAuthUrl: c.smokeball.authUrl,
      smokeballClientId: c.smokeball.clientId,
      smokeballRatePerSecond: c.smokeball.ratePerSecond,
      smokeballBurst: c.smokeball.burst,
      caseStatusApiUrl: c.caseStatus.url,
      relayUrl: c.relay.url,
    },
  });
  const { authorizeUrl } = await app.invoke('signIn');
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const back = page.headers.get('location');
  if (!back) throw new Error(`Smokeball's sign-in page answered HTTP ${page.status}`);
  const done = await fetch(back);
  if (!done.ok) throw new Error(`The app's sign-in loopback answered HTTP ${done.status}`);
  await app.waitFor((v) => v.connections.smokeball.signedIn, 90_000, 'sign-in to complete');
}
