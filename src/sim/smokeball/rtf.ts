/**
 * A small RTF converter for memos. Smokeball accepts memo text as plain text or RTF, stores RTF, and
 * returns both `text` (RTF) and `plainText`. Only what memo text needs is handled: escaping, paragraphs,
 * tabs, Unicode (\uN) and code-page escapes (\'hh); formatting is dropped when converting to plain text.
 */

const HEADER = '{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1{\\fonttbl{\\f0\\fnil Segoe UI;}}\\f0\\fs18 ';

export function isRtf(text: string): boolean {
  return /^\s*\{\\rtf/.test(text);
}

/** Plain text → RTF. `\r\n`, `\r` and `\n` become `\par`, so line ends come back as `\n`. */
export function plainToRtf(text: string): string {
  let out = HEADER;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = text.charCodeAt(i);
    if (ch === '\\' || ch === '{' || ch === '}') out += '\\' + ch;
    else if (ch === '\r') {
      if (text[i + 1] === '\n') i++;
      out += '\\par\n';
    } else if (ch === '\n') out += '\\par\n';
    else if (ch === '\t') out += '\\tab ';
    else if (code < 0x20 || code > 0x7e) {
      // UTF-16 code units as signed 16-bit, each followed by a one-character fallback (\uc1).
      out += `\\u${code > 0x7fff ? code - 0x10000 : code}?`;
    } else out += ch;
  }
  return out + '}';
}

// Destinations whose content is not document text.
const SKIP_DESTINATIONS = new Set([
  'fonttbl',
  'colortbl',
  'stylesheet',
  'info',
  'pict',
  'header',
  'footer',
  'headerl',
  'headerr',
  'headerf',
  'footerl',
  'footerr',
  'footerf',
  'listtable',
  'listoverridetable',
  'revtbl',
  'rsidtbl',
  'generator',
  'xmlnstbl',
  'themedata',
  'colorschememapping',
  'latentstyles',
  'datastore',
  'object',
  'field_inst',
  'fldinst',
  'filetbl',
  'mmathPr',
  'pgdsctbl',
  'author',
  'operator',
  'title',
  'subject',
  'keywords',
  'comment',
  'doccomm',
]);

const WORD_TEXT: Record<string, string> = {
  par: '\n',
  line: '\n',
  sect: '\n',
  page: '\n',
  row: '\n',
  tab: '\t',
  cell: '\t',
  emdash: '\u2014',
  endash: '\u2013',
  emspace: '\u2003',
  enspace: '\u2002',
  qmspace: '\u2005',
  bullet: '\u2022',
  lquote: '\u2018',
  rquote: '\u2019',
  ldblquote: '\u201c',
  rdblquote: '\u201d',
};

// Windows-1252 bytes 0x80–0x9F differ from Latin-1.
const CP1252_HIGH =
  '\u20ac\ufffd\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\ufffd\u017d\ufffd' +
  '\ufffd\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\ufffd\u017e\u0178';

function cp1252(byte: number): string {
  return byte >= 0x80 && byte <= 0x9f ? (CP1252_HIGH[byte - 0x80] as string) : String.fromCharCode(byte);
}

interface GroupState {
  skip: boolean;
  uc: number;
}

/** RTF → plain text: drops control words and non-text destinations, decodes \uN and \'hh. */
export function rtfToPlain(rtf: string): string {
  let out = '';
  const stack: GroupState[] = [];
  let state: GroupState = { skip: false, uc: 1 };
  let pendingSkip = 0; // fallback characters still to drop after a \uN
  let i = 0;
  const n = rtf.length;

  const emit = (s: string): void => {
    if (state.skip) return;
    out += s;
  };
  const emitText = (s: string): void => {
    if (pendingSkip > 0) {
      pendingSkip -= 1;
      return;
    }
    emit(s);
  };

  while (i < n) {
    const ch = rtf[i] as string;
    if (ch === '{') {
      stack.push(state);
      state = { ...state };
      pendingSkip = 0;
      i++;
      // `{\*\dest ...}` is an ignorable destination.
      if (rtf.startsWith('\\*', i)) {
        state.skip = true;
        i += 2;
      }
      continue;
    }
    if (ch === '}') {
      state = stack.pop() ?? { skip: false, uc: 1 };
      pendingSkip = 0;
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      i++; // raw line breaks in RTF source are not text
      continue;
    }
    if (ch !== '\\') {
      emitText(ch);
      i++;
      continue;
    }
    // A control symbol or control word.
    const next = rtf[i + 1];
    if (next === undefined) break;
    if (next === '\\' || next === '{' || next === '}') {
      emitText(next);
      i += 2;
      continue;
    }
    if (next === "'") {
      const hex = rtf.slice(i + 2, i + 4);
      i += 4;
      if (/^[0-9a-fA-F]{2}$/.test(hex)) emitText(cp1252(parseInt(hex, 16)));
      continue;
    }
    if (next === '~') {
      emitText('\u00a0');
      i += 2;
      continue;
    }
    if (next === '_') {
      emitText('\u2011');
      i += 2;
      continue;
    }
    if (next === '\r' || next === '\n') {
      emit('\n'); // `\` + newline is \par
      i += 2;
      continue;
    }
    if (!/[a-zA-Z]/.test(next)) {
      i += 2; // other control symbols (\-, \|, \:) carry no text
      continue;
    }
    let j = i + 1;
    while (j < n && /[a-zA-Z]/.test(rtf[j] as string)) j++;
    const word = rtf.slice(i + 1, j);
    let param: number | undefined;
    const m = /^-?\d+/.exec(rtf.slice(j, j + 12));
    if (m) {
      param = parseInt(m[0], 10);
      j += m[0].length;
    }
    if (rtf[j] === ' ') j++; // the delimiting space belongs to the control word
    i = j;
    pendingSkip = 0;

    if (word === 'u' && param !== undefined) {
      emit(String.fromCharCode(param < 0 ? param + 0x10000 : param));
      pendingSkip = state.uc;
    } else if (word === 'uc' && param !== undefined) {
      state.uc = param;
    } else if (SKIP_DESTINATIONS.has(word)) {
      state.skip = true;
    } else if (word === 'bin' && param !== undefined) {
      i += param; // binary data
    } else {
      const text = WORD_TEXT[word];
      if (text !== undefined) emit(text);
    }
  }
  return out;
}

/** Memo text as sent (plain or RTF) → what Smokeball stores and returns. */
export function normaliseMemoText(text: string): { rtf: string; plainText: string } {
  if (isRtf(text)) return { rtf: text, plainText: rtfToPlain(text) };
  return { rtf: plainToRtf(text), plainText: text.replace(/\r\n?/g, '\n') };
}
