/**
 * File names from Case Status ("as uploaded": path separators, reserved device names, quotes, Unicode, very
 * long) made safe for the firm's Windows and macOS machines, where Smokeball syncs documents to disk.
 */

/** Longest name we write, in UTF-16 units and in UTF-8 bytes (macOS counts bytes, 255 at most). */
export const MAX_NAME_CHARS = 200;
export const MAX_NAME_BYTES = 240;
/** A "extension" longer than this is part of the name (e.g. "notes.from the meeting with counsel"). */
const MAX_EXTENSION_CHARS = 16;

/**
 * Extensions Windows or macOS run, open as a shortcut, install or mount on a double click. A client's
 * "invoice.pdf.exe" must not land in the matter as something a fee earner can launch by opening it.
 */
export const RISKY_EXTENSIONS: ReadonlySet<string> = new Set([
  // Windows programs, scripts and installers
  'exe',
  'com',
  'scr',
  'pif',
  'bat',
  'cmd',
  'msi',
  'msp',
  'mst',
  'msc',
  'cpl',
  'hta',
  'jar',
  'js',
  'jse',
  'vb',
  'vbs',
  'vbe',
  'wsf',
  'wsh',
  'ws',
  'wsc',
  'sct',
  'ps1',
  'ps1xml',
  'ps2',
  'psc1',
  'psd1',
  'psm1',
  'reg',
  'inf',
  'dll',
  'sys',
  'drv',
  'ocx',
  'application',
  'appref-ms',
  'appx',
  'appxbundle',
  'msix',
  'msixbundle',
  'gadget',
  'chm',
  'hlp',
  'xll',
  'diagcab',
  'cab',
  // shortcuts and shell links
  'lnk',
  'url',
  'website',
  'scf',
  'settingcontent-ms',
  'library-ms',
  'search-ms',
  'searchconnector-ms',
  'desktop',
  // disk images (they mount and bypass download warnings)
  'iso',
  'img',
  'vhd',
  'vhdx',
  // macOS and Unix
  'app',
  'command',
  'tool',
  'pkg',
  'mpkg',
  'dmg',
  'sh',
  'csh',
  'ksh',
  'run',
  'bin',
  'appimage',
  'apk',
]);
/** Appended to a risky name: the file opens as text, its bytes untouched. */
export const NEUTRAL_EXTENSION = '.txt';

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Cuts a string to fit both limits without splitting a surrogate pair. */
function truncate(s: string, maxChars: number, maxBytes: number): string {
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > maxChars || utf8Bytes(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}

function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { stem: name, ext: '' };
  const ext = name.slice(dot);
  if (ext.length > MAX_EXTENSION_CHARS || /\s/.test(ext)) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext };
}

/** Characters Windows refuses (and `/`, which macOS refuses), control characters, and bidi overrides. */
function replaceUnsafe(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes or checks for
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
      // Invisible format characters (zero-width space and joiners, bidi marks and overrides, BOM, soft hyphen …)
      // and the blank Hangul fillers: they make two names look alike, or hide an extension.
      .replace(/[\p{Cf}\u115f\u1160\u3164\uffa0]/gu, '')
      .replace(/\u034f/g, '') // the combining grapheme joiner, also invisible
      .replace(/[<>:"/\\|?*]/g, '_')
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '_')
  );
}

function tidyStem(stem: string, hasExtension: boolean): string {
  // No leading dots (hidden on macOS) or spaces; no trailing spaces before the extension; and without an
  // extension, no trailing dots either (Windows drops them, so the name would change on disk).
  const s = stem.replace(/^[\s.]+/, '');
  return hasExtension ? s.replace(/\s+$/, '') : s.replace(/[\s.]+$/, '');
}

export interface SafeAttachmentName {
  /** The name to write in Smokeball. */
  name: string;
  /** The risky extension (".exe") when the name was neutralised by NEUTRAL_EXTENSION; null otherwise. */
  neutralised: string | null;
}

/**
 * The one rule for a document's name in Smokeball: safeFileName's cleaning, then a name whose extension is
 * risky (executable, script, installer, shortcut, disk image; any case, after invisible characters and
 * trailing dots are gone) gets ".txt" appended, so "invoice.pdf.exe" is stored as "invoice.pdf.exe.txt".
 */
export function safeAttachmentName(raw: string): SafeAttachmentName {
  const name = safeFileName(raw);
  const { stem, ext } = splitExtension(name);
  if (ext === '' || !RISKY_EXTENSIONS.has(ext.slice(1).toLowerCase())) return { name, neutralised: null };
  return { name: fit(stem, NEUTRAL_EXTENSION, ext), neutralised: ext };
}

/**
 * A safe name: NFC, no reserved characters, no reserved device names (CON, aux.txt, LPT1.pdf — Windows
 * reserves them with any extension), no leading dots or trailing dots/spaces, at most 200 characters and
 * 240 UTF-8 bytes with the extension kept, and "document" when nothing usable is left.
 */
export function safeFileName(raw: string): string {
  const name = replaceUnsafe(raw.normalize('NFC')).trim();
  let { stem, ext } = splitExtension(name);
  ext = ext.replace(/[\s.]+$/, '');
  if (ext === '.') ext = '';
  stem = tidyStem(stem, ext !== '');
  if (stem === '') stem = 'document';
  // Windows looks at the part before the first dot: "CON.tar.gz" is as reserved as "CON".
  const firstPart = stem.split('.')[0] ?? stem;
  if (WINDOWS_RESERVED.test(firstPart.trim())) stem = `${firstPart.trim()}_${stem.slice(firstPart.length)}`;
  return fit(stem, ext);
}

/** stem + suffix + ext within the limits, shortening the stem only. */
function fit(stem: string, ext: string, suffix = ''): string {
  const room = { chars: MAX_NAME_CHARS - ext.length - suffix.length, bytes: MAX_NAME_BYTES - utf8Bytes(ext) - utf8Bytes(suffix) };
  const cut = tidyStem(truncate(stem, room.chars, room.bytes), ext !== '') || 'document';
  return `${cut}${suffix}${ext}`;
}

/** The key names are compared by: Windows and macOS folders ignore case (and macOS ignores normalisation). */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * The first free name for `safe` among `taken` keys: the name itself, else "name (2).ext", "name (3).ext"…
 * Documents claim names in the order they were shared, so the same history always gives the same names.
 */
export function uniqueName(safe: string, taken: ReadonlySet<string>): string {
  if (!taken.has(nameKey(safe))) return safe;
  const { stem, ext } = splitExtension(safe);
  for (let n = 2; ; n++) {
    const candidate = fit(stem, ext, ` (${n})`);
    if (!taken.has(nameKey(candidate))) return candidate;
  }
}
