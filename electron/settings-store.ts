import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingsStore } from '../src/app/ports.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../src/shared/private-files.js';
import { readSettings } from '../src/app/settings-store.js';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../src/contract/settings.js';
import { silentLogger, type Logger } from '../src/sync/index.js';

/**
 * Settings in `<userData>/settings.json` through electron-store, validated with the zod `SettingsSchema`: missing
 * fields get their defaults, invalid fields fall back to their defaults with a logged warning, and a file that is not
 * even JSON is moved aside (kept for whoever edited it) and replaced by the defaults. The app never fails to start
 * because of its settings file. Secrets are not settings: they go to the keychain.
 */

/** The part of an electron-store (a `conf` subclass) used here. */
export interface SettingsFile {
  get(key: 'settings'): unknown;
  set(key: 'settings', value: unknown): void;
}

/** electron-store's constructor (injected: electron-store imports Electron, which plain Node cannot load). */
export type SettingsFileConstructor = new (options: { name: string; cwd: string; clearInvalidConfig: boolean; configFileMode: number }) => SettingsFile;

export interface ElectronSettingsStoreOptions {
  Store: SettingsFileConstructor;
  /** The folder of the file (Electron: app.getPath('userData')). */
  cwd: string;
  name?: string;
  logger?: Logger;
  now?: () => Date;
}

export class ElectronSettingsStore implements SettingsStore {
  readonly path: string;
  private readonly file: SettingsFile;
  private readonly logger: Logger;

  constructor(options: ElectronSettingsStoreOptions) {
    const name = options.name ?? 'settings';
    this.logger = options.logger ?? silentLogger;
    this.path = join(options.cwd, `${name}.json`);
    // The settings folder and file are the user's alone (0700/0600; Windows: the profile's ACL).
    ensurePrivateDir(options.cwd);
    const open = () => new options.Store({ name, cwd: options.cwd, clearInvalidConfig: false, configFileMode: PRIVATE_FILE_MODE });
    try {
      this.file = open();
    } catch (error) {
      const aside = `${this.path}.invalid-${(options.now ?? (() => new Date()))().toISOString().replace(/[:.]/g, '-')}`;
      this.logger.warn('The settings file could not be read; it was moved aside and the defaults are used', {
        path: this.path,
        movedTo: aside,
        error: error instanceof Error ? error.message.split('\n')[0] : String(error),
      });
      try {
        renameSync(this.path, aside);
      } catch {
        // Could not move it (read-only folder?): the store below starts empty in memory and writes over it on save.
      }
      this.file = open();
    }
  }

  get(): Settings {
    let raw: unknown;
    try {
      raw = this.file.get('settings');
    } catch (error) {
      // The file was broken after start (edited by hand while running): defaults until the next save.
      this.logger.warn('The settings file could not be read; using the defaults', {
        path: this.path,
        error: error instanceof Error ? error.message.split('\n')[0] : String(error),
      });
      return DEFAULT_SETTINGS;
    }
    return readSettings(raw, this.logger);
  }

  set(next: Settings): void {
    this.file.set('settings', SettingsSchema.parse(next));
  }
}
