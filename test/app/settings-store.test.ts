import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfSettingsStore, readSettings } from '../../src/app/settings-store.js';
import { applySettingsPatch, DEFAULT_SETTINGS, SettingsPatchSchema } from '../../src/contract/settings.js';
import { tempDir } from '../helpers/tmp.js';

describe('settings', () => {
  it('defaults: nightly 02:00, launch at login on, Open and Pending matters, notifications for attention', () => {
    expect(DEFAULT_SETTINGS.nightlySyncTime).toBe('02:00');
    expect(DEFAULT_SETTINGS.launchAtLogin).toBe(true);
    expect(DEFAULT_SETTINGS.matterFilter.statuses).toEqual(['Open', 'Pending']);
    expect(DEFAULT_SETTINGS.notifications).toBe('attention');
    expect(DEFAULT_SETTINGS.connections.smokeballRatePerSecond).toBe(5);
  });

  it('persists in a JSON file under the data folder and survives a new store instance', () => {
    const { dir } = tempDir();
    const a = new ConfSettingsStore(dir);
    a.set(
      applySettingsPatch(a.get(), {
        nightlySyncTime: '23:30',
        stageMapping: { 'stage-1': 'Negotiation' },
        connections: { relayUrl: 'https://relay.example.com' },
      }),
    );
    const b = new ConfSettingsStore(dir).get();
    expect(b.nightlySyncTime).toBe('23:30');
    expect(b.stageMapping).toEqual({ 'stage-1': 'Negotiation' });
    expect(b.connections.relayUrl).toBe('https://relay.example.com');
    expect(b.connections.smokeballApiUrl).toBe(DEFAULT_SETTINGS.connections.smokeballApiUrl);
    expect(readdirSync(dir)).toContain('settings.json');
  });

  it('repairs an invalid file field by field instead of failing', () => {
    const { dir } = tempDir();
    new ConfSettingsStore(dir).set(DEFAULT_SETTINGS);
    const file = join(dir, 'settings.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { settings: Record<string, unknown> };
    raw.settings.nightlySyncTime = '25:99';
    raw.settings.launchAtLogin = false;
    raw.settings.notifications = 'loud';
    writeFileSync(file, JSON.stringify(raw));
    const s = new ConfSettingsStore(dir).get();
    expect(s.nightlySyncTime).toBe('02:00');
    expect(s.notifications).toBe('attention');
    expect(s.launchAtLogin).toBe(false);
  });

  it('reads garbage as the defaults', () => {
    expect(readSettings('nonsense')).toEqual(DEFAULT_SETTINGS);
    expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('rejects patches with unknown fields, bad times, non-http URLs and out-of-range rates', () => {
    expect(SettingsPatchSchema.safeParse({ nightlySyncTime: '7pm' }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ colour: 'red' }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ connections: { relayUrl: 'javascript:alert(1)' } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ connections: { smokeballRatePerSecond: 1000 } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ connections: { apiKey: 'x' } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ matterFilter: { statuses: [] } }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ nightlySyncTime: '07:45', connections: { relayUrl: '' } }).success).toBe(true);
  });
});
