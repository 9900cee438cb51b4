import { describe, expect, it } from 'vitest';
import { normaliseMemoText, rtfToPlain } from '../../../src/sim/smokeball/rtf.js';
import { AWKWARD_MESSAGE_BODIES } from '../../../src/sim/seed/generate.js';
import {
  entryMarker,
  hasThreadMarker,
  htmlToText,
  markersIn,
  MEMO_TEXT_BUDGET,
  memoPlainText,
  memoRtf,
  memoTitle,
  neutraliseBody,
  planParts,
  renderEntry,
  rtfEscape,
  rtfLength,
  SMOKEBALL_MEMO_TEXT_LIMIT,
  splitByRtfBudget,
  type MemoContext,
} from '../../../src/sync/writeback/memo-text.js';

const ctx = (part = 1): MemoContext => ({
  threadId: 'thread-1',
  part,
  matterNumber: '2024-0001',
  matterTitle: 'Smith v. Jones',
  caseUrl: 'https://app.casestatus.example/cases/abc?x=1&y={2}',
  startedAt: '2024-03-02T10:00:00.000Z',
});

const msg = (id: string, body: string, at = '2024-03-02T10:00:00.000Z', role: 'client' | 'staff' = 'client') => ({
  id,
  threadId: 'thread-1',
  sender: { name: 'Pat <b>Client</b>', role },
  body,
  createdAt: at,
});

describe('neutralising message bodies', () => {
  it('turns HTML into text: tags stripped, entities decoded, links keep their address, scripts dropped', () => {
    expect(neutraliseBody('<b>Urgent:</b> please call me back <i>today</i>')).toBe('Urgent: please call me back today');
    expect(neutraliseBody('Is this safe? <script>alert(1)</script>')).toBe('Is this safe?');
    expect(neutraliseBody('<style>p{}</style>Hi &amp; bye &lt;3 &#x1F600; &eacute;x')).toBe('Hi & bye <3 😀 &eacute;x');
    expect(neutraliseBody('Here: <a href="https://example.com/upload?case=1&amp;x=2">click here</a>')).toBe(
      'Here: click here (https://example.com/upload?case=1&x=2)',
    );
    expect(neutraliseBody('<a href="javascript:alert(1)">win</a>')).toBe('win');
    expect(neutraliseBody('line<br>two<p>three</p>four')).toBe('line\ntwo\nthree\nfour');
  });

  it('leaves text that only looks like markup alone', () => {
    const body = 'Costs were $1,500 & 50% < 100% > 0 "quoted" \'single\'';
    expect(neutraliseBody(body)).toBe(body);
    expect(htmlToText('a < b and c > d')).toBe('a < b and c > d');
  });

  it('removes control characters and bidi overrides, keeps line breaks and tabs, normalises to NFC', () => {
    expect(neutraliseBody('Ring\u0007 ring')).toBe('Ring ring');
    expect(neutraliseBody('Null here:\u0000after')).toBe('Null here:after');
    expect(neutraliseBody('Line one\r\nLine two\r\n\r\nThanks,\r\nMaria')).toBe('Line one\nLine two\n\nThanks,\nMaria');
    expect(neutraliseBody('a\tb\u001b[31m red \u202eevil')).toBe('a\tb[31m red evil');
    expect(neutraliseBody('Cafe\u0301')).toBe('Caf\u00e9');
    expect(neutraliseBody('&#0;&#7;ok&#xD800;')).toBe('ok\ufffd');
    expect(neutraliseBody('lone \ud83d surrogate')).toBe('lone \ufffd surrogate');
  });

  it('quotes lines that would pass for read-back markers', () => {
    expect(neutraliseBody('[cs-msg:other-message]')).toBe('> [cs-msg:other-message]');
    expect(markersIn(renderEntry(msg('m1', '[cs-msg:m2]'))[0]!.text)).toEqual(new Set(['m1']));
  });
});

describe('RTF', () => {
  it('escapes RTF specials and non-ASCII so user text can never become control words', () => {
    expect(rtfEscape('C:\\Users\\{claim}')).toBe('C:\\\\Users\\\\\\{claim\\}');
    expect(rtfEscape('é😀')).toBe('\\u233?\\u-10179?\\u-8704?');
    expect(rtfLength('é😀{')).toBe(rtfEscape('é😀{').length);
  });

  it('every awkward body survives the round trip through Smokeball’s RTF storage as its neutralised text', () => {
    for (const body of AWKWARD_MESSAGE_BODIES) {
      const entries = renderEntry(msg('m1', body));
      const rtf = memoRtf(ctx(), entries);
      const stored = normaliseMemoText(rtf);
      expect(stored.rtf).toBe(rtf); // sent as RTF, stored as is
      expect(stored.plainText).toBe(memoPlainText(ctx(), entries));
      expect(stored.plainText).toContain(entries[0]!.text);
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes or checks for
      expect(stored.plainText).not.toMatch(/<\/?[a-z]+>|[\u0000-\u0008\u000b-\u001f]/);
    }
  });

  it('a body that is itself RTF-looking text stays text', () => {
    const rtf = memoRtf(ctx(), renderEntry(msg('m1', '{\\rtf1 \\b bold\\b0 }')));
    expect(rtfToPlain(rtf)).toContain('{\\rtf1 \\b bold\\b0 }');
  });

  it('writes the case link as a hyperlink field whose text is the address', () => {
    const rtf = memoRtf(ctx(), []);
    expect(rtf).toContain('HYPERLINK');
    expect(rtfToPlain(rtf)).toContain('Open the case in Case Status: https://app.casestatus.example/cases/abc?x=1&y={2}');
  });
});

