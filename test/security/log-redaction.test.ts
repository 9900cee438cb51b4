import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { inspect } from 'node:util';
import axios, { AxiosError, AxiosHeaders } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createFileLogger } from '../../electron/logger.js';
import { installCrashHandlers } from '../../src/app/crash-handlers.js';
import { rememberSecrets } from '../../src/app/known-secrets.js';
import { crashReport, isSecretFieldName, redactFields, redactingLogger, redactText, REDACTED } from '../../src/app/log-redaction.js';
import { signInWithPkce, startWorld, type World } from '../../src/testbed/world.js';
import { createSyncStack, SECRET_KEYS, type SyncStack } from '../../src/sync/compose.js';
import { MemorySecretStore, type Logger } from '../../src/sync/ports.js';
import { TOKENS_KEY, type TokenSet } from '../../src/sync/smokeball/oauth.js';
import { WritebackJob } from '../../src/sync/writeback/writeback-job.js';
import { tempDir } from '../helpers/tmp.js';

const SECRET = 'S3cr3t-value_0123456789abcdef';

/** A logger that keeps every entry as the JSON line a file logger would write. */
function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(JSON.stringify({ level, message, ...fields }));
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('redactText', () => {
  const cases: Array<[string, string, string]> = [
    ['Authorization header line', `GET /v1/matters\r\nAuthorization: Bearer ${SECRET}\r\nAccept: */*`, `Authorization: ${REDACTED}\r\nAccept: */*`],
    ['lower-case header in inspect output', `headers: { authorization: 'Bearer ${SECRET}', accept: 'json' }`, `authorization: '${REDACTED}', accept: 'json'`],
    ['Proxy-Authorization', `Proxy-Authorization: Basic ${SECRET}`, `Proxy-Authorization: ${REDACTED}`],
    ['Bearer inside a sentence', `the server refused Bearer ${SECRET} today`, `the server refused Bearer ${REDACTED} today`],
    [
      'Basic credentials',
      `sent Basic ${Buffer.from(`client:${SECRET}`).toString('base64')} to the token endpoint`,
      `sent Basic ${REDACTED} to the token endpoint`,
    ],
    ['x-api-key header', `x-api-key: ${SECRET}`, `x-api-key: ${REDACTED}`],
    ['x-api-key in JSON', `{"x-api-key":"${SECRET}","accept":"json"}`, `{"x-api-key":"${REDACTED}","accept":"json"}`],
    ['access_token in a query string', `https://api.example/v1/x?access_token=${SECRET}&page=2`, `https://api.example/v1/x?access_token=${REDACTED}&page=2`],
    ['code and state in a redirect', `http://127.0.0.1:53682/callback?code=${SECRET}&state=abc`, `http://127.0.0.1:53682/callback?code=${REDACTED}&state=abc`],
    ['token in a fragment', `http://127.0.0.1:4000/#token=${SECRET}`, `http://127.0.0.1:4000/#token=${REDACTED}`],
    ['token in a WebSocket URL', `ws://127.0.0.1:4000/ws?token=${SECRET}`, `ws://127.0.0.1:4000/ws?token=${REDACTED}`],
    [
      'refresh token form body',
      `grant_type=refresh_token&client_id=app&refresh_token=${SECRET}`,
      `grant_type=refresh_token&client_id=app&refresh_token=${REDACTED}`,
    ],
    [
      'PKCE form body',
      `grant_type=authorization_code&code=${SECRET}&code_verifier=${SECRET}x&redirect_uri=x`,
      `code=${REDACTED}&code_verifier=${REDACTED}&redirect_uri=x`,
    ],
    ['client_secret form body', `client_id=app&client_secret=${SECRET}`, `client_secret=${REDACTED}`],
    [
      'JSON token response',
      `{"access_token":"${SECRET}","refresh_token":"${SECRET}r","expires_in":3600}`,
      `{"access_token":"${REDACTED}","refresh_token":"${REDACTED}","expires_in":3600}`,
    ],
    [
      'camelCase JSON',
      `{"accessToken": "${SECRET}", "accessTokenExpiresAt": 1700000000000}`,
      `{"accessToken": "${REDACTED}", "accessTokenExpiresAt": 1700000000000}`,
    ],
    ['JSON with escaped quotes in the value', `{"refreshToken":"${SECRET}\\"tail","ok":true}`, `{"refreshToken":"${REDACTED}","ok":true}`],
    ['JSON embedded in a JSON string', `{"body":"{\\"refresh_token\\":\\"${SECRET}\\"}"}`, `{\\"refresh_token\\":\\"${REDACTED}\\"}`],
    ['inspect notation', `{ refreshToken: '${SECRET}', 'client_secret': '${SECRET}' }`, `{ refreshToken: '${REDACTED}', 'client_secret': '${REDACTED}' }`],
    ['password in a URL', `postgres://relay:${SECRET}@db.internal:5432/relay`, `postgres://${REDACTED}@db.internal:5432/relay`],
    ['Cookie header', `Cookie: session=${SECRET}`, `Cookie: ${REDACTED}`],
    [
      'a presigned upload URL',
      `https://bucket.s3.amazonaws.com/f?X-Amz-Credential=${SECRET}&X-Amz-Date=20250101&X-Amz-Signature=${SECRET}`,
      `X-Amz-Credential=${REDACTED}&X-Amz-Date=20250101&X-Amz-Signature=${REDACTED}`,
    ],
  ];
  for (const [name, input, expected] of cases) {
    it(`redacts ${name}`, () => {
      const out = redactText(input);
      expect(out).toContain(expected);
      expect(out).not.toContain(SECRET);
    });
  }

  it('leaves ordinary text alone', () => {
    const text = 'Smokeball GET /v1/matters failed: HTTP 503 — Service Unavailable; authorization code flow; basic settings; tokenSet=true page=2 cursor=abc';
    expect(redactText(text)).toBe(text);
    expect(redactText('{"matterId":"m-1","stage":"Negotiation","code":"ECONNRESET"}')).toBe('{"matterId":"m-1","stage":"Negotiation","code":"ECONNRESET"}');
  });

  it('replaces known secret values wherever they are, raw, URL-encoded and JSON-escaped', () => {
    const secret = 'ab+/c"d e=f-0123';
    const text = `raw ${secret} url ${encodeURIComponent(secret)} json ${JSON.stringify(secret)}`;
    const out = redactText(text, [secret]);
    expect(out).toBe(`raw ${REDACTED} url ${REDACTED} json "${REDACTED}"`);
    // Short values are not searched for: they would blank out ordinary words.
    expect(redactText('open the case', ['case'])).toBe('open the case');
  });
});

