import Conf from 'conf';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../contract/settings.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../shared/private-files.js';
import { silentLogger, type Logger } from '../sync/index.js';
import type { SettingsStore } from './ports.js';

/**
 * Reads stored settings through the schema: missing fields get their defaults, and a file edited into something
 * invalid falls back to the defaults for the bad parts instead of stopping the app.
 */
export function readSettings(raw: unknown, logger: Logger = silentLogger): Settings {
  const parsed = SettingsSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  logger.warn('Stored settings were invalid; using defaults for the invalid parts', {
    problems: parsed.error.issues.map((i) => i.path.join('.')).slice(0, 10),
  });
  const obj = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const repaired: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof Settings>) {
    const field = SettingsSchema.shape[key].safeParse(obj[key]);
    repaired[key] = field.success ? field.data : DEFAULT_SETTINGS[key];
  }
  return SettingsSchema.parse(repaired);
}

/** Settings in a JSON file under the data folder (`conf`): the headless host and the CLI. */
export class ConfSettingsStore implements SettingsStore {
  private readonly conf: Conf<{ settings: unknown }>;

  constructor(
    dir: string,
    private readonly logger: Logger = silentLogger,
  ) {
    // The data folder and settings.json are the user's alone (0700/0600).
    ensurePrivateDir(dir);
    this.conf = new Conf<{ settings: unknown }>({ cwd: dir, configName: 'settings', projectName: 'case-status-sync', configFileMode: PRIVATE_FILE_MODE });
  }

  get(): Settings {
    return readSettings(this.conf.get('settings'), this.logger);
  }

  set(next: Settings): void {
    this.conf.set('settings', SettingsSchema.parse(next));
  }
}

export class MemorySettingsStore implements SettingsStore {
  constructor(private value: Settings = DEFAULT_SETTINGS) {}
  get(): Settings {
    return this.value;
  }
  set(next: Settings): void {
    this.value = SettingsSchema.parse(next);
  }
}
