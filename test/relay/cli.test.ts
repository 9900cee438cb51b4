import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../src/relay/index.js';
import { tempDir } from '../helpers/tmp.js';
import { CLIENT_ID, getEvents, postSmokeball } from './helpers.js';

const CLI = ['--import', 'tsx', 'src/relay/cli.ts'];
const dirs: Array<ReturnType<typeof tempDir>> = [];
let server: RelayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) d.cleanup();
});

/**
 * Runs the CLI as a child without blocking this process: a spawnSync stalled the event loop past the relay's
 * keep-alive timeout (5 s) under load, so the server's timer closed the pooled socket only after the next
 * fetch had been written on it (ECONNRESET). With the loop running, the idle socket is closed (and dropped
 * from fetch's pool) on time.
 */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd: process.cwd(), timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function field(stdout: string, name: string): string {
  const match = new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(stdout);
  if (!match) throw new Error(`no ${name} in: ${stdout}`);
  return match[1]!;
}

describe('relay CLI', () => {
  it('creates, lists and rotates firms; the printed credentials work against a server on the same storage', async () => {
    const dir = tempDir('relay-cli-');
    dirs.push(dir);
    const storage = `sqlite:${dir.dir}/relay.sqlite`;
    const created = await cli(['firm', 'create', '--storage', storage, '--name', 'Acme Law']);
    expect(created.status, created.stderr).toBe(0);
    const firmId = field(created.stdout, 'firmId');
    const token = field(created.stdout, 'token');
    const smokeballKey = field(created.stdout, 'smokeballKey');
    expect(field(created.stdout, 'caseStatusSecret')).toMatch(/^whsec_/);
    expect(created.stderr).toMatch(/not shown again/);

    const listed = await cli(['firm', 'list', '--storage', storage]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(firmId);
    expect(listed.stdout).toContain('Acme Law');
    expect(listed.stdout).not.toContain(token);
    expect(listed.stdout).not.toContain(smokeballKey);

    // Keep-alive longer than a CLI run (at most 30 s): a run lasting about the default 5 s would otherwise race
    // the relay closing the pooled socket against the next fetch (ECONNRESET), a race this test is not about.
    server = await startRelayServer({ storage, smokeballClientId: CLIENT_ID, keepAliveTimeoutMs: 60_000 });
    expect((await postSmokeball(server.url, firmId, { key: smokeballKey })).status).toBe(200);
    expect((await getEvents(server.url, token)).page.events).toHaveLength(1);

    // Rotation from the CLI while the server runs on the same file.
    const rotated = await cli(['firm', 'rotate-token', '--storage', storage, '--firm', firmId]);
    expect(rotated.status, rotated.stderr).toBe(0);
    const newToken = field(rotated.stdout, 'token');
    expect((await getEvents(server.url, token)).status).toBe(401);
    expect((await getEvents(server.url, newToken)).page.events).toHaveLength(1);

    // A pairing code from the CLI, exchanged at the running server by the app's set-up.
    const paired = await cli(['firm', 'pair', '--storage', storage, '--firm', firmId, '--public-url', 'https://relay.example.com/']);
    expect(paired.status, paired.stderr).toBe(0);
    const code = field(paired.stdout, 'code');
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(field(paired.stdout, 'link')).toBe(`https://relay.example.com/pair/${code}`);
    const exchanged = await fetch(`${server.url}/v1/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect(exchanged.status).toBe(200);
    const { token: pairedToken } = (await exchanged.json()) as { token: string };
    expect((await getEvents(server.url, pairedToken)).page.events).toHaveLength(1);
  });

  it('explains bad usage with a non-zero exit', async () => {
    const missing = await cli(['firm', 'create', '--storage', 'sqlite::memory:']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--name is required/);
    const badStorage = await cli(['firm', 'list', '--storage', 'mysql://x']);
    expect(badStorage.status).toBe(1);
    expect(badStorage.stderr).toMatch(/sqlite: or postgres:\/\//);
    const unknownFirm = await cli(['firm', 'rotate-token', '--storage', 'sqlite::memory:', '--firm', 'nope']);
    expect(unknownFirm.status).toBe(1);
    expect(unknownFirm.stderr).toMatch(/no firm with id nope/);
    const serveWithoutClient = await cli(['serve', '--storage', 'sqlite::memory:', '--port', '0']);
    expect(serveWithoutClient.status).toBe(2);
    expect(serveWithoutClient.stderr).toMatch(/--smokeball-client-id is required/);
  });

  it('serve: listens, answers /healthz, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir('relay-cli-');
    dirs.push(dir);
    const child = spawn(
      process.execPath,
      [...CLI, 'serve', '--storage', `sqlite:${dir.dir}/r.sqlite`, '--port', '0', '--smokeball-client-id', 'cid', '--public-url', 'https://relay.example.com/'],
      { cwd: process.cwd() },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /relay listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).toContain('"publicUrl":"https://relay.example.com"');
  });
});