describe('redactFields', () => {
  it('redacts secret-named fields at any depth and leaves the input untouched', () => {
    const input = {
      matterId: 'm-1',
      tokenSet: true,
      accessTokenExpiresAt: 1_700_000_000_000,
      headers: { Authorization: `Bearer ${SECRET}`, 'x-api-key': SECRET, accept: 'json', Cookie: SECRET },
      nested: [{ refresh_token: SECRET }, { apiKey: SECRET, api_key: SECRET, password: SECRET, clientSecret: SECRET, relayToken: SECRET }],
      note: `see ?access_token=${SECRET}`,
    };
    const snapshot = structuredClone(input);
    const out = redactFields(input) as typeof input;
    expect(input).toEqual(snapshot);
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(out.matterId).toBe('m-1');
    expect(out.tokenSet).toBe(true);
    expect(out.accessTokenExpiresAt).toBe(1_700_000_000_000);
    expect(out.headers).toEqual({ Authorization: REDACTED, 'x-api-key': REDACTED, accept: 'json', Cookie: REDACTED });
    expect(out.nested[1]).toEqual({ apiKey: REDACTED, api_key: REDACTED, password: REDACTED, clientSecret: REDACTED, relayToken: REDACTED });
    expect(out.note).toBe(`see ?access_token=${REDACTED}`);
  });

  it('turns an Error into name, redacted message and code', () => {
    const error = Object.assign(new Error(`token endpoint said {"refresh_token":"${SECRET}"}`), {
      code: 'E_TOKEN',
      config: { headers: { authorization: SECRET } },
    });
    error.name = 'TokenError';
    expect(redactFields({ error })).toEqual({ error: { name: 'TokenError', message: `token endpoint said {"refresh_token":"${REDACTED}"}`, code: 'E_TOKEN' } });
  });

  it('turns an axios error into method, URL without query secrets and status; never its config or headers', () => {
    const config = {
      method: 'post',
      baseURL: 'https://auth.example',
      url: `/oauth2/token?access_token=${SECRET}&page=1`,
      headers: new AxiosHeaders({ Authorization: `Bearer ${SECRET}` }),
      data: `refresh_token=${SECRET}`,
    };
    const error = new AxiosError(
      'Request failed with status code 400',
      'ERR_BAD_REQUEST',
      config as never,
      {},
      { status: 400, statusText: 'Bad Request', headers: {}, config: config as never, data: { error: 'invalid_grant' } },
    );
    const out = redactFields(error);
    expect(out).toEqual({
      name: 'AxiosError',
      message: 'Request failed with status code 400',
      code: 'ERR_BAD_REQUEST',
      method: 'POST',
      url: `https://auth.example/oauth2/token?access_token=${REDACTED}&page=1`,
      status: 400,
    });
  });

  it('survives cycles, deep values, getters that throw and a __proto__ key', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { leaf: SECRET };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('no');
      },
    });
    const polluting = JSON.parse(`{"__proto__":{"polluted":true},"token":"${SECRET}"}`) as unknown;
    const out = redactFields({ cyclic, deep, hostile, polluting, big: 10n, when: new Date(0), bytes: Buffer.from('abc') }) as Record<string, unknown>;
    expect((out.cyclic as Record<string, unknown>).self).toBe('[circular]');
    expect(JSON.stringify(out.deep)).toContain('[too deep]');
    expect(out.hostile).toEqual({ boom: '[unreadable]' });
    expect(JSON.stringify(out.polluting)).not.toContain(SECRET);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out).toMatchObject({ big: '10', when: '1970-01-01T00:00:00.000Z', bytes: '[3 bytes]' });
  });

  it('names secret fields by their ending, not by containing a word', () => {
    for (const name of [
      'authorization',
      'Authorization',
      'x-api-key',
      'apiKey',
      'api_key',
      'token',
      'accessToken',
      'refresh_token',
      'relayToken',
      'clientSecret',
      'caseStatusSecret',
      'password',
      'cookie',
      'set-cookie',
      'code_verifier',
    ]) {
      expect(isSecretFieldName(name), name).toBe(true);
    }
    for (const name of ['tokenSet', 'accessTokenExpiresAt', 'apiKeySet', 'matterId', 'code', 'status', 'signature']) {
      expect(isSecretFieldName(name), name).toBe(false);
    }
  });
});

