import { describe, expect, it } from 'vitest';
import { AWKWARD_FILE_NAMES } from '../../../src/sim/seed/generate.js';
import { MAX_NAME_BYTES, MAX_NAME_CHARS, nameKey, safeFileName, uniqueName } from '../../../src/sync/writeback/file-names.js';

describe('safe file names', () => {
  it('renames Windows reserved device names, with or without an extension', () => {
    expect(safeFileName('CON')).toBe('CON_');
    expect(safeFileName('aux.txt')).toBe('aux_.txt');
    expect(safeFileName('LPT1.pdf')).toBe('LPT1_.pdf');
    expect(safeFileName('nul.tar.gz')).toBe('nul_.tar.gz');
    expect(safeFileName('COM9')).toBe('COM9_');
    expect(safeFileName('CONSOLE.pdf')).toBe('CONSOLE.pdf');
  });

  it('replaces path separators and characters Windows refuses, drops control characters', () => {
    expect(safeFileName('a/b\\c.pdf')).toBe('a_b_c.pdf');
    expect(safeFileName('report:final?.docx')).toBe('report_final_.docx');
    expect(safeFileName('file*with|pipes<and>quotes".pdf')).toBe('file_with_pipes_and_quotes_.pdf');
    expect(safeFileName('bell\u0007\u0000name\u202e.pdf')).toBe('bellname.pdf');
  });

  it('drops trailing dots and spaces, leading dots and spaces', () => {
    expect(safeFileName('trailing dot.')).toBe('trailing dot');
    expect(safeFileName('  spaces  .pdf')).toBe('spaces.pdf');
    expect(safeFileName('.hidden')).toBe('hidden');
    expect(safeFileName('name. . .')).toBe('name');
    expect(safeFileName('double..dots..pdf')).toBe('double..dots..pdf');
  });

  it('normalises Unicode to NFC and keeps other scripts and emoji', () => {
    expect(safeFileName('re\u0301sume\u0301 (1).pdf')).toBe('r\u00e9sum\u00e9 (1).pdf');
    expect(safeFileName('名前.xlsx')).toBe('名前.xlsx');
    expect(safeFileName('emoji 📎 attachment.png')).toBe('emoji 📎 attachment.png');
  });

  it('limits length in characters and UTF-8 bytes, keeping the extension', () => {
    const long = safeFileName(`${'Very Long Deposition Transcript Name '.repeat(8)}.pdf`);
    expect(long.length).toBeLessThanOrEqual(MAX_NAME_CHARS);
    expect(long.endsWith('.pdf')).toBe(true);
    expect(long).not.toMatch(/\s\.pdf$/);
    const cjk = safeFileName(`${'名'.repeat(150)}.pdf`);
    expect(Buffer.byteLength(cjk)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(cjk.endsWith('.pdf')).toBe(true);
    const emoji = safeFileName(`${'📎'.repeat(150)}.png`);
    expect(emoji).not.toMatch(/[\ud800-\udbff]\.png$/); // no half surrogate pair
  });

  it('falls back to "document" when nothing usable is left', () => {
    expect(safeFileName('')).toBe('document');
    expect(safeFileName('...')).toBe('document');
    expect(safeFileName('  ')).toBe('document');
    expect(safeFileName('.pdf')).toBe('pdf');
  });

  it('gives every awkward seeded name a safe result', () => {
    for (const raw of AWKWARD_FILE_NAMES) {
      const safe = safeFileName(raw);
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes or checks for
      expect(safe, raw).not.toMatch(/[<>:"/\\|?*\u0000-\u001f]|[. ]$|^[. ]/);
      expect(safe.length).toBeLessThanOrEqual(MAX_NAME_CHARS);
      expect(safe).toBe(safe.normalize('NFC'));
      expect(safeFileName(safe)).toBe(safe); // idempotent
    }
  });
});

describe('collisions', () => {
  it('numbers later documents predictably, ignoring case', () => {
    const taken = new Set<string>();
    const names = ['Report.pdf', 'report.PDF', 'Report.pdf', 'Report (2).pdf', 'CON', 'con'].map((raw) => {
      const n = uniqueName(safeFileName(raw), taken);
      taken.add(nameKey(n));
      return n;
    });
    expect(names).toEqual(['Report.pdf', 'report (2).PDF', 'Report (3).pdf', 'Report (2) (2).pdf', 'CON_', 'con_ (2)']);
  });

  it('keeps numbered names within the length limit', () => {
    const base = safeFileName(`${'x'.repeat(300)}.pdf`);
    const taken = new Set([nameKey(base)]);
    const second = uniqueName(base, taken);
    expect(second.endsWith(' (2).pdf')).toBe(true);
    expect(second.length).toBeLessThanOrEqual(MAX_NAME_CHARS);
  });
});
