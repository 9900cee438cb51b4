import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

/**
 * The bounded fault soak CI runs: the same script as `npm run soak` (two installs of the firm as real app processes,
 * each with its secrets in its own real keychain and its state on its own tmpfs that fills up, relay, both
 * simulators), on a smaller firm, a shorter day, a 10 s lease TTL and one of the host kills handed over (the one in
 * the middle of a write-back), so it stays within its time. It fails on any
 * broken invariant, and also when a fault it claims to inject was not actually injected.
 */
const repoRoot = join(import.meta.dirname, '..', '..');

interface Report {
  ok: boolean;
  faults: Record<string, number>;
  visible: Array<{ fault: string; shown: string }>;
  invariants: Array<{ name: string; ok: boolean; detail: string }>;
  actions: Record<string, number>;
  installs: string[];
  handOvers: Array<{ killed: string; newHost: string | null }>;
  smokeballRequestsByInstall: Record<string, { asHost: number; signIn: number; asStandby: number }>;
}

describe('fault soak (bounded)', () => {
  it(
    'survives a scripted day of faults with every invariant holding',
    () => {
      const dir = tempDir('css-soak-test-');
      const reportFile = join(dir.dir, 'report.json');
      try {
        const run = spawnSync(
          'bash',
          [
            'scripts/soak.sh',
            '--matters',
            '120',
            '--live-seconds',
            '75',
            '--import-kills',
            '1',
            '--lease-ttl-seconds',
            '10',
            '--hand-overs',
            '1',
            '--report',
            reportFile,
          ],
          {
            cwd: repoRoot,
            encoding: 'utf8',
            timeout: 14 * 60_000,
          },
        );
        const output = `${run.stdout}\n${run.stderr}`;
        expect(run.status, `soak exit ${run.status}:\n${output.slice(-6000)}`).toBe(0);
        const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
        for (const inv of report.invariants) expect(inv.ok, `${inv.name}: ${inv.detail}`).toBe(true);
        expect(report.invariants.map((i) => i.name)).toEqual(
          expect.arrayContaining([
            'every eligible matter is exactly one case with the right stage',
            'no stage ever sent backwards',
            'every message in exactly one memo entry',
            'every document exactly once and byte-identical',
            'no request above the rate limit (outside the 429 storms)',
            'only the sync host sent to Smokeball (a standby only signed in)',
            'every kill of the sync host handed over to the standby',
            'the standby shows which PC syncs',
            'every failure visible as an item needing attention',
            'no secret in SQLite, settings, logs or crash output',
          ]),
        );
        // Every fault the script claims was really injected.
        const f = report.faults;
        expect(f.appKills).toBeGreaterThanOrEqual(3);
        // Two installs, and the host killed (mid write-back where one was in sight) with a hand-over each time.
        expect(report.installs).toHaveLength(2);
        expect(f.hostKills).toBeGreaterThanOrEqual(1);
        expect(report.handOvers.length).toBeGreaterThanOrEqual(1);
        for (const h of report.handOvers) expect(h.newHost, `hand-over after killing ${h.killed}`).not.toBe(h.killed);
        expect(Object.values(report.smokeballRequestsByInstall).filter((c) => c.asHost > 0).length, 'both installs hosted at some point').toBe(2);
        expect(f.relayRestarts).toBe(1);
        expect(f.throttledInStorms).toBeGreaterThan(0);
        expect(f.refreshTokensExpired).toBe(1);
        expect(f.grantsRevoked).toBe(1);
        expect(f.reSignIns).toBe(2);
        expect(f.diskFullEpisodes).toBe(1);
        expect(f.smokeballServerErrors).toBeGreaterThan(0);
        expect(f.smokeballResets).toBeGreaterThan(0);
        expect(f.webhookDuplicates).toBeGreaterThan(0);
        expect(f.webhookDropped).toBeGreaterThan(0);
        expect(report.visible.map((v) => v.fault).sort()).toEqual(['disk full', 'grant revoked', 'refresh token expired']);
        expect(report.actions.messages).toBeGreaterThan(10);
        expect(report.actions.documents).toBeGreaterThan(3);
        expect(report.actions.stageChanges).toBeGreaterThan(20);
      } finally {
        dir.cleanup();
      }
    },
    15 * 60_000,
  );
});
