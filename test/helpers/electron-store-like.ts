import Conf from 'conf';
import type { SettingsFileConstructor } from '../../electron/settings-store.js';

/**
 * electron-store is `conf` plus Electron's userData folder as the default `cwd` (it imports Electron to find it, which
 * plain Node cannot load). With `cwd` given, it is exactly this: the same class, file format and atomic writes.
 */
export const ElectronStoreLike: SettingsFileConstructor = class extends Conf<Record<string, unknown>> {
  constructor(options: { name: string; cwd: string; clearInvalidConfig: boolean; configFileMode: number }) {
    super({
      configName: options.name,
      cwd: options.cwd,
      clearInvalidConfig: options.clearInvalidConfig,
      configFileMode: options.configFileMode,
      projectName: 'case-status-sync',
    });
  }
} as unknown as SettingsFileConstructor;
