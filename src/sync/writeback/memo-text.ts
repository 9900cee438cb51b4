/**
 * Turning Case Status messages into Smokeball memo text.
 *
 * Message bodies arrive "as typed": HTML, entities, control characters, emoji, RTF-looking text. Smokeball
 * stores memos as RTF and treats any `text` that starts with `{\rtf` as RTF, so sending user text as plain
 * text is not safe either (a body starting with `{\rtf` would be interpreted). We therefore always send RTF
 * that we generate ourselves from neutralised plain text: every `\`, `{`, `}` is escaped and every
 * non-ASCII character is a `\uN` escape, so no user input can ever become an RTF control word.
 *
 * Each entry ends with a marker line `[cs-msg:<message id>]`. Read-back after an unknown outcome looks for
 * these markers in the memo's `plainText`, and each part ends with `[cs-thread:<thread id>:<part>]` so a
 * memo whose id we never learned (POST timed out, process killed) can be found in the matter's memo list.
 */

/** Smokeball refuses memo text longer than this (the simulator documents 100,000; real limit unknown). */
export const SMOKEBALL_MEMO_TEXT_LIMIT = 100_000;
/** We split well before the limit: the margin covers a slightly different count on Smokeball's side. */
export const MEMO_TEXT_BUDGET = 90_000;
/** One entry piece never exceeds this much RTF, so any piece fits an empty memo with its header. */
export const ENTRY_PIECE_BUDGET = 40_000;

// ---------------------------------------------------------------------------------------------------------
// Neutralising user text

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  euro: '\u20ac',
  pound: '\u00a3',
  bull: '\u2022',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      // Entities may not smuggle in what we strip below (controls, surrogates).
      if (!Number.isFinite(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

/**
 * HTML → text. Only real tags are touched (`<` followed by a letter, `/` or `!`), so "50% < 100% > 0"
 * survives. Script and style elements are dropped with their content (code, not words anyone typed to the
 * firm); links keep their address next to their text; block ends become line breaks.
 */
export function htmlToText(input: string): string {
  let s = input.replace(/<!--[\s\S]*?-->/g, '');
  s = s.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '');
  s = s.replace(/<(script|style)\b[^>]*>[\s\S]*$/gi, ''); // unclosed: drop the rest
  s = s.replace(
    /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a\s*>/gi,
    (_m, d: string | undefined, q: string | undefined, u: string | undefined, text: string) => {
      const href = decodeEntities(d ?? q ?? u ?? '').trim();
      const label = text.replace(/<[^>]*>/g, '').trim();
      if (!href || /^(javascript|data|vbscript):/i.test(href)) return label;
      return label && decodeEntities(label) !== href ? `${label} (${href})` : href;
    },
  );
  s = s.replace(/<br\s*\/?>/gi, '\n');
  s = s.replace(/<\/?(p|div|li|tr|h[1-6]|blockquote)\b[^>]*>/gi, '\n');
  s = s.replace(/<li\b[^>]*>/gi, '• ');
  s = s.replace(/<\/?[a-zA-Z][^<>]*>/g, '');
  s = s.replace(/<![^<>]*>/g, '');
  return decodeEntities(s);
}

/**
 * Removes what must never reach a memo: C0/C1 control characters (NUL, BEL, ESC…) except tab and line
 * breaks, DEL, lone surrogates, and bidirectional overrides (they can make text display differently from
 * what it is). Line breaks become `\n`, and the text is NFC-normalised (a decomposed "é" becomes one char).
 */
export function stripControls(input: string): string {
  let s = input.replace(/\r\n?/g, '\n');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes or checks for
  s = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '');
  s = s.replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, '');
  s = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return s.normalize('NFC');
}

/** A message body as it will appear in the memo: no markup, no control characters, trimmed. */
export function neutraliseBody(body: string): string {
  const text = stripControls(htmlToText(stripControls(body)))
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  // A line that looks like one of our markers would confuse read-back: quote it.
  return text.replace(/^(\s*)\[cs-(msg|thread):/gm, '$1> [cs-$2:');
}

/** Names and other one-line fields: neutralised, single line, bounded. */
export function oneLine(input: string, max = 200): string {
  const s = neutraliseBody(input).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

// ---------------------------------------------------------------------------------------------------------
// RTF

const RTF_HEADER = '{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1{\\fonttbl{\\f0\\fnil Segoe UI;}}\\f0\\fs18 ';

function rtfEscapeChar(ch: string, code: number): string {
  if (ch === '\\' || ch === '{' || ch === '}') return `\\${ch}`;
  if (ch === '\n') return '\\par\n';
  if (ch === '\t') return '\\tab ';
  if (code < 0x20 || code > 0x7e) return `\\u${code > 0x7fff ? code - 0x10000 : code}?`; // UTF-16 unit, signed, with a one-char fallback
  return ch;
}

/** Plain text → the body of an RTF document (no header). */
export function rtfEscape(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += rtfEscapeChar(text[i] as string, text.charCodeAt(i));
  return out;
}

/** Length of `rtfEscape(text)` without building it. */
export function rtfLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) n += rtfEscapeChar(text[i] as string, text.charCodeAt(i)).length;
  return n;
}

