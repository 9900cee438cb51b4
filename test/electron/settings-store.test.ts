import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SettingsSchema } from '../../src/contract/settings.js';
import { ElectronSettingsStore } from '../../electron/settings-store.js';
import { ElectronStoreLike } from '../helpers/electron-store-like.js';
import { tempDir } from '../helpers/tmp.js';

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { debug() {}, info() {}, error() {}, warn: (m: string) => warnings.push(m) } };
}

describe('ElectronSettingsStore', () => {
  it('starts with the defaults (launch at login on, 02:00, notifications for attention)', () => {
    const dir = tempDir('css-settings-new-');
    const store = new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: dir.dir });
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(store.get()).toMatchObject({ launchAtLogin: true, nightlySyncTime: '02:00', notifications: 'attention' });
    dir.cleanup();
  });

  it('persists across instances, in settings.json under the given folder', () => {
    const dir = tempDir('css-settings-persist-');
    const first = new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: dir.dir });
    const changed = SettingsSchema.parse({ ...DEFAULT_SETTINGS, nightlySyncTime: '03:30', launchAtLogin: false, stageMapping: { 'stage-1': 'Discovery' } });
    first.set(changed);
    expect(first.path).toBe(join(dir.dir, 'settings.json'));
    const second = new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: dir.dir });
    expect(second.get()).toEqual(changed);
    expect(JSON.parse(readFileSync(join(dir.dir, 'settings.json'), 'utf8')).settings.nightlySyncTime).toBe('03:30');
    dir.cleanup();
  });

  it('refuses to save invalid settings', () => {
    const dir = tempDir('css-settings-bad-save-');
    const store = new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: dir.dir });
    expect(() => store.set({ ...DEFAULT_SETTINGS, nightlySyncTime: '25:00' })).toThrow();
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    dir.cleanup();
  });

  it('repairs invalid fields with their defaults and keeps the valid ones, with a warning', () => {
    const dir = tempDir('css-settings-invalid-');
    writeFileSync(join(dir.dir, 'settings.json'), JSON.stringify({ settings: { nightlySyncTime: 'midnight', launchAtLogin: false, notifications: 'loud' } }));
    const { warnings, logger } = recordingLogger();
    const store = new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: dir.dir, logger });
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, launchAtLogin: false });
    expect(warnings.length).toBeGreaterThan(0);
    dir.cleanup();
  });

  it('moves a file that is not JSON aside, starts from the defaults and saves normally afterwards', () => {
    const dir = tempDir('css-settings-corrupt-');
    writeFileSync(join(dir.dir, 'settings.json'), '{"settings": {"nightlySyncTime": "03:00"'); // cut off mid-write by hand
    const { warnings, logger } = recordingLogger();
    const store = new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: dir.dir, logger, now: () => new Date('2025-01-10T12:00:00Z') });
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(warnings).toEqual(['The settings file could not be read; it was moved aside and the defaults are used']);
    const aside = join(dir.dir, 'settings.json.invalid-2025-01-10T12-00-00-000Z');
    expect(readFileSync(aside, 'utf8')).toBe('{"settings": {"nightlySyncTime": "03:00"');
    store.set({ ...DEFAULT_SETTINGS, nightlySyncTime: '04:00' });
    expect(new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: dir.dir }).get().nightlySyncTime).toBe('04:00');
    dir.cleanup();
  });

  it('returns the defaults (no crash) when the file breaks while the app runs', () => {
    const dir = tempDir('css-settings-runtime-');
    const { warnings, logger } = recordingLogger();
    const store = new ElectronSettingsStore({ Store: ElectronStoreLike, cwd: dir.dir, logger });
    store.set({ ...DEFAULT_SETTINGS, nightlySyncTime: '05:00' });
    writeFileSync(join(dir.dir, 'settings.json'), 'garbage');
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(warnings).toEqual(['The settings file could not be read; using the defaults']);
    expect(existsSync(join(dir.dir, 'settings.json'))).toBe(true);
    dir.cleanup();
  });
});
