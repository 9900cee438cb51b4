import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackSignIn } from '../../src/app/sign-in.js';
import { generateFirm } from '../../src/sim/seed/generate.js';
import { startSmokeballSim, type SmokeballSim } from '../../src/sim/smokeball/server.js';

/** The browser's part: follow the sign-in page's redirect back to the app's loopback listener. */
async function browserVisits(authorizeUrl: string): Promise<{ status: number; body: string; callback: string }> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = page.headers.get('location');
  if (!callback) throw new Error(`no redirect (HTTP ${page.status})`);
  const back = await fetch(callback);
  return { status: back.status, body: await back.text(), callback };
}

describe('Smokeball sign-in: authorization code + PKCE with a loopback redirect (RFC 8252)', () => {
  let sim: SmokeballSim;
  beforeAll(async () => {
    sim = await startSmokeballSim({ firm: generateFirm({ seed: 3, matters: 5 }), redirectUris: ['http://127.0.0.1/callback'], allowLoopbackAnyPort: true });
  });
  afterAll(() => sim.close());
  const oauth = () => ({ authUrl: sim.authUrl, clientId: sim.options.clientId });

  it('listens on 127.0.0.1 only, sends an S256 challenge and a state, and gets working tokens', async () => {
    const pending = await startLoopbackSignIn(oauth());
    const url = new URL(pending.authorizeUrl);
    expect(pending.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')?.length).toBeGreaterThanOrEqual(32);
    expect(url.searchParams.get('redirect_uri')).toBe(pending.redirectUri);
    const visit = await browserVisits(pending.authorizeUrl);
    expect(visit.status).toBe(200);
    expect(visit.body).toContain('Signed in to Smokeball');
    const tokens = await pending.result;
    expect(tokens.refreshToken).toBeTruthy();
    const res = await fetch(`${sim.url}/staff`, { headers: { 'x-api-key': sim.options.apiKey, authorization: `Bearer ${tokens.accessToken}` } });
    expect(res.status).toBe(200);
    // The listener is gone once the sign-in completed.
    await expect(fetch(visit.callback)).rejects.toThrow();
  });

  it('ignores a callback with the wrong state and keeps waiting for the real one', async () => {
    const pending = await startLoopbackSignIn(oauth());
    const forged = await fetch(`${pending.redirectUri}?code=stolen&state=not-ours`);
    expect(forged.status).toBe(400);
    const visit = await browserVisits(pending.authorizeUrl);
    expect(visit.status).toBe(200);
    await expect(pending.result).resolves.toMatchObject({ accessToken: expect.any(String) });
  });

  it('reports a refused sign-in as an error, without the code or tokens in the message', async () => {
    const pending = await startLoopbackSignIn(oauth());
    const state = new URL(pending.authorizeUrl).searchParams.get('state')!;
    const res = await fetch(`${pending.redirectUri}?error=access_denied&state=${state}`);
    expect(res.status).toBe(400);
    await expect(pending.result).rejects.toThrow(/not completed \(access_denied\)/);
  });

  it('fails when the code cannot be exchanged (PKCE verifier must match)', async () => {
    const pending = await startLoopbackSignIn(oauth());
    const state = new URL(pending.authorizeUrl).searchParams.get('state')!;
    const res = await fetch(`${pending.redirectUri}?code=made-up-code&state=${state}`);
    expect(res.status).toBe(400);
    await expect(pending.result).rejects.toThrow(/sign-in/i);
  });

  it('times out when the browser never comes back, and can be cancelled', async () => {
    const slow = await startLoopbackSignIn(oauth(), { timeoutMs: 200 });
    await expect(slow.result).rejects.toThrow(/timed out/);
    const cancelled = await startLoopbackSignIn(oauth());
    cancelled.cancel();
    await expect(cancelled.result).rejects.toThrow(/cancelled/);
  });
});
