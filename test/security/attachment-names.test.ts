/**
 * Issue 14, row 6: document names from Case Status. Executable, script, installer and shortcut extensions are
 * neutralised with ".txt" (and staff are told), invisible format characters are stripped. One function decides:
 * safeAttachmentName.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { safeAttachmentName } from '../../src/sync/writeback/file-names.js';
import { setupWorld, type Harness } from '../sync/writeback/helpers.js';

describe('safeAttachmentName (security)', () => {
  it.each([
    ['invoice.pdf.exe', 'invoice.pdf.exe.txt', '.exe'],
    ['Statement.LNK', 'Statement.LNK.txt', '.LNK'],
    ['portal.url', 'portal.url.txt', '.url'],
    ['update.hta', 'update.hta.txt', '.hta'],
    ['photo.scr', 'photo.scr.txt', '.scr'],
    ['run.ps1', 'run.ps1.txt', '.ps1'],
    ['disk.iso', 'disk.iso.txt', '.iso'],
    // hidden behind trailing dots/spaces, an NTFS stream name, or a zero-width space inside the extension
    ['invoice.exe. . ', 'invoice.exe.txt', '.exe'],
    ['notes.txt:evil.exe', 'notes.txt_evil.exe.txt', '.exe'],
    ['invoice.e\u200bxe', 'invoice.exe.txt', '.exe'],
  ])('%j is stored as %j', (raw, name, neutralised) => {
    expect(safeAttachmentName(raw)).toEqual({ name, neutralised });
  });

  it.each([
    ['invoice.pdf', 'invoice.pdf'],
    ['Contract v2.docx', 'Contract v2.docx'],
    ['exe.pdf', 'exe.pdf'],
    ['in\u200bvoice\u200d.pdf', 'invoice.pdf'],
    ['\ufeffreport\u2060.pdf', 'report.pdf'],
    ['scan\u00ad.pdf', 'scan.pdf'],
  ])('%j (no risky extension) is stored as %j with invisible characters stripped', (raw, name) => {
    expect(safeAttachmentName(raw)).toEqual({ name, neutralised: null });
  });

  it('a neutralised name still fits the length limits', () => {
    const { name, neutralised } = safeAttachmentName(`${'a'.repeat(300)}.exe`);
    expect(neutralised).toBe('.exe');
    expect(name.endsWith('.exe.txt')).toBe(true);
    expect(name.length).toBeLessThanOrEqual(200);
  });
});

describe('documents from Case Status with risky names (security)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('invoice.pdf.exe lands in Smokeball as invoice.pdf.exe.txt, bytes unchanged, with an item telling staff why', async () => {
    h = await setupWorld(20);
    const { world, stack } = h;
    await stack.engine.initialImport();
    const job = h.job();
    await job.run();
    const matterId = world.caseStatus.control.messages()[0]!.caseExternalId;
    const added = world.caseStatus.control.addDocument({
      matterId,
      fileName: 'invoice.pdf.exe',
      sharedByName: 'Pat Client',
      sharedByRole: 'client',
      content: 'MZ not really a program',
    });
    const run = await job.run();
    expect(run).toMatchObject({ documentsUploaded: 1, failed: 0 });
    await world.smokeball.control.whenIdle();
    const file = world.smokeball.control.files(matterId).find((f) => f.sizeBytes === Buffer.byteLength('MZ not really a program'))!;
    expect(file.name + file.fileExtension).toBe('invoice.pdf.exe.txt');
    const item = stack.store.attention.open('unsafe_content').find((i) => i.subjectId === `document:${added.id}`);
    expect(item?.reason).toMatch(/invoice\.pdf\.exe.*invoice\.pdf\.exe\.txt.*\.exe/);
  });
});
