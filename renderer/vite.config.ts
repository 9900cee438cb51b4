import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const rendererRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * The window's build. `base: './'` makes every asset path relative, so the same build loads from file:// in Electron
 * and from the headless host's http://127.0.0.1 origin. No inline scripts or styles are emitted (the CSP forbids them).
 */
export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // The module-preload polyfill is an inline script; every browser we target supports modulepreload natively.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  logLevel: 'warn',
});