describe('redactingLogger', () => {
  it('redacts the message, the fields and any known secret, read afresh on every entry', () => {
    const inner = capturingLogger();
    const known = ['first-secret-value'];
    const logger = redactingLogger(inner, () => known);
    logger.warn('Refresh failed for first-secret-value', { detail: 'got first-secret-value back', authorization: 'Bearer abcdefgh' });
    known.push('second-secret-value');
    logger.error('x', { nested: { text: 'second-secret-value' } });
    logger.info(`GET /x?access_token=${SECRET}`);
    const all = inner.lines.join('\n');
    expect(all).not.toMatch(/first-secret-value|second-secret-value/);
    expect(all).not.toContain(SECRET);
    expect(inner.lines).toHaveLength(3);
    expect(JSON.parse(inner.lines[0]!)).toEqual({
      level: 'warn',
      message: `Refresh failed for ${REDACTED}`,
      detail: `got ${REDACTED} back`,
      authorization: REDACTED,
    });
  });

  it('still logs when knownSecrets throws', () => {
    const inner = capturingLogger();
    redactingLogger(inner, () => {
      throw new Error('keychain locked');
    }).error('Sync failed', { error: `Bearer ${SECRET}` });
    expect(inner.lines).toEqual([JSON.stringify({ level: 'error', message: 'Sync failed', error: `Bearer ${REDACTED}` })]);
  });
});

describe('crashReport', () => {
  it('prints name, message and stack redacted; never the axios config', () => {
    const config = {
      method: 'get',
      url: 'https://api.example/v1/matters',
      headers: new AxiosHeaders({ Authorization: `Bearer ${SECRET}`, 'x-api-key': SECRET }),
    };
    const error = new AxiosError(`Request failed for ${SECRET}`, 'ECONNRESET', config as never);
    // What Node would have printed: the whole config with the headers.
    expect(inspect(error)).toContain(SECRET);
    const report = crashReport(error, [SECRET]);
    expect(report).not.toContain(SECRET);
    expect(report).toContain('AxiosError');
    expect(report).toContain(' at ');
    expect(report).toContain('"url":"https://api.example/v1/matters"');
    expect(crashReport({ refreshToken: SECRET })).toBe(`{"refreshToken":"${REDACTED}"}`);
    expect(crashReport(`plain ${SECRET}`, [SECRET])).toBe(`plain ${REDACTED}`);
  });
});

