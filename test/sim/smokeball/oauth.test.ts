import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmokeballSim, type SmokeballSim, type SmokeballSimOptions } from '../../../src/sim/smokeball/server.js';
import { smallFirm } from './fixtures.js';
import { sleep } from './helpers.js';

const REDIRECT = 'http://127.0.0.1:53682/callback';
let sim: SmokeballSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(opts: Partial<SmokeballSimOptions> = {}): Promise<SmokeballSim> {
  sim = await startSmokeballSim({ firm: smallFirm({ matters: 3 }), redirectUris: [REDIRECT], ...opts });
  return sim;
}

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function authorize(s: SmokeballSim, params: Record<string, string>): Promise<Response> {
  const q = new URLSearchParams({ response_type: 'code', client_id: s.options.clientId, redirect_uri: REDIRECT, ...params });
  return fetch(`${s.authUrl}/oauth2/authorize?${q}`, { redirect: 'manual' });
}

async function codeFor(s: SmokeballSim, challenge: string): Promise<string> {
  const res = await authorize(s, { state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(REDIRECT);
  expect(location.searchParams.get('state')).toBe('xyz');
  return location.searchParams.get('code')!;
}

function token(s: SmokeballSim, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${s.authUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
}

function exchange(s: SmokeballSim, code: string, verifier: string): Promise<Response> {
  return token(s, { grant_type: 'authorization_code', client_id: s.options.clientId, redirect_uri: REDIRECT, code, code_verifier: verifier });
}

function apiGet(s: SmokeballSim, path: string, accessToken: string): Promise<Response> {
  return fetch(s.url + path, { headers: { 'x-api-key': s.options.apiKey, authorization: `Bearer ${accessToken}` } });
}

describe('OAuth (Cognito) simulation', () => {
  it('runs the PKCE authorization-code flow end to end', async () => {
    const s = await start();
    const { verifier, challenge } = pkce();
    const code = await codeFor(s, challenge);
    const res = await exchange(s, code, verifier);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(typeof body.access_token).toBe('string');
    expect(typeof body.refresh_token).toBe('string');
    expect(typeof body.id_token).toBe('string');
    expect((await apiGet(s, '/matters', body.access_token as string)).status).toBe(200);
  });

  it('a wrong verifier is invalid_grant and burns the code; a reused code is invalid_grant', async () => {
    const s = await start();
    const { verifier, challenge } = pkce();
    const code = await codeFor(s, challenge);
    const bad = await exchange(s, code, pkce().verifier);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_grant' });
    // The right verifier no longer helps: the failed exchange burnt the code.
    expect(await (await exchange(s, code, verifier)).json()).toEqual({ error: 'invalid_grant' });

    const code2 = await codeFor(s, challenge);
    expect((await exchange(s, code2, verifier)).status).toBe(200);
    const reused = await exchange(s, code2, verifier);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toEqual({ error: 'invalid_grant' });
  });

  it('codes expire (authCodeTtlS) and must be redeemed with the same redirect_uri', async () => {
    const s = await start({ authCodeTtlS: 1 });
    const { verifier, challenge } = pkce();
    const code = await codeFor(s, challenge);
    await sleep(1100);
    expect(await (await exchange(s, code, verifier)).json()).toEqual({ error: 'invalid_grant' });
    const code2 = await codeFor(s, challenge);
    const wrongRedirect = await token(s, {
      grant_type: 'authorization_code',
      client_id: s.options.clientId,
      redirect_uri: `${REDIRECT}/`,
      code: code2,
      code_verifier: verifier,
    });
    expect(await wrongRedirect.json()).toEqual({ error: 'invalid_grant' });
  });

  it('public clients must send an S256 code_challenge; redirect_uri must match exactly', async () => {
    const s = await start();
    const noPkce = await authorize(s, { state: 's' });
    expect(noPkce.status).toBe(302);
    expect(new URL(noPkce.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    const plain = await authorize(s, { code_challenge: pkce().challenge, code_challenge_method: 'plain' });
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    // A callback that is not registered gets no redirect at all.
    const other = await fetch(
      `${s.authUrl}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: s.options.clientId, redirect_uri: 'http://127.0.0.1:9999/callback', code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`,
      { redirect: 'manual' },
    );
    expect(other.status).toBe(400);
    const wrongClient = await fetch(
      `${s.authUrl}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'other', redirect_uri: REDIRECT })}`,
      { redirect: 'manual' },
    );
    expect(wrongClient.status).toBe(400);
    expect(await wrongClient.json()).toEqual({ error: 'invalid_client' });
  });

  it('allowLoopbackAnyPort accepts a registered loopback callback on another port (same path only)', async () => {
    const s = await start({ redirectUris: ['http://127.0.0.1/callback'], allowLoopbackAnyPort: true });
    const { verifier, challenge } = pkce();
    const redirect = 'http://127.0.0.1:61234/callback';
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: s.options.clientId,
      redirect_uri: redirect,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const res = await fetch(`${s.authUrl}/oauth2/authorize?${q}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.port).toBe('61234');
    const tok = await token(s, {
      grant_type: 'authorization_code',
      client_id: s.options.clientId,
      redirect_uri: redirect,
      code: location.searchParams.get('code')!,
      code_verifier: verifier,
    });
    expect(tok.status).toBe(200);
    q.set('redirect_uri', 'http://127.0.0.1:61234/other');
    expect((await fetch(`${s.authUrl}/oauth2/authorize?${q}`, { redirect: 'manual' })).status).toBe(400);
  });

  it('autoApprove=false shows an approve/deny page instead of redirecting at once', async () => {
    const s = await start({ autoApprove: false });
    const res = await authorize(s, { state: 'st', code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    expect(res.status).toBe(200);
    const html = await res.text();
    const requestId = /name="request_id" value="([^"]+)"/.exec(html)![1]!;
    const deny = await fetch(`${s.authUrl}/oauth2/authorize/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: requestId, decision: 'deny' }),
      redirect: 'manual',
    });
    expect(new URL(deny.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
  });

  it('refresh works without rotation; a revoked refresh token fails and its webhook subscriptions are deleted', async () => {
    const s = await start();
    const { verifier, challenge } = pkce();
    const tokens = (await (await exchange(s, await codeFor(s, challenge), verifier)).json()) as { access_token: string; refresh_token: string };
    const refreshed = await token(s, { grant_type: 'refresh_token', client_id: s.options.clientId, refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as Record<string, unknown>;
    expect(body.refresh_token).toBeUndefined();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

    // A subscription made with this grant...
    const create = await fetch(`${s.url}/webhooks`, {
      method: 'POST',
      headers: { 'x-api-key': s.options.apiKey, authorization: `Bearer ${body.access_token as string}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sync', eventTypes: ['matter.updated'], eventNotificationUrl: 'http://127.0.0.1:1/hook' }),
    });
    expect(create.status).toBe(200);
    // ...and one made with another grant.
    const other = s.control.issueTokens();
    await fetch(`${s.url}/webhooks`, {
      method: 'POST',
      headers: { 'x-api-key': s.options.apiKey, authorization: `Bearer ${other.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'other', eventTypes: ['matter.updated'], eventNotificationUrl: 'http://127.0.0.1:1/hook' }),
    });
    expect(s.control.webhookSubscriptions()).toHaveLength(2);

    expect(s.control.revokeRefreshToken(tokens.refresh_token)).toBe(true);
    const after = await token(s, { grant_type: 'refresh_token', client_id: s.options.clientId, refresh_token: tokens.refresh_token });
    expect(after.status).toBe(400);
    expect(await after.json()).toEqual({ error: 'invalid_grant' });
    expect((await apiGet(s, '/staff', body.access_token as string)).status).toBe(401);
    expect(s.control.webhookSubscriptions().map((x) => x.name)).toEqual(['other']);
  });

  it('refresh tokens expire (and their subscriptions go with them)', async () => {
    const s = await start({ refreshTokenTtlS: 1 });
    const t = s.control.issueTokens();
    await fetch(`${s.url}/webhooks`, {
      method: 'POST',
      headers: { 'x-api-key': s.options.apiKey, authorization: `Bearer ${t.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sync', eventTypes: ['matter.updated'], eventNotificationUrl: 'http://127.0.0.1:1/hook' }),
    });
    expect(s.control.webhookSubscriptions()).toHaveLength(1);
    await sleep(2100); // the sweep runs every second
    expect(s.control.webhookSubscriptions()).toHaveLength(0);
    expect(await (await token(s, { grant_type: 'refresh_token', client_id: s.options.clientId, refresh_token: t.refreshToken })).json()).toEqual({
      error: 'invalid_grant',
    });
  });

  it('confidential clients authenticate with Basic; client_credentials needs the secret', async () => {
    const s = await start({ clientSecret: 's3cret' });
    const basic = `Basic ${Buffer.from(`${s.options.clientId}:s3cret`).toString('base64')}`;
    const ok = await token(s, { grant_type: 'client_credentials' }, { authorization: basic });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body.refresh_token).toBeUndefined();
    expect((await apiGet(s, '/staff', body.access_token as string)).status).toBe(200);

    const wrong = await token(
      s,
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${Buffer.from(`${s.options.clientId}:nope`).toString('base64')}` },
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_client' });
    expect(await (await token(s, { grant_type: 'client_credentials', client_id: s.options.clientId })).json()).toEqual({ error: 'invalid_client' });
    expect(await (await token(s, { grant_type: 'password', client_id: s.options.clientId, client_secret: 's3cret' })).json()).toEqual({
      error: 'unsupported_grant_type',
    });
  });

  it('public clients cannot use client_credentials', async () => {
    const s = await start();
    expect(await (await token(s, { grant_type: 'client_credentials', client_id: s.options.clientId })).json()).toEqual({ error: 'invalid_client' });
  });
});
