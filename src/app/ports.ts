import type { Settings } from '../contract/settings.js';

/** Where settings live: electron-store in the tray app, `conf` under plain Node. Both validate with SettingsSchema. */
export interface SettingsStore {
  get(): Settings;
  set(next: Settings): void;
}

/** A native notification (the tray app shows it; the headless host only logs it). */
export interface AppNotification {
  title: string;
  body: string;
  kind: 'attention' | 'sync_finished' | 'sync_failed' | 'sign_in_needed' | 'writeback_summary';
}

/** Clock and timers, injected so the scheduler can be tested with a fake clock (the same type `src/sync` takes). */
export { systemClock, type Clock } from '../shared/clock.js';
