import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStateStore } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = tempDir();
afterEach(() => dir.cleanup());

it('`activity` prints recent memos and documents with matter and link, and write-back items needing attention', () => {
  const store = openStateStore(join(dir.dir, 'sync.sqlite'));
  store.links.saveMatter({
    matterId: 'm-1',
    caseId: 'c-1',
    caseUrl: 'https://cs.example/cases/c-1',
    matterNumber: '2024-0042',
    matterTitle: 'Smith - PI',
    matterVersion: '1',
    status: 'Open',
    stageId: null,
    stageName: null,
    stageUpdated: null,
    clientIds: [],
    fingerprint: 'f',
    caseInput: {},
  });
  store.activity.add({
    kind: 'memo',
    matterId: 'm-1',
    summary: '2024-0042: 2 messages from Pat Client added to the memo',
    link: 'https://cs.example/cases/c-1',
  });
  store.activity.add({
    kind: 'document',
    matterId: 'm-1',
    summary: '2024-0042: “Scan.pdf” (1.0 KB) uploaded to the CaseStatus folder',
    link: 'https://cs.example/cases/c-1',
  });
  store.activity.add({ kind: 'stage', matterId: 'm-1', summary: 'not write-back', link: null });
  store.attention.raise('document_failed', 'doc-9', '“Huge.mov” was not uploaded: it is 3.0 GB, over the 2.0 GB limit');
  store.attention.raise('unmapped_stage', 's-1', 'not write-back');
  store.close();

  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'activity', '--data', dir.dir], { encoding: 'utf8' });
  expect(res.status, res.stderr).toBe(0);
  expect(res.stdout).toMatch(/Recent memos and documents \(2\):/);
  expect(res.stdout).toMatch(/document\s+2024-0042\s+2024-0042: “Scan\.pdf”/);
  expect(res.stdout).toMatch(/memo\s+2024-0042\s+2024-0042: 2 messages/);
  expect(res.stdout).toContain('https://cs.example/cases/c-1');
  expect(res.stdout).not.toContain('not write-back');
  expect(res.stdout).toMatch(/Needs attention \(1\):\n\s+#\d+ \[document_failed\] doc-9: “Huge\.mov” was not uploaded/);
});

it('`activity` on a folder with no state says so', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'activity', '--data', join(dir.dir, 'nothing')], { encoding: 'utf8' });
  expect(res.status).toBe(0);
  expect(res.stdout).toContain('nothing has synced');
});
