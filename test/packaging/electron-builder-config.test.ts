import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * electron-builder.yml against electron-builder's own configuration schema (app-builder-lib/scheme.json, shipped
 * in the pinned package), so a misspelt key fails CI instead of being ignored or failing on a packaging machine.
 * The Electron binary cannot be downloaded here, so this and the builds up to packaging are what CI can check.
 */
const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
const config = parse(readFileSync('electron-builder.yml', 'utf8')) as Record<string, unknown>;

function validate(value: unknown): string[] {
  // electron-builder's schema uses draft-07 keywords only; strict mode would reject its descriptive extras.
  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = ajv.compile(schema);
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

describe('electron-builder.yml', () => {
  it('is valid for the pinned electron-builder', () => {
    expect(validate(config)).toEqual([]);
  });

  it('fails on a misspelt key, at any depth', () => {
    expect(validate({ ...config, prodcutName: 'Case Status Sync' }).join('\n')).toMatch(/additionalProperty":"prodcutName"/);
    const nsis = { ...(config.nsis as object), perMachin: true };
    expect(validate({ ...config, nsis }).join('\n')).toMatch(/additionalProperty":"perMachin"/);
  });

  it('builds NSIS per-user with auto-update, MSI per-machine, dmg and AppImage', () => {
    const targets = (platform: string) => ((config[platform] as { target: Array<{ target: string }> }).target ?? []).map((t) => t.target);
    expect(targets('win')).toEqual(['nsis', 'msi']);
    expect(targets('mac')).toEqual(['dmg']);
    expect(targets('linux')).toEqual(['AppImage']);
    expect(config.nsis).toMatchObject({ perMachine: false });
    expect(config.msi).toMatchObject({ perMachine: true, oneClick: true });
    expect((config.msi as { upgradeCode?: string }).upgradeCode).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(config.publish).toMatchObject({ provider: 'generic' });
  });

  it('is run by the pinned electron-builder from npm run package', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.devDependencies['electron-builder']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.scripts.package).toContain('electron-builder --config electron-builder.yml');
  });
});