describe('the Electron main log file', () => {
  it('is redacted on disk and on the console, including secrets the keychain handed out', async () => {
    const tmp = tempDir('css-main-log-');
    try {
      const secrets = rememberSecrets(new MemorySecretStore());
      await secrets.set(TOKENS_KEY, JSON.stringify({ accessToken: 'at-0123456789', refreshToken: 'rt-0123456789', accessTokenExpiresAt: 1 }));
      await secrets.get(TOKENS_KEY);
      const echoed: string[] = [];
      const file = join(tmp.dir, 'logs', 'main.log');
      const logger = createFileLogger(file, (line) => echoed.push(line), secrets.knownSecrets);
      const error = new AxiosError('Request failed', 'ERR_BAD_RESPONSE', {
        method: 'get',
        url: 'https://api.example/v1/x',
        headers: new AxiosHeaders({ Authorization: 'Bearer at-0123456789' }),
      } as never);
      logger.error('Sync failed after refresh with rt-0123456789', { error, headers: { authorization: 'Bearer at-0123456789' } });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      logger.warn('a cyclic field no longer breaks the log line', { cyclic, big: 1n });
      await logger.flush();
      const written = readFileSync(file, 'utf8');
      // The file (pino) and the console carry the same redacted entries.
      expect(
        written
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .map(({ at: _at, ...rest }) => rest),
      ).toEqual(echoed.map((l) => JSON.parse(l) as Record<string, unknown>).map(({ at: _at, ...rest }) => rest));
      expect(echoed.join('\n')).not.toMatch(/at-0123456789|rt-0123456789/);
      expect(written).not.toMatch(/at-0123456789|rt-0123456789/);
      const first = JSON.parse(written.split('\n')[0]!) as Record<string, unknown>;
      expect(first).toMatchObject({
        level: 'error',
        message: `Sync failed after refresh with ${REDACTED}`,
        headers: { authorization: REDACTED },
        error: { name: 'AxiosError', method: 'GET', url: 'https://api.example/v1/x' },
      });
      expect(JSON.parse(written.split('\n')[1]!)).toMatchObject({ cyclic: { self: '[circular]' }, big: '1' });
    } finally {
      tmp.cleanup();
    }
  });
});

describe('installCrashHandlers without exit (the Electron main process)', () => {
  it('reports uncaught errors redacted and keeps the process running', () => {
    const target = new EventEmitter();
    const reports: string[] = [];
    const uninstall = installCrashHandlers(
      { report: (kind, text) => reports.push(`${kind}: ${text}`), knownSecrets: () => ['kc-secret-0123'] },
      target as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
    );
    target.emit('uncaughtException', new Error('keychain said kc-secret-0123'));
    target.emit('unhandledRejection', { refresh_token: 'plain-object-secret' });
    target.emit('uncaughtException', new Error('a second one is reported too'));
    expect(reports).toHaveLength(3);
    expect(reports[0]).toMatch(/^uncaughtException: Error: keychain said \[redacted\]\n\s+at /);
    expect(reports[1]).toBe(`unhandledRejection: {"refresh_token":"${REDACTED}"}`);
    uninstall();
    expect(target.listenerCount('uncaughtException') + target.listenerCount('unhandledRejection')).toBe(0);
  });
});

