import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { AppRemote } from './app-remote.js';

/**
 * The app under test as staff run it without Electron: `npm run serve` on a state folder, secrets in the OS
 * keychain (the soak runs inside its own D-Bus session with gnome-keyring). Each start gets its own stdout and
 * stderr files: the "crash output" the soak greps for secrets at the end.
 */
export class AppProcess {
  starts = 0;
  kills = 0;
  private child: ChildProcess | undefined;
  private remote: AppRemote | undefined;
  private readonly outputs: string[] = [];
  private readonly traces: string[] = [];

  constructor(private readonly options: { repoRoot: string; dataDir: string; logDir: string; serveArgs?: string[] }) {}

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
    const n = this.starts;
    const outFile = join(this.options.logDir, `app-${n}.stdout.log`);
    const errFile = join(this.options.logDir, `app-${n}.stderr.log`);
    this.outputs.push(outFile, errFile);
    const out = createWriteStream(outFile);
    const err = createWriteStream(errFile);
    const traceFile = join(this.options.logDir, `app-${n}.sends.jsonl`);
    this.traces.push(traceFile);
    // The send trace (soak/send-trace.ts) records when each request left, to judge the rate limit on both ends.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './soak/send-trace.ts', 'src/cli/main.ts', 'serve', '--data', this.options.dataDir, ...(this.options.serveArgs ?? [])],
      {
        cwd: this.options.repoRoot,
        env: { ...process.env, SOAK_SEND_TRACE: traceFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
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
      child.kill('SIGKILL');
    });
    this.child = undefined;
  }

  /** For an interrupted soak: SIGKILL without waiting. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  /** Ctrl-C: the app stops cleanly. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.remote?.close();
    this.remote = undefined;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
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
