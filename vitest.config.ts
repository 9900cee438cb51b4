import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Four tiers, one Vitest project each (`npm run test:unit`, `test:integration`, `test:ui`, `test:soak`);
 * `npm test` runs all of them, as CI does.
 * - unit: no servers, no child processes, no browser (pure functions, fake clock, real SQLite files);
 * - integration: real HTTP servers on 127.0.0.1 (simulators, relay), child processes, keychain, PostgreSQL;
 * - ui: the window in Debian's Chromium against the headless host;
 * - soak: the bounded fault soak (real app process, tmpfs, minutes).
 * Integration is "everything else", so a new test file always lands in some tier.
 */
const UNIT = [
  'test/app/attention-actions.test.ts',
  'test/app/file-log.test.ts',
  'test/app/notifier.test.ts',
  'test/cli/sync-outcome.test.ts',
  'test/contract/**/*.test.ts',
  'test/app/run-coordinator.test.ts',
  'test/app/scheduler.test.ts',
  'test/app/settings-store.test.ts',
  'test/app/setup-state.test.ts',
  'test/app/sign-in-lapse.test.ts',
  'test/app/storage-problem.test.ts',
  'test/app/tray-state.test.ts',
  'test/app/view-model.test.ts',
  'test/electron/**/*.test.ts',
  'test/lint/**/*.test.ts',
  'test/packaging/**/*.test.ts',
  'test/relay/firm-slots.test.ts',
  'test/reliability/host-sends.test.ts',
  'test/sim/seed/**/*.test.ts',
  'test/shared/budget/**/*.test.ts',
  'test/sim/smokeball/rtf.test.ts',
  'test/sync/coordination/unleased-read.test.ts',
  'test/sync/mapping.test.ts',
  'test/sync/network/proxy-choice.test.ts',
  'test/sync/pacing.test.ts',
  'test/sync/preview-rules.test.ts',
  'test/sync/rate-lease.test.ts',
  'test/sync/realtime/router.test.ts',
  'test/sync/writeback/clock.test.ts',
  'test/sync/writeback/file-names.test.ts',
  'test/sync/writeback/memo-text.test.ts',
  'test/sync/writeback/storage-error.test.ts',
  'test/sync/writeback/store.test.ts',
  'test/store/history.test.ts',
  'test/ui/format.test.ts',
];
const UI = ['test/ui/window.test.ts', 'test/ui/setup-walk.test.ts', 'test/security/renderer-hardening.test.ts'];
const SOAK = ['test/reliability/soak.test.ts'];

export default defineConfig({
  test: {
    // The simulators are real HTTP servers with latency; give integration tests room on a noisy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: on CI's 2 cores, one file at a time, while most
    // integration files spend their time waiting on simulated latency, pacing and long polls. At least two
    // files at a time; the soak (below) still runs alone, after everything else.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...UNIT, ...UI, ...SOAK] } },
      // Builds the window (vite) once per run for the Chromium tests against the headless host.
      { extends: true, test: { name: 'ui', include: UI, globalSetup: ['test/ui/global-setup.ts'] } },
      // One worker: Vitest runs a project like this on its own after the others, so the soak's timing and rate
      // checks never share the machine with another test file.
      { extends: true, test: { name: 'soak', include: SOAK, maxWorkers: 1 } },
    ],
  },
});
