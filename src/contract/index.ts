export * from './settings.js';
export * from './view.js';
export * from './commands.js';
