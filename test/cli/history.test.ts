import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openStateStore } from '../../src/store/index.js';
import { printHistory } from '../../src/cli/history.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * `cli history MATTER --data DIR` on a real state file: found, ambiguous, not found; control characters stripped.
 * One run goes through the real command line; the others call the command in-process (a child process costs
 * seconds of TypeScript loading on a busy machine).
 */
const dir = tempDir();

beforeAll(() => {
  let t = Date.parse('2026-11-02T09:00:00Z');
  const store = openStateStore(join(dir.dir, 'sync.sqlite'), () => new Date((t += 60_000)));
  const link = (id: string, number: string, title: string) =>
    store.links.saveMatter({
      matterId: id,
      caseId: `case-${id}`,
      caseUrl: `https://cs.example/cases/${id}`,
      matterNumber: number,
      matterTitle: title,
      matterVersion: '1',
      status: 'Open',
      stageId: null,
      stageName: 'Discovery',
      stageUpdated: null,
      clientIds: [],
      fingerprint: 'f',
      caseInput: {},
    });
  link('m-1', '2026-0042', 'Smith \u001b[31mPI\u001b[0m');
  link('m-2', '2026-0043', 'Brown estate');
  link('m-3', '2026-00431', 'Brown lease');
  store.history.setClientNames('m-1', ['Pat Client']);
  store.history.record({ matterId: 'm-1', kind: 'case_created', cause: 'initial', runId: 1, source: '100', details: { to: 'Intake' } });
  store.history.record({
    matterId: 'm-1',
    kind: 'stage_sent',
    cause: 'realtime',
    runId: 7,
    source: '638000000000000042',
    details: { from: 'Intake', to: 'Discovery' },
  });
  store.history.record({ matterId: 'm-1', kind: 'memo_written', cause: 'writeback', details: { messages: 2, memoId: 'memo-9' } });
  store.history.record({ matterId: 'm-1', kind: 'document_uploaded', cause: 'writeback', details: { fileName: 'Scan.pdf', sizeBytes: 2048 } });
  store.close();
});
afterAll(() => dir.cleanup());

/** Runs the command in this process and returns its exit code and what it wrote. */
function history(query: string): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { status: printHistory(dir.dir, query), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

it('the command line prints the timeline of the matter a client name finds, newest first, with causes and links', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'history', 'pat client', '--data', dir.dir], { encoding: 'utf8' });
  expect(res.status, res.stderr).toBe(0);
  const out = res.stdout;
  // The escape characters go; what is left of the sequence is plain text.
  expect(out).toContain('Matter 2026-0042: Smith [31mPI[0m');
  expect(out).not.toContain('\u001b');
  expect(out).toContain('Clients: Pat Client');
  expect(out).toContain('Smokeball matter id: m-1');
  expect(out).toContain('Case Status case: https://cs.example/cases/m-1');
  const lines = out.split('\n').filter((l) => /^\s+2026-11-02 /.test(l));
  expect(lines).toHaveLength(4);
  expect(lines[0]).toMatch(/ {2}Document uploaded: Scan\.pdf \(2\.0 KB\) {2}\(write-back\)$/);
  expect(lines[1]).toMatch(/ {2}Memo written: 2 messages to memo memo-9 {2}\(write-back\)$/);
  expect(lines[2]).toMatch(/ {2}Stage sent: Intake → Discovery {2}\(real time, run #7, Smokeball change 638000000000000042\)$/);
  expect(lines[3]).toMatch(/ {2}Case created at stage Intake {2}\(initial import, run #1, Smokeball change 100\)$/);
});

it('lists several matches with what matched and picks an exact matter number', () => {
  const several = history('brown');
  expect(several.status).toBe(1);
  expect(several.stderr).toMatch(/2 matters match "brown"; give the matter number/);
  expect(several.stderr).toMatch(/2026-0043 {2}Brown estate {2}\[matched on title\]/);
  expect(several.stderr).toMatch(/2026-00431 {2}Brown lease {2}\[matched on title\]/);

  const exact = history('2026-0043');
  expect(exact.status, exact.stderr).toBe(0);
  expect(exact.stdout).toMatch(/^Showing the exact match; also matched:\n {2}2026-00431 {2}Brown lease {2}\[matched on matter number\]/);
  expect(exact.stdout).toContain('Matter 2026-0043: Brown estate');
  expect(exact.stdout).toContain('nothing recorded yet');
});

it('says clearly when nothing matches, and when there is no state', () => {
  const none = history('Nobody');
  expect(none.status).toBe(1);
  expect(none.stderr).toContain('No synced matter matches "Nobody" (searched matter numbers, titles and client names).');
  let stderr = '';
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    expect(printHistory(join(dir.dir, 'nothing-here'), '2026-0042')).toBe(1);
  } finally {
    err.mockRestore();
  }
  expect(stderr).toContain('nothing has synced, so there is no history');
});
