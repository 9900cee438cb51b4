import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, createAppProtocolHandler, resolveAppAsset } from '../../electron/app-protocol.js';
import { tempDir } from '../helpers/tmp.js';

describe('app:// protocol', () => {
  const tmp = tempDir('css-appproto-');
  const root = join(tmp.dir, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>ok</title>');
  writeFileSync(join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'data.bin'), 'x');
  writeFileSync(join(tmp.dir, 'secret.txt'), 'outside the bundle');
  afterAll(() => tmp.cleanup());

  it('maps app://bundle URLs to files inside the renderer folder only', () => {
    expect(resolveAppAsset(root, 'app://bundle/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppAsset(root, 'app://bundle/')).toBe(join(root, 'index.html'));
    expect(resolveAppAsset(root, 'app://bundle/assets/app-1a2b.js?v=1#x')).toBe(join(root, 'assets', 'app-1a2b.js'));
    for (const url of [
      'app://bundle/../secret.txt',
      'app://bundle/%2e%2e/secret.txt',
      'app://bundle/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://bundle/..%5csecret.txt',
      'app://bundle/%00index.html',
      'app://bundle/%E0%A4%A',
      'app://other/index.html',
      'file:///etc/passwd',
      'nonsense',
    ]) {
      const file = resolveAppAsset(root, url);
      expect(file === null || file.startsWith(root + '/'), `${url} → ${file}`).toBe(true);
      expect(file).not.toBe(join(tmp.dir, 'secret.txt'));
    }
  });

  it('serves files with their type, the CSP header and nosniff; refuses the rest', async () => {
    const handle = createAppProtocolHandler(root);
    const page = await handle({ url: 'app://bundle/index.html', method: 'GET' });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<!doctype html><title>ok</title>');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');

    const script = await handle({ url: 'app://bundle/assets/app-1a2b.js', method: 'GET' });
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');

    expect((await handle({ url: 'app://bundle/../secret.txt', method: 'GET' })).status).toBe(404);
    expect((await handle({ url: 'app://bundle/missing.js', method: 'GET' })).status).toBe(404);
    expect((await handle({ url: 'app://bundle/assets/data.bin', method: 'GET' })).status).toBe(404); // unknown type
    expect((await handle({ url: 'app://bundle/index.html', method: 'POST' })).status).toBe(405);
    const refused = await handle({ url: 'app://bundle/nope', method: 'GET' });
    expect(refused.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});
