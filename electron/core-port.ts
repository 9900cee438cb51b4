import type { AppCore } from '../src/app/app-core.js';

/**
 * What the Electron shell needs from the app core. The shell holds no sync logic: it forwards commands, draws
 * views and reports power events. Tests pass a fake with this shape.
 */
export type DesktopCore = Pick<AppCore, 'invoke' | 'onView' | 'onNotify' | 'view' | 'wake' | 'start' | 'stop'>;
