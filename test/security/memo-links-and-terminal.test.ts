/**
 * Issue 14, rows 8 and 9: a case URL from the Case Status API is written into memos only if it is https:
 * (file:, javascript: and the like are left out with an item), and names printed to a terminal lose their
 * control characters (`relay firm list` with a firm named with ANSI escapes).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/relay/index.js';
import { terminalSafe } from '../../src/shared/terminal-text.js';
import { checkCaseLink } from '../../src/sync/writeback/safe-url.js';
import { tempDir } from '../helpers/tmp.js';
import { setupWorld, type Harness } from '../sync/writeback/helpers.js';

function relayCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/relay/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('latin1')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('case links written into memos (security)', () => {
  it('checkCaseLink keeps https: and refuses file:, javascript:, UNC-like and credentialed links', () => {
    expect(checkCaseLink('https://app.casestatus.com/cases/42')).toEqual({ ok: true, url: 'https://app.casestatus.com/cases/42' });
    for (const bad of [
      'file:///C:/Windows/System32/calc.exe',
      'javascript:alert(1)',
      'http://example.com/cases/1',
      'https://user:pw@example.com/',
      '\\\\server\\share\\x.exe',
      'ms-msdt:/id PCWDiagnostic',
    ]) {
      expect(checkCaseLink(bad).ok, bad).toBe(false);
    }
  });

  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a file:// case URL is not written into the memo as a HYPERLINK; the memo is written and an item says why', async () => {
    h = await setupWorld(20);
    const { world, stack } = h;
    await stack.engine.initialImport();
    const job = h.job();
    await job.run();
    const existing = world.caseStatus.control.messages()[0]!;
    const matterId = existing.caseExternalId;
    stack.store.db.prepare('UPDATE matter_links SET case_url = ? WHERE matter_id = ?').run('file:///C:/Windows/System32/calc.exe', matterId);
    world.caseStatus.control.addMessage({
      matterId,
      threadId: 'new-thread-with-bad-link',
      senderName: 'Pat Client',
      senderRole: 'client',
      body: 'Please see the invoice',
      createdAt: new Date().toISOString(),
    });
    const run = await job.run();
    expect(run).toMatchObject({ memosCreated: 1, failed: 0 });
    await world.smokeball.control.whenIdle();
    const memo = world.smokeball.control.memos(matterId).find((m) => m.plainText.includes('Please see the invoice'))!;
    expect(memo).toBeDefined();
    expect(memo.text).not.toMatch(/file:|calc\.exe/i);
    expect(memo.plainText).not.toMatch(/file:|calc\.exe/i);
    const item = stack.store.attention.open('unsafe_content').find((i) => i.subjectId === `case-link:${matterId}`);
    expect(item?.reason).toMatch(/file: address, not https:/);
  });
});

describe('terminal output of names (security)', () => {
  const hostile = '\u001b]0;pwned\u0007\u001b[2J\u001b[31mEvil Firm\u009b0m\u202e';

  it('terminalSafe strips C0/C1 controls, DEL and bidi overrides but keeps text, tabs and new lines', () => {
    expect(terminalSafe(hostile)).toBe(']0;pwned[2J[31mEvil Firm0m');
    expect(terminalSafe('a\tb\nc\u007f')).toBe('a\tb\nc');
  });

  it('relay firm list prints a firm named with ANSI escapes without any control character; firm create refuses such a name', async () => {
    const tmp = tempDir('css-relay-names-');
    try {
      const storageUrl = `sqlite:${join(tmp.dir, 'relay.sqlite')}`;
      // A firm stored before names were checked (or written straight into the database).
      const storage = await openStorage(storageUrl);
      await storage.createFirm({ id: 'firm-ansi', name: hostile, tokenHash: 'h'.repeat(64), smokeballKey: 'k', caseStatusSecret: 's', createdAt: new Date() });
      await storage.close();
      const list = await relayCli(['firm', 'list', '--storage', storageUrl]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain('Evil Firm');
      // eslint-disable-next-line no-control-regex -- checking that none is printed
      expect(list.stdout.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      const created = await relayCli(['firm', 'create', '--storage', storageUrl, '--name', hostile]);
      expect(created.code).toBe(1);
      expect(created.stderr).toMatch(/control characters/);
    } finally {
      tmp.cleanup();
    }
  }, 60_000);
});
