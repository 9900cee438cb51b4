import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startRelayServer, type AcquireAnswer, type LedgerPage, type RelayServer, type RenewAnswer } from '../../src/relay/index.js';
import { packLedgerAppends } from '../../src/shared/lease/rules.js';
import { CLIENT_ID, Storages, type StorageKind } from './helpers.js';

/** The firm-wide sync lease and fenced ledger, over HTTP, on both storages. */
const storages = new Storages();
const servers: RelayServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => storages.cleanup());

const TTL = 60_000;

interface Call {
  status: number;
  body: Record<string, unknown>;
}

async function post(url: string, token: string, path: string, body: Record<string, unknown>): Promise<Call> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each<StorageKind>(['sqlite', 'postgres'])('sync lease on %s', (kind) => {
  /** A relay whose clock the test moves; clients send the same clock unless a test skews them. */
  async function setup() {
    const storage = await storages.fresh(kind);
    let clock = Date.parse('2026-03-02T09:00:00Z');
    const relay = await startRelayServer({ storage, smokeballClientId: CLIENT_ID, now: () => clock, lease: { ttlMs: TTL } });
    servers.push(relay);
    const firm = await relay.admin.createFirm({ name: 'Acme Law' });
    const install = (name: string, extra: { preferred?: boolean } = {}) => {
      const id = `install-${name}`;
      let held: { epoch: number; leaseKey: string } | undefined;
      const fields = () => ({ requestId: randomUUID(), clientTime: clock });
      return {
        id,
        get held() {
          return held;
        },
        async acquire(opts: { wantsHost?: boolean; token?: string } = {}): Promise<Call & { answer: AcquireAnswer }> {
          const call = await post(relay.url, opts.token ?? firm.token, '/v1/lease/acquire', {
            ...fields(),
            installId: id,
            installName: name,
            user: `user-${name}`,
            preferred: extra.preferred ?? false,
            wantsHost: opts.wantsHost ?? false,
          });
          const answer = call.body as unknown as AcquireAnswer;
          if (call.status === 200 && answer.granted) held = { epoch: answer.epoch, leaseKey: answer.leaseKey };
          return { ...call, answer };
        },
        renew: (status?: unknown) =>
          post(relay.url, firm.token, '/v1/lease/renew', { ...fields(), installId: id, ...held, ...(status !== undefined ? { status } : {}) }),
        release: () => post(relay.url, firm.token, '/v1/lease/release', { ...fields(), installId: id, ...held }),
        append: (entries: Array<{ key: string; value: string | null }>) =>
          post(relay.url, firm.token, '/v1/ledger', { ...fields(), installId: id, ...held, entries }),
        askSync: () => post(relay.url, firm.token, '/v1/lease/sync-request', { ...fields(), installId: id }),
      };
    };
    const ledger = async (after = 0): Promise<LedgerPage> => {
      const res = await fetch(`${relay.url}/v1/ledger?after=${after}`, { headers: { authorization: `Bearer ${firm.token}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as LedgerPage;
    };
    return { relay, firm, install, ledger, advance: (ms: number) => (clock += ms), now: () => clock };
  }

  it('three installs asking at once: exactly one is granted, the others see it as the host', async () => {
    const { install } = await setup();
    const all = [install('FRONTDESK-PC'), install('PARALEGAL-PC'), install('PARTNER-PC')];
    const answers = await Promise.all(all.map((i) => i.acquire()));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const granted = answers.filter((a) => a.answer.granted);
    expect(granted).toHaveLength(1);
    const hostIndex = answers.findIndex((a) => a.answer.granted);
    for (const a of answers.filter((x) => !x.answer.granted)) {
      expect(a.answer).toMatchObject({
        granted: false,
        epoch: 1,
        holder: { installId: all[hostIndex]!.id, installName: all[hostIndex]!.id.replace('install-', '') },
      });
    }
  });

  it('the host renews and publishes its status; a standby reads it; Sync now on a standby reaches the host once', async () => {
    const { install, advance } = await setup();
    const host = install('FRONTDESK-PC');
    const standby = install('PARALEGAL-PC');
    expect((await host.acquire()).answer.granted).toBe(true);
    advance(20_000);
    const renewed = await host.renew({ lastSyncAt: '2026-03-02T08:58:00Z', attention: 2 });
    expect(renewed.status).toBe(200);
    expect((renewed.body as unknown as RenewAnswer).expiresAt).toBe(Date.parse('2026-03-02T09:00:20Z') + TTL);
    const seen = await standby.acquire();
    expect(seen.answer).toMatchObject({ granted: false, holder: { installName: 'FRONTDESK-PC', user: 'user-FRONTDESK-PC' }, status: { attention: 2 } });

    expect((await standby.askSync()).status).toBe(200);
    expect(((await host.renew()).body as unknown as RenewAnswer).syncNowRequested).toBe(true);
    expect(((await host.renew()).body as unknown as RenewAnswer).syncNowRequested).toBe(false);
  });

  it('a restarted host takes its own lease back at once with a new epoch; its old key is fenced out', async () => {
    const { install, advance } = await setup();
    const before = install('FRONTDESK-PC');
    const standby = install('PARALEGAL-PC');
    expect((await before.acquire()).answer.granted).toBe(true);
    expect((await standby.acquire()).answer.granted).toBe(false);
    const oldLease = before.held!;
    advance(5_000); // killed and started again well inside the TTL: the new process has no lease key
    const after = install('FRONTDESK-PC');
    const again = await after.acquire();
    expect(again.answer).toMatchObject({ granted: true, epoch: oldLease.epoch + 1 });
    // The old process's key and epoch no longer renew or append.
    expect(await before.renew()).toMatchObject({ status: 409, body: { error: 'lease_lost' } });
    expect((await before.append([{ key: 'k', value: 'v' }])).status).toBe(409);
    expect((await after.renew()).status).toBe(200);
    expect((await standby.acquire()).answer).toMatchObject({ granted: false, holder: { installName: 'FRONTDESK-PC' } });
  });

  it("a ledger append above the webhook-sized body cap (64 KiB) is accepted up to the ledger's own cap", async () => {
    const { install, ledger } = await setup();
    const host = install('FRONTDESK-PC');
    expect((await host.acquire()).answer.granted).toBe(true);
    const big = (n: number) => ({ key: `memo_threads:${n}`, value: 'x'.repeat(60_000) });
    const append = await host.append([big(1), big(2), big(3)]);
    expect(append).toMatchObject({ status: 200, body: { appended: 3 } });
    expect((await ledger()).entries).toHaveLength(3);
    // Above the ledger's own cap (1 MiB) it is refused, not stored.
    const tooBig = await host.append(Array.from({ length: 20 }, (_, i) => big(10 + i)));
    expect(tooBig.status).toBe(413);
    expect((await ledger()).entries).toHaveLength(3);
  });

  it('take-over after the TTL: a preferred standby ranks first, the epoch increments and the old host is fenced out', async () => {
    const { install, advance, ledger } = await setup();
    const host = install('FRONTDESK-PC');
    const early = install('PARALEGAL-PC');
    const preferred = install('MANAGER-PC', { preferred: true });
    expect((await host.acquire()).answer.granted).toBe(true);
    expect((await host.append([{ key: 'feed.cursor', value: '10' }])).status).toBe(200);
    advance(5_000);
    await early.acquire();
    advance(5_000);
    await preferred.acquire();
    // The host stops renewing (PC off). Before the TTL nobody may take it.
    advance(TTL - 11_000);
    // Standbys keep asking (every 10 s in the app); before the TTL nobody may take it.
    expect((await early.acquire()).answer.granted).toBe(false);
    expect((await preferred.acquire()).answer.granted).toBe(false);
    advance(2_000);
    // Expired: the earlier standby asks first, but the preferred one ranks first.
    const refused = await early.acquire();
    expect(refused.answer).toMatchObject({ granted: false, holder: null });
    const won = await preferred.acquire();
    expect(won.answer).toMatchObject({ granted: true, epoch: 2 });

    // The old host wakes up: its renewal and its ledger append are refused, and the ledger is unchanged.
    const renew = await host.renew();
    expect(renew).toMatchObject({ status: 409, body: { error: 'lease_lost' } });
    const stale = await host.append([{ key: 'feed.cursor', value: '5' }]);
    expect(stale).toMatchObject({ status: 409, body: { error: 'lease_lost' } });
    expect((await host.acquire()).answer).toMatchObject({ granted: false, holder: { installId: preferred.id } });
    expect((await ledger()).entries).toEqual([{ seq: 1, key: 'feed.cursor', value: '10', epoch: 1 }]);

    // The new host reads what the old one wrote and continues the ledger under its epoch.
    expect(
      (
        await preferred.append([
          { key: 'feed.cursor', value: '11' },
          { key: 'memo.thread-1', value: 'memo-9' },
        ])
      ).status,
    ).toBe(200);
    const page = await ledger();
    expect(page.entries).toEqual([
      { seq: 2, key: 'feed.cursor', value: '11', epoch: 2 },
      { seq: 3, key: 'memo.thread-1', value: 'memo-9', epoch: 2 },
    ]);
    expect((await ledger(2)).entries.map((e) => e.key)).toEqual(['memo.thread-1']);
  });

  it('planned hand-over: the host is asked at its renewal, releases, and the requester acquires', async () => {
    const { install, advance } = await setup();
    const host = install('FRONTDESK-PC');
    const next = install('PARALEGAL-PC');
    await host.acquire();
    const ask = await next.acquire({ wantsHost: true });
    expect(ask.answer.granted).toBe(false);
    advance(1_000);
    const renew = await host.renew();
    expect((renew.body as unknown as RenewAnswer).handoverRequested).toBe(true);
    expect((await host.release()).status).toBe(200);
    // Another standby cannot jump the queue of a hand-over.
    expect((await install('OTHER-PC', { preferred: true }).acquire()).answer.granted).toBe(false);
    const won = await next.acquire();
    expect(won.answer).toMatchObject({ granted: true, epoch: 2 });
    expect((await host.renew()).body).toMatchObject({ error: 'lease_lost' });
  });

  it('refuses a forged renewal (wrong lease key or epoch) and a replayed request, and changes nothing', async () => {
    const { relay, firm, install, now } = await setup();
    const host = install('FRONTDESK-PC');
    await host.acquire();
    const held = host.held!;
    const base = { installId: host.id, clientTime: now() };
    const forgedKey = await post(relay.url, firm.token, '/v1/lease/renew', { ...base, requestId: randomUUID(), epoch: held.epoch, leaseKey: 'x'.repeat(43) });
    expect(forgedKey).toMatchObject({ status: 409, body: { error: 'lease_lost' } });
    const forgedEpoch = await post(relay.url, firm.token, '/v1/lease/renew', {
      ...base,
      requestId: randomUUID(),
      epoch: held.epoch + 1,
      leaseKey: held.leaseKey,
    });
    expect(forgedEpoch).toMatchObject({ status: 409, body: { error: 'lease_lost' } });
    const forgedLedger = await post(relay.url, firm.token, '/v1/ledger', {
      ...base,
      requestId: randomUUID(),
      epoch: held.epoch,
      leaseKey: 'y'.repeat(43),
      entries: [{ key: 'k', value: 'v' }],
    });
    expect(forgedLedger.status).toBe(409);

    const request = { ...base, requestId: randomUUID(), epoch: held.epoch, leaseKey: held.leaseKey, entries: [{ key: 'k', value: 'v' }] };
    expect((await post(relay.url, firm.token, '/v1/ledger', request)).status).toBe(200);
    const replay = await post(relay.url, firm.token, '/v1/ledger', request);
    expect(replay).toMatchObject({ status: 409, body: { error: 'replayed' } });
    const res = await fetch(`${relay.url}/v1/ledger`, { headers: { authorization: `Bearer ${firm.token}` } });
    expect(((await res.json()) as LedgerPage).entries).toHaveLength(1);
  });

  it("a token of another firm never touches this firm's lease; no token is 401", async () => {
    const { relay, firm, install, now } = await setup();
    const other = await relay.admin.createFirm({ name: 'Other Firm' });
    const host = install('FRONTDESK-PC');
    await host.acquire();
    // The other firm's token, with this firm's install id, epoch and even lease key: it names its own firm only.
    const stolen = await post(relay.url, other.token, '/v1/lease/renew', { requestId: randomUUID(), clientTime: now(), installId: host.id, ...host.held });
    expect(stolen.status).toBe(409);
    const intruder = await install('INTRUDER').acquire({ token: other.token });
    expect(intruder.answer).toMatchObject({ granted: true, epoch: 1 }); // its own firm's lease, separate
    expect((await host.renew()).status).toBe(200);
    const anonymous = await fetch(`${relay.url}/v1/lease/acquire`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    const ledgerOther = await fetch(`${relay.url}/v1/ledger`, { headers: { authorization: `Bearer ${firm.token}x` } });
    expect(ledgerOther.status).toBe(401);
  });

  it('refuses a clock hours off, naming the difference; bad bodies get a clear 400', async () => {
    const { relay, firm, now } = await setup();
    const body = { installId: 'i-1', installName: 'PC', user: 'u', preferred: false };
    const skewed = await post(relay.url, firm.token, '/v1/lease/acquire', { ...body, requestId: randomUUID(), clientTime: now() - 3 * 3600_000 });
    expect(skewed).toMatchObject({ status: 400, body: { error: 'clock_skew' } });
    expect(String(skewed.body.message)).toContain('180 min behind');
    const ahead = await post(relay.url, firm.token, '/v1/lease/acquire', { ...body, requestId: randomUUID(), clientTime: now() + 5 * 60_000 });
    expect(ahead.body.error).toBe('clock_skew');
    const noId = await post(relay.url, firm.token, '/v1/lease/acquire', { ...body, clientTime: now() });
    expect(noId).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    const res = await fetch(`${relay.url}/v1/lease/acquire`, { method: 'POST', headers: { authorization: `Bearer ${firm.token}` }, body: 'not json' });
    expect(res.status).toBe(400);
    // None of the refused requests took the lease.
    const ok = await post(relay.url, firm.token, '/v1/lease/acquire', { ...body, requestId: randomUUID(), clientTime: now() });
    expect(ok.body).toMatchObject({ granted: true, epoch: 1 });
  });
});

describe('sync lease across two relay instances on one PostgreSQL database', () => {
  it('twenty installs asking through two instances at once: one grant', async () => {
    const storage = await storages.fresh('postgres');
    const [a, b] = await Promise.all([0, 1].map(() => startRelayServer({ storage, smokeballClientId: CLIENT_ID })));
    servers.push(a!, b!);
    const firm = await a!.admin.createFirm({ name: 'Shared' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(i % 2 ? a!.url : b!.url, firm.token, '/v1/lease/acquire', {
          requestId: randomUUID(),
          clientTime: Date.now(),
          installId: `i-${i}`,
          installName: `PC-${i}`,
          user: 'u',
          preferred: false,
        }),
      ),
    );
    expect(answers.every((x) => x.status === 200)).toBe(true);
    expect(answers.filter((x) => x.body.granted === true)).toHaveLength(1);
  });
});

describe('packLedgerAppends', () => {
  it('splits by entry count and by bytes, keeping order and every entry', () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(i % 2 ? 300_000 : 10) }));
    const batches = packLedgerAppends(entries, 4);
    expect(batches.flat()).toEqual(entries);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(4);
      expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(1024 * 1024);
    }
    expect(batches.length).toBeGreaterThan(3); // 5 values of 300 KB cannot share 512 KB batches
  });
});