/** A clickable link (an RTF HYPERLINK field); readers without fields show the address. */
export function rtfLink(url: string): string {
  const safe = rtfEscape(url.replace(/["\s]/g, (c) => encodeURIComponent(c)));
  return `{\\field{\\*\\fldinst HYPERLINK "${safe}"}{\\fldrslt ${safe}}}`;
}

// ---------------------------------------------------------------------------------------------------------
// Entries and memos

export interface MessageForMemo {
  id: string;
  threadId: string;
  sender: { name: string; role: 'client' | 'staff' | string };
  body: string;
  createdAt: string;
}

/** A rendered entry piece: what is stored in memo_entries and written into the memo. */
export interface EntryPiece {
  messageId: string;
  piece: number;
  sortKey: string;
  text: string;
}

export function entryMarker(messageId: string, piece: number): string {
  return piece > 1 ? `[cs-msg:${messageId}#${piece}]` : `[cs-msg:${messageId}]`;
}

export function threadMarker(threadId: string, part: number): string {
  return `[cs-thread:${threadId}:${part}]`;
}

/** "2024-03-02 10:00 UTC": unambiguous for a firm whatever the machine's time zone. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return oneLine(iso, 40);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

function roleLabel(role: string): string {
  return role === 'client' ? 'Client' : role === 'staff' ? 'Staff' : oneLine(role, 20) || 'Unknown';
}

/** Splits text into chunks of at most `budget` RTF characters, preferring line and word boundaries. */
export function splitByRtfBudget(text: string, budget: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rtfLength(rest) > budget) {
    let cut = 0;
    let used = 0;
    for (const ch of rest) {
      const cost = rtfLength(ch);
      if (used + cost > budget) break;
      used += cost;
      cut += ch.length; // code points, so a surrogate pair is never cut in half
    }
    const window = rest.slice(0, cut);
    const nl = window.lastIndexOf('\n');
    const sp = window.lastIndexOf(' ');
    const at = nl > cut / 2 ? nl + 1 : sp > cut / 2 ? sp + 1 : cut;
    chunks.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  chunks.push(rest);
  return chunks;
}

/**
 * A message as one or more entry pieces: header line (sender, role, time), the neutralised body and the
 * marker. A body too long for one memo is cut into pieces marked "(continued)".
 */
export function renderEntry(m: MessageForMemo): EntryPiece[] {
  const header = `${oneLine(m.sender.name) || 'Unknown sender'} (${roleLabel(m.sender.role)}) — ${formatTime(m.createdAt)}`;
  const body = neutraliseBody(m.body) || '(empty message)';
  const at = new Date(m.createdAt);
  const sortKey = `${Number.isNaN(at.getTime()) ? m.createdAt : at.toISOString()}|${m.id}`;
  const bodies = splitByRtfBudget(body, ENTRY_PIECE_BUDGET - 1_000);
  return bodies.map((b, i) => ({
    messageId: m.id,
    piece: i + 1,
    sortKey,
    text: `${header}${i > 0 ? ` (continued, ${i + 1}/${bodies.length})` : ''}\n${b}\n${entryMarker(m.id, i + 1)}`,
  }));
}

export interface MemoContext {
  threadId: string;
  part: number;
  matterNumber: string | null;
  matterTitle: string | null;
  caseUrl: string | null;
  /** ISO time of the thread's first message. */
  startedAt: string;
}

export function memoTitle(ctx: MemoContext): string {
  const matter = ctx.matterNumber ? ` ${oneLine(ctx.matterNumber, 60)}` : '';
  const base = `Case Status messages${matter} — conversation started ${formatTime(ctx.startedAt).slice(0, 10)}`;
  return ctx.part > 1 ? `${base} (part ${ctx.part})` : base;
}

const RULE = '────────────────────────';

/** The memo's plain text (what Smokeball returns as `plainText`), entries in the given order. */
export function memoPlainText(ctx: MemoContext, entries: readonly EntryPiece[]): string {
  return [memoHeaderPlain(ctx), ...entries.flatMap((e) => [RULE, e.text]), RULE, threadMarker(ctx.threadId, ctx.part)].join('\n');
}

function memoHeaderLines(ctx: MemoContext): { intro: string; linkLabel: string } {
  const matter = [ctx.matterNumber, ctx.matterTitle]
    .filter(Boolean)
    .map((s) => oneLine(s as string))
    .join(' ');
  const intro = `Messages from the Case Status conversation${matter ? ` on matter ${matter}` : ''}${ctx.part > 1 ? ` (part ${ctx.part}, continued from part ${ctx.part - 1})` : ''}.`;
  return { intro, linkLabel: 'Open the case in Case Status: ' };
}

function memoHeaderPlain(ctx: MemoContext): string {
  const { intro, linkLabel } = memoHeaderLines(ctx);
  return ctx.caseUrl ? `${intro}\n${linkLabel}${ctx.caseUrl}` : intro;
}

/** The memo's `text` as sent: RTF generated from neutralised text, with the case link as a hyperlink field. */
export function memoRtf(ctx: MemoContext, entries: readonly EntryPiece[]): string {
  const { intro, linkLabel } = memoHeaderLines(ctx);
  let out = RTF_HEADER + rtfEscape(intro);
  if (ctx.caseUrl) out += `\\par\n${rtfEscape(linkLabel)}${rtfLink(ctx.caseUrl)}`;
  for (const e of entries) out += `\\par\n${rtfEscape(RULE)}\\par\n${rtfEscape(e.text)}`;
  out += `\\par\n${rtfEscape(RULE)}\\par\n${rtfEscape(threadMarker(ctx.threadId, ctx.part))}}`;
  return out;
}

/** Message ids (piece 1 or any piece) whose markers appear in a memo's plain text. */
export function markersIn(plainText: string): Set<string> {
  const found = new Set<string>();
  for (const m of plainText.matchAll(/^\[cs-msg:([^\]#\s]+)(?:#(\d+))?\]\s*$/gm)) found.add(m[2] ? `${m[1]}#${m[2]}` : (m[1] as string));
  return found;
}

export function pieceKey(p: { messageId: string; piece: number }): string {
  return p.piece > 1 ? `${p.messageId}#${p.piece}` : p.messageId;
}

export function hasThreadMarker(plainText: string, threadId: string, part: number): boolean {
  return plainText.split(/\r?\n/).some((line) => line.trim() === threadMarker(threadId, part));
}

/**
 * Distributes new entry pieces over the thread's parts: as many as fit into the current part (keeping its
 * RTF under the budget), the rest into new parts. Returns the parts to write, each with its full entry list.
 */
export function planParts(
  current: { part: number; entries: EntryPiece[] } | undefined,
  incoming: readonly EntryPiece[],
  ctxFor: (part: number) => MemoContext,
  budget = MEMO_TEXT_BUDGET,
): Array<{ part: number; entries: EntryPiece[]; added: EntryPiece[] }> {
  const plans: Array<{ part: number; entries: EntryPiece[]; added: EntryPiece[] }> = [];
  const start = current ?? { part: 1, entries: [] };
  let open = { part: start.part, entries: [...start.entries], added: [] as EntryPiece[] };
  // The RTF length is the empty memo plus a fixed cost per entry, whatever the order: add it up instead of
  // re-rendering the memo for every entry.
  let length = memoRtf(ctxFor(open.part), open.entries).length;
  for (const piece of incoming) {
    const cost = entryRtfCost(piece);
    if (length + cost <= budget || open.entries.length === 0) {
      open.entries.push(piece);
      open.added.push(piece);
      length += cost;
      continue;
    }
    if (open.added.length > 0) plans.push(open);
    open = { part: open.part + 1, entries: [piece], added: [piece] };
    length = memoRtf(ctxFor(open.part), open.entries).length;
  }
  if (open.added.length > 0) plans.push(open);
  for (const p of plans) p.entries.sort(compareEntries);
  return plans;
}

function entryRtfCost(e: EntryPiece): number {
  return 2 * '\\par\n'.length + rtfLength(RULE) + rtfLength(e.text);
}

export function compareEntries(a: EntryPiece, b: EntryPiece): number {
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : a.piece - b.piece;
}
