import { afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type RelayServer } from '../../src/relay/index.js';
import type { RelayServerOptions } from '../../src/relay/server.js';

/**
 * `POST /v1/pair` is the relay's one route without a token. Each client address gets a few attempts a minute
 * (time here is the relay's injected clock, so nothing waits); behind a proxy the address comes from
 * X-Forwarded-For only when the operator says the relay is behind one, so a client cannot forge its way round.
 */
let relay: RelayServer | undefined;
afterEach(async () => {
  await relay?.close();
  relay = undefined;
});

let clock = Date.parse('2026-12-07T10:00:00Z');

async function start(extra: Partial<RelayServerOptions> = {}): Promise<RelayServer> {
  relay = await startRelayServer({ storage: 'sqlite::memory:', smokeballClientId: 'client-id', now: () => clock, pairAttemptsPerMinute: 3, ...extra });
  return relay;
}

async function pair(r: RelayServer, code: string, forwardedFor?: string): Promise<{ status: number; retryAfter: string | null; error?: string }> {
  const res = await fetch(`${r.url}/v1/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ code }),
  });
  const body = (await res.json()) as { error?: string };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), error: body.error };
}

const WRONG = 'AAAA-BBBB-CCCC';

describe('pairing attempts per client address', () => {
  it('refuses the attempts over the limit, even with a good code, until the bucket refills', async () => {
    const r = await start();
    const firm = await r.admin.createFirm({ name: 'Acme Law' });
    const { code } = await r.admin.createPairingCode(firm.firmId);
    for (let i = 0; i < 3; i++) expect(await pair(r, WRONG)).toMatchObject({ status: 404, error: 'unknown_code' });
    const refused = await pair(r, code);
    expect(refused).toMatchObject({ status: 429, error: 'too_many_attempts' });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    // 3 a minute: one attempt back after 20 s. The code was not taken by the refused attempt.
    clock += 20_000;
    const paired = await pair(r, code);
    expect(paired.status).toBe(200);
    expect(await pair(r, WRONG)).toMatchObject({ status: 429 });
  });

  it('ignores X-Forwarded-For unless the relay is told it runs behind a proxy', async () => {
    const direct = await start();
    for (let i = 0; i < 3; i++) expect((await pair(direct, WRONG, `10.0.0.${i}`)).status).toBe(404);
    // A forged header does not buy a fresh allowance.
    expect((await pair(direct, WRONG, '10.0.0.99')).status).toBe(429);
    await direct.close();

    const proxied = await start({ trustProxy: true });
    for (let i = 0; i < 3; i++) expect((await pair(proxied, WRONG, '203.0.113.7')).status).toBe(404);
    expect((await pair(proxied, WRONG, '203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy has its own allowance.
    expect((await pair(proxied, WRONG, '198.51.100.4')).status).toBe(404);
  });
});
