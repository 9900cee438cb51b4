import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The simulators are real HTTP servers with latency; give integration tests room on a noisy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Builds the window (vite) once per run for the Chromium tests against the headless host.
    globalSetup: ['test/ui/global-setup.ts'],
  },
});