describe('entries and memo layout', () => {
  it('each entry has the sender’s name, role and time, then the text and its marker', () => {
    const [e] = renderEntry(msg('m1', 'Hello', '2024-03-02T10:05:09.000Z', 'staff'));
    expect(e!.text).toBe('Pat Client (Staff) — 2024-03-02 10:05 UTC\nHello\n[cs-msg:m1]');
    const plain = memoPlainText(ctx(), [e!]);
    expect(markersIn(plain)).toEqual(new Set(['m1']));
    expect(hasThreadMarker(plain, 'thread-1', 1)).toBe(true);
    expect(hasThreadMarker(plain, 'thread-1', 2)).toBe(false);
  });

  it('titles continuation parts "(part N)"', () => {
    expect(memoTitle(ctx(1))).toBe('Case Status messages 2024-0001 — conversation started 2024-03-02');
    expect(memoTitle(ctx(3))).toBe('Case Status messages 2024-0001 — conversation started 2024-03-02 (part 3)');
  });

  it('splits a long thread into parts before the memo size limit, keeping every entry once and in order', () => {
    const body = 'Пожалуйста, перезвоните мне. '.repeat(200); // non-ASCII: ~8 RTF chars per character
    const entries = Array.from({ length: 40 }, (_, i) =>
      renderEntry(msg(`m${String(i).padStart(2, '0')}`, body, `2024-03-02T10:${String(i).padStart(2, '0')}:00.000Z`)),
    ).flat();
    const plans = planParts(undefined, entries, ctx);
    expect(plans.length).toBeGreaterThan(2);
    expect(plans.map((p) => p.part)).toEqual(plans.map((_, i) => i + 1));
    for (const p of plans) {
      const rtf = memoRtf(ctx(p.part), p.entries);
      expect(rtf.length).toBeLessThanOrEqual(MEMO_TEXT_BUDGET);
      expect(rtf.length).toBeLessThan(SMOKEBALL_MEMO_TEXT_LIMIT);
    }
    expect(plans.flatMap((p) => p.added.map((e) => e.messageId))).toEqual(entries.map((e) => e.messageId));
  });

  it('appends to the current part while it has room, then continues in the next', () => {
    const existing = [...renderEntry(msg('old1', 'x'.repeat(35_000))), ...renderEntry(msg('old2', 'x'.repeat(35_000)))];
    const plans = planParts({ part: 2, entries: existing }, [...renderEntry(msg('a', 'short')), ...renderEntry(msg('b', 'y'.repeat(30_000)))], ctx);
    expect(plans.map((p) => [p.part, p.added.map((e) => e.messageId)])).toEqual([
      [2, ['a']],
      [3, ['b']],
    ]);
    expect(plans[0]!.entries.map((e) => e.messageId).sort()).toEqual(['a', 'old1', 'old2']);
  });

  it('cuts a single message too long for one memo into continued pieces', () => {
    const huge = 'word '.repeat(50_000); // 250,000 characters
    const pieces = renderEntry(msg('big', huge));
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces[1]!.text).toMatch(/^Pat Client \(Client\) — .* \(continued, 2\/\d+\)\n/);
    expect(pieces.map((p) => entryMarker('big', p.piece))).toEqual(pieces.map((p) => p.text.split('\n').pop()));
    const rejoined = pieces.map((p) => p.text.split('\n').slice(1, -1).join('\n')).join(' ');
    expect(rejoined.replace(/\s+/g, ' ').trim()).toBe(huge.trim());
    const plans = planParts(undefined, pieces, ctx);
    for (const p of plans) expect(memoRtf(ctx(p.part), p.entries).length).toBeLessThanOrEqual(MEMO_TEXT_BUDGET);
  });

  it('never cuts a surrogate pair when splitting', () => {
    const chunks = splitByRtfBudget('😀'.repeat(1000), 100);
    for (const c of chunks) expect(c).not.toMatch(/[\ud800-\udbff]$|^[\udc00-\udfff]/);
    expect(chunks.join('')).toBe('😀'.repeat(1000));
  });
});
