import { afterEach, describe, expect, it } from 'vitest';
import { envProxyResolver, parsePacResult, UnsupportedProxyError } from '../../../src/sync/http/proxy-choice.js';

describe('proxy choice from a PAC answer (Electron session.resolveProxy) or the environment', () => {
  it('reads the first usable entry of a PAC answer', () => {
    expect(parsePacResult('DIRECT')).toEqual({ kind: 'direct' });
    expect(parsePacResult('')).toEqual({ kind: 'direct' });
    expect(parsePacResult('PROXY proxy.firm.local:8080; DIRECT')).toEqual({ kind: 'proxy', url: new URL('http://proxy.firm.local:8080') });
    expect(parsePacResult('HTTPS secure-proxy:443')).toEqual({ kind: 'proxy', url: new URL('https://secure-proxy:443') });
    expect(parsePacResult('SOCKS5 socks:1080; PROXY fallback:3128')).toEqual({ kind: 'proxy', url: new URL('http://fallback:3128') });
    expect(parsePacResult('SOCKS5 socks:1080; DIRECT')).toEqual({ kind: 'direct' });
  });

  it('refuses an answer that names only proxies it cannot use, instead of going direct', () => {
    expect(() => parsePacResult('SOCKS5 socks:1080')).toThrow(UnsupportedProxyError);
  });

  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY', async () => {
    for (const k of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy']) delete process.env[k];
    const resolve = envProxyResolver();
    expect(await resolve('https://api.smokeball.com/v1/matters')).toBe('DIRECT');
    process.env.HTTPS_PROXY = 'http://proxy.firm.local:3128';
    process.env.HTTP_PROXY = 'proxy2.firm.local:8080';
    process.env.NO_PROXY = 'relay.firm.local,.internal';
    expect(await resolve('https://api.smokeball.com/v1/matters')).toBe('PROXY proxy.firm.local:3128');
    expect(await resolve('http://casestatus.example/v1')).toBe('PROXY proxy2.firm.local:8080');
    expect(await resolve('https://relay.firm.local/v1/events')).toBe('DIRECT');
    expect(await resolve('https://docs.internal/x')).toBe('DIRECT');
  });
});
