import { afterEach, describe, expect, it } from 'vitest';
import { forecastLapse, LAPSE_WARNING_MS, REFRESH_TOKEN_LIFETIME_MS, reviewSignInLapse } from '../../src/app/sign-in-lapse.js';
import { isBlockingAttention } from '../../src/app/tray-state.js';
import { openStateStore, type StateStore } from '../../src/store/index.js';
import { MemorySecretStore } from '../../src/sync/ports.js';
import { TokenManager } from '../../src/sync/smokeball/oauth.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 24 * 3600 * 1000;

describe('Smokeball sign-in lapse forecast', () => {
  let store: StateStore | undefined;
  const dir = tempDir('css-lapse-');
  afterEach(() => {
    store?.close();
    store = undefined;
  });

  it('forecasts the lapse 30 days after the grant and warns from 3 days before', () => {
    const issued = Date.parse('2026-11-01T09:00:00Z');
    expect(forecastLapse(undefined, issued)).toBeNull();
    expect(forecastLapse(issued, issued + 26 * DAY)).toEqual({ lapsesAt: new Date(issued + REFRESH_TOKEN_LIFETIME_MS), warn: false });
    expect(forecastLapse(issued, issued + REFRESH_TOKEN_LIFETIME_MS - LAPSE_WARNING_MS - 1)?.warn).toBe(false);
    expect(forecastLapse(issued, issued + REFRESH_TOKEN_LIFETIME_MS - LAPSE_WARNING_MS)?.warn).toBe(true);
    expect(forecastLapse(issued, issued + 31 * DAY)?.warn).toBe(true);
  });

  it('raises one blocking item 3 days before, and a new sign-in resolves it', async () => {
    store = openStateStore(`${dir.dir}/sync.sqlite`);
    const secrets = new MemorySecretStore();
    const issued = Date.parse('2026-11-01T09:00:00Z');
    const tokens = new TokenManager({ authUrl: 'https://auth.example', clientId: 'cid' }, secrets);
    await tokens.save({ accessToken: 'access-1', accessTokenExpiresAt: issued + 3600_000, refreshToken: 'refresh-1', refreshTokenIssuedAt: issued });
    const before = JSON.stringify(store.attention.open());

    await reviewSignInLapse(store.attention, tokens, issued + 20 * DAY);
    expect(JSON.stringify(store.attention.open())).toBe(before);

    await reviewSignInLapse(store.attention, tokens, issued + 27.5 * DAY);
    await reviewSignInLapse(store.attention, tokens, issued + 27.6 * DAY); // every run checks; still one item
    const items = store.attention.open('sign_in_lapsing');
    expect(items).toHaveLength(1);
    expect(items[0]!.reason).toContain('lapses on 2026-12-01 09:00 UTC');
    expect(isBlockingAttention('sign_in_lapsing')).toBe(true); // tray amber, one notification

    // Signing in again: a new grant, issued now.
    const renewed = issued + 28 * DAY;
    await tokens.save({ accessToken: 'access-2', accessTokenExpiresAt: renewed + 3600_000, refreshToken: 'refresh-2', refreshTokenIssuedAt: renewed });
    await reviewSignInLapse(store.attention, tokens, renewed + 60_000);
    expect(store.attention.open('sign_in_lapsing')).toHaveLength(0);
  });
});
