/**
 * Issue 14, row 7: `serve --host 0.0.0.0` gave no warning, said "open it on this machine", and accepted
 * `Host: 0.0.0.0:port`. A non-loopback host now needs --allow-lan, which prints a plain-HTTP warning, and
 * 0.0.0.0 is never an accepted Host name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, LanBindRefused, planBind } from '../../src/host/bind-address.js';

function serve(args: string[]): { child: ChildProcess; output: { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--demo', '--matters', '5', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (output.stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output.stderr += c.toString()));
  // Bounded: a serve that does not stop on its own is killed after a minute (and the test then fails).
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  return { child, output, exited };
}

function statusFor(port: number, hostHeader: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: hostHeader } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('headless host binding (security)', () => {
  it('planBind: loopback needs nothing; anything else needs allowLan and then carries a plain-HTTP warning', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(planBind(h, false).warning).toBeNull();
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'my-server']) {
      expect(isLoopbackHost(h)).toBe(false);
      expect(() => planBind(h, false)).toThrow(LanBindRefused);
      expect(planBind(h, true).warning).toMatch(/plain HTTP/);
    }
    expect(planBind('0.0.0.0', true).allowedHostnames).not.toContain('0.0.0.0');
  });

  it('serve --host 0.0.0.0 without --allow-lan refuses to start and says why', async () => {
    const run = serve(['--host', '0.0.0.0']);
    expect(await run.exited).toBe(2);
    expect(run.output.stderr).toMatch(/--allow-lan/);
    expect(run.output.stdout).not.toMatch(/Case Status Sync is running/);
  }, 90_000);

  it('serve --host 0.0.0.0 --allow-lan warns about plain HTTP and refuses Host: 0.0.0.0', async () => {
    const run = serve(['--host', '0.0.0.0', '--allow-lan']);
    try {
      const started = Date.now();
      while (!/http:\/\/[^\s]+:(\d+)\//.test(run.output.stdout) && Date.now() - started < 60_000 && run.child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const port = Number(/http:\/\/[^\s]+:(\d+)\//.exec(run.output.stdout)?.[1]);
      expect(port, run.output.stderr).toBeGreaterThan(0);
      expect(run.output.stderr).toMatch(/WARNING: listening on 0\.0\.0\.0.*plain HTTP/);
      expect(run.output.stdout).not.toMatch(/on this machine/);
      expect(await statusFor(port, `0.0.0.0:${port}`)).toBe(403);
      expect(await statusFor(port, `127.0.0.1:${port}`)).toBe(200);
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
    }
  }, 90_000);
});
