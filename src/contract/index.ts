export * from './settings.js';
export * from './view.js';
export * from './commands.js';
export * from './setup.js';
export * from './preview.js';
export * from './history.js';