describe('a sync against the simulators with faults, logged through redactingLogger', () => {
  let world: World | undefined;
  let stack: SyncStack | undefined;
  let tmp: ReturnType<typeof tempDir> | undefined;

  afterEach(async () => {
    stack?.close();
    await world?.close();
    tmp?.cleanup();
  });

  it('never writes an API key or a Smokeball token to the log, and an axios error shows [redacted]', async () => {
    const smokeballApiKey = `sb-${randomBytes(12).toString('hex')}`;
    const caseStatusApiKey = `cs-${randomBytes(12).toString('hex')}`;
    const fast = { latencyMs: 3, latencyJitterMs: 2 };
    world = await startWorld({
      matters: 150,
      seed: 5,
      // The simulator's bucket matches the client's 20/s: the waits are for the injected faults, not for 429s.
      smokeball: { apiKey: smokeballApiKey, faults: fast, rateLimit: { ratePerSecond: 20, burst: 20 } },
      caseStatus: { apiKey: caseStatusApiKey, faults: fast },
      shapeFirm: (firm) => {
        firm.messages = firm.messages.slice(0, 12);
        firm.documents = firm.documents.filter((d) => d.sizeBytes < 64 * 1024).slice(0, 3);
      },
    });
    world.smokeball.control.setWriteDelay(20);
    tmp = tempDir('css-redact-');

    // The secrets the app holds, whatever it read or wrote during the run (tokens change on every refresh).
    const secrets = rememberSecrets(new MemorySecretStore());
    await secrets.set(SECRET_KEYS.smokeballApiKey, smokeballApiKey);
    await secrets.set(SECRET_KEYS.caseStatusApiKey, caseStatusApiKey);
    const raw = capturingLogger();
    // Pattern redaction only: the test must show that the patterns (not the exact-value list) keep secrets out.
    const logger = redactingLogger(raw);
    const connections = {
      smokeball: { apiUrl: world.smokeball.url, authUrl: world.smokeball.authUrl, clientId: world.smokeball.options.clientId, ratePerSecond: 20, burst: 5 },
      caseStatus: { apiUrl: world.caseStatus.url, ratePerSecond: 20, burst: 10 },
    };
    stack = await createSyncStack({ dataDir: tmp.dir, connections, secrets, logger });
    await signInWithPkce({ authUrl: connections.smokeball.authUrl, clientId: connections.smokeball.clientId }, stack.tokens);

    // Smokeball failing a third of its requests: retries, failed runs and write-back errors get logged.
    world.smokeball.control.setFaults({ serverErrorRate: 0.3 });
    await stack.engine.initialImport();
    // Messages → memos, documents → files, under the same faults; a short read-back bound keeps the test quick.
    const writeback = new WritebackJob({
      smokeball: stack.smokeball,
      caseStatus: stack.caseStatus,
      store: stack.store,
      logger,
      tempDir: join(tmp.dir, 'staging'),
      settings: { readBack: { timeoutMs: 1500, maxIntervalMs: 100 } },
    });
    await writeback.run();
    writeback.close();
    world.smokeball.control.expireAccessTokens(); // every call now 401s until the app refreshes
    await stack.engine.syncNow();
    // The grant revoked: the refresh fails and the run fails asking for sign-in.
    const held = JSON.parse((await secrets.get(TOKENS_KEY))!) as TokenSet;
    world.smokeball.control.revokeRefreshToken(held.refreshToken!);
    world.smokeball.control.expireAccessTokens();
    const failed = await stack.engine.syncNow();
    expect(failed.outcome).toBe('failed');

    // A real axios error from a real request carrying the real Authorization header and API key, logged whole.
    const accessToken = held.accessToken;
    const axiosError = await axios
      .get(`${world.smokeball.url}/v1/no-such-endpoint?access_token=${accessToken}`, {
        headers: { Authorization: `Bearer ${accessToken}`, 'x-api-key': smokeballApiKey },
      })
      .then(
        () => null,
        (error: unknown) => error as AxiosError,
      );
    expect(axiosError?.isAxiosError).toBe(true);
    expect(inspect(axiosError)).toContain(accessToken); // what a careless log line would have written
    logger.error('Smokeball request failed', { error: axiosError, config: axiosError!.config });
    logger.error(`Smokeball request failed: ${inspect(axiosError, { depth: 4 })}`);

    const output = raw.lines.join('\n');
    const levels = raw.lines.map((l) => (JSON.parse(l) as { level: string }).level);
    expect(levels.filter((l) => l === 'error' || l === 'warn').length).toBeGreaterThan(2); // the faults really were logged
    // Every token the app stored passed through the remembering store: the first ones and each refreshed pair.
    const heldSecrets = [smokeballApiKey, caseStatusApiKey, ...secrets.knownSecrets()].filter((s) => s.length >= 8);
    expect(heldSecrets.length).toBeGreaterThan(4);
    const leaked = heldSecrets.filter((s) => output.includes(s));
    expect(leaked).toEqual([]);
    const logged = JSON.parse(raw.lines.at(-2)!) as { error: Record<string, unknown>; config: { headers: Record<string, unknown> } };
    expect(logged.error).toMatchObject({ name: 'AxiosError', method: 'GET' });
    expect(logged.error.status).toBeGreaterThanOrEqual(400); // 401 (grant revoked) or 429 (this request is not paced)
    expect(logged.error.url).toContain(`access_token=${REDACTED}`);
    expect(logged.config.headers.Authorization).toBe(REDACTED);
    expect(logged.config.headers['x-api-key']).toBe(REDACTED);
    expect(raw.lines.at(-1)).toContain(`Authorization: '${REDACTED}'`);
  });
});
