import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/sim/common/random.js';
import { isRtf, normaliseMemoText, plainToRtf, rtfToPlain } from '../../../src/sim/smokeball/rtf.js';

describe('RTF converter', () => {
  it('escapes backslashes and braces, encodes non-ASCII as \\uN?', () => {
    const rtf = plainToRtf('a\\b{c}d é 👍');
    expect(rtf).toContain('a\\\\b\\{c\\}d \\u233? \\u-10179?\\u-9139?');
    expect(isRtf(rtf)).toBe(true);
  });

  it('round-trips random text, including control characters and surrogate pairs', () => {
    const rng = createRng(5);
    const alphabet = ['a', 'Z', ' ', '\\', '{', '}', '\n', '\t', 'é', '€', '—', '日', '👍', '\u0001', '?', "'", '\\par', '\\u123?'];
    for (let i = 0; i < 200; i++) {
      let s = '';
      const len = Math.floor(rng() * 40);
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rng() * alphabet.length)];
      expect(rtfToPlain(plainToRtf(s))).toBe(s);
    }
  });

  it('line endings come back as \\n', () => {
    expect(rtfToPlain(plainToRtf('a\r\nb\rc\nd'))).toBe('a\nb\nc\nd');
    expect(normaliseMemoText('a\r\nb').plainText).toBe('a\nb');
  });

  it("strips formatting, font tables and ignorable destinations; decodes \\'hh (cp1252) and \\uN with fallbacks", () => {
    const rtf =
      '{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}{\\colortbl ;\\red255\\green0\\blue0;}' +
      "{\\*\\generator Riched20 10.0;}\\viewkind4\\uc1\\pard\\cf1\\b Hello\\b0  w\\'f6rld \\'93quoted\\'94\\par" +
      '\\uc2 two\\u8364 EUfallback\\tab x\\line y\\~z}';
    expect(rtfToPlain(rtf)).toBe('Hello wörld \u201cquoted\u201d\ntwo€fallback\tx\ny\u00a0z');
  });

  it('treats RTF input as RTF and plain input as plain', () => {
    expect(normaliseMemoText('{\\rtf1 hi}').plainText).toBe('hi');
    expect(normaliseMemoText('{not rtf}').plainText).toBe('{not rtf}');
  });
});
