import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applyNetworkSettings } from '../../src/app/network-settings.js';
import { MemorySettingsStore } from '../../src/app/settings-store.js';
import { applySettingsPatch, DEFAULT_SETTINGS, SettingsPatchSchema } from '../../src/contract/settings.js';
import { SECRET_KEYS } from '../../src/sync/compose.js';
import { createApiHttp } from '../../src/sync/http/create-http.js';
import { resetNetwork } from '../../src/sync/http/network.js';
import { MemorySecretStore } from '../../src/sync/ports.js';

/**
 * The tray app's route: the proxy comes from Electron's session.resolveProxy (a fake session here: the Electron
 * binary is not available), the proxy user from the settings and its password from the keychain. The "proxy" is a
 * real TCP server on 127.0.0.1 that records the CONNECT request and refuses it with 407.
 */
async function recordingProxy(): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    let head = '';
    socket.on('data', (c: Buffer) => {
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      requests.push(head);
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="firm"\r\nContent-Length: 0\r\n\r\n');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as net.AddressInfo;
  return { port: address.port, requests, close: () => new Promise((r) => server.close(() => r())) };
}

afterEach(() => resetNetwork());

describe('network settings in the tray app', () => {
  it('asks the session for each URL and sends the proxy user from settings with the password from the keychain', async () => {
    const proxy = await recordingProxy();
    try {
      const asked: string[] = [];
      const session = { resolveProxy: (url: string) => (asked.push(url), Promise.resolve(`PROXY 127.0.0.1:${proxy.port}; DIRECT`)) };
      const settings = new MemorySettingsStore(applySettingsPatch(DEFAULT_SETTINGS, { network: { proxyUsername: 'FIRM\\sync', extraCaPem: '' } }));
      const secrets = new MemorySecretStore();
      await secrets.set(SECRET_KEYS.proxyPassword, 'proxy-secret-1');
      applyNetworkSettings({ settings, secrets, resolveProxy: (url) => session.resolveProxy(url) });

      const http = createApiHttp({ baseURL: 'https://api.smokeball.example', headers: { authorization: 'Bearer api-token' } });
      const error = (await http.get('/v1/matters').catch((e: unknown) => e)) as { code?: string; message: string };
      expect(error.code).toBe('EPROXYAUTH');
      expect(error.message).toContain(`The proxy 127.0.0.1:${proxy.port} refused the proxy user name and password`);
      expect(error.message).not.toContain('proxy-secret-1');
      expect(asked).toEqual(['https://api.smokeball.example:443/v1/matters']);
      expect(proxy.requests).toHaveLength(1);
      const head = proxy.requests[0]!;
      expect(head.startsWith('CONNECT api.smokeball.example:443 HTTP/1.1\r\n')).toBe(true);
      expect(head).toContain(`Proxy-Authorization: Basic ${Buffer.from('FIRM\\sync:proxy-secret-1').toString('base64')}`);
      // The API's own Authorization header never goes to the proxy.
      expect(head).not.toContain('api-token');

      // No user name in the settings: no credentials are sent, and the error says the proxy wants some.
      settings.set(applySettingsPatch(settings.get(), { network: { proxyUsername: '', extraCaPem: '' } }));
      const bare = (await http.get('/v1/matters').catch((e: unknown) => e)) as { message: string };
      expect(bare.message).toContain('asks for a user name and password (HTTP 407)');
      expect(proxy.requests[1]).not.toContain('Proxy-Authorization');
    } finally {
      await proxy.close();
    }
  });

  it('refuses a CA setting that is not a PEM certificate', () => {
    const bad = SettingsPatchSchema.safeParse({ network: { proxyUsername: '', extraCaPem: 'not a certificate' } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('PEM form');
  });
});
