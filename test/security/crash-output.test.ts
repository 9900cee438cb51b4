import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/app/log-redaction.js';

/**
 * What a crash prints. A child process dies of an axios error nobody caught (a real request, refused by a real local
 * server with 401, its config holding the Authorization header and the API key). With the CLI's crash handlers the
 * report is redacted; without them Node prints the whole config, secrets included (the control).
 */
const TOKEN = `tok_${randomBytes(16).toString('hex')}`;
const API_KEY = `key_${randomBytes(16).toString('hex')}`;

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((_request, response) => response.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Unauthorized"}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function runChild(mode: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/security/fixtures/crash-child.ts', mode, String(port)], {
      env: { ...process.env, CRASH_TOKEN: TOKEN, CRASH_API_KEY: API_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('crash output', () => {
  it('control: without the handlers, Node prints the secrets of an uncaught axios error', async () => {
    const { code, stderr } = await runChild('raw-exception');
    expect(code).toBe(1);
    expect(stderr).toContain(TOKEN);
    expect(stderr).toContain(API_KEY);
  });

  for (const kind of ['exception', 'rejection'] as const) {
    it(`with the CLI's handlers, an uncaught ${kind} prints one redacted report and exits 1`, async () => {
      const { code, stderr, stdout } = await runChild(`cli-${kind}`);
      expect(code).toBe(1);
      const output = stderr + stdout;
      expect(output).not.toContain(TOKEN);
      expect(output).not.toContain(API_KEY);
      expect(stderr).toMatch(
        new RegExp(`^case-status-sync: ${kind === 'exception' ? 'uncaughtException' : 'unhandledRejection'}: AxiosError: Request failed with status code 401`),
      );
      expect(stderr).toContain(' at '); // the stack is still there for whoever debugs it
      expect(stderr).toContain(`"url":"http://127.0.0.1:${port}/v1/matters?access_token=${REDACTED}"`);
      expect(stderr).toContain('"status":401');
    });
  }
});
