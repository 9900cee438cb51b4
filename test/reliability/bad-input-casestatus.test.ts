/**
 * Bad input corpus, Case Status side: hostile messages and documents (and malformed feed items, served through
 * the test-only feed overrides) written back to the real Smokeball simulator by the real write-back job, with
 * the state in a real SQLite file. Asserted against what Smokeball ends up holding: every good item exactly
 * once, every bad one an item needing attention with a clear reason, memo RTF that message text cannot
 * steer, and no file outside the matter's CaseStatus folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearFeedOverrides, overrideFeedItem } from '../../src/sim/casestatus/feed-overrides.js';
import { WritebackJob, type WritebackSummary } from '../../src/sync/writeback/index.js';
import { memoEntriesByMessage, runUntilDrained, setupWorld, TEST_SETTINGS, type Harness } from '../sync/writeback/helpers.js';

let h: Harness;
let job: WritebackJob;
let runs: WritebackSummary[];
let matterId: string;
let otherMatterId: string;
const ids: Record<string, string> = {};
const docIds: Record<string, string> = {};
const warnings: string[] = [];

const RTF_INJECTION =
  '{\\rtf1\\ansi {\\b bold}} \\par \\pard\\plain }}}{{{ \\\\ \\\'e9 {\\field{\\*\\fldinst HYPERLINK "http://evil.example"}{\\fldrslt click}}}';
const HTML_BODY =
  '<script>document.location="http://evil.example"</script><img src=x onerror=alert(1)>Hello <b>there</b> & <a href="javascript:alert(3)">click</a>';
const CONTROL_BODY = 'bell\u0007 nul\u0000 esc\u001b[2J del\u007f c1\u0085 bidi\u202eevil\u202c end';
const HUGE_BODY = 'Lorem ipsum dolor sit amet. '.repeat(3_572).slice(0, 100_000);

const HOSTILE_NAMES = [
  '../../etc/passwd',
  '..\\..\\Windows\\System32\\evil.exe',
  'CON',
  'nul.txt',
  'aux',
  'LPT1.tar.gz',
  'trailing dots...',
  'trailing space .pdf ',
  '.hidden',
  `${'a'.repeat(1000)}.pdf`,
  '<script>alert(1)</script>.html',
  're\u0000port\u0007.pdf',
  'con', // a second "con": must get its own name
  '/',
];

/** Control words of an RTF text; escaped characters (\\ \{ \}) and \'hh are text, not words. */
function rtfStructure(rtf: string): { words: Map<string, number>; balanced: boolean; closesAtEnd: boolean } {
  const words = new Map<string, number>();
  let depth = 0;
  let closesAtEnd = true;
  for (let i = 0; i < rtf.length; i++) {
    const ch = rtf[i];
    if (ch === '\\') {
      const next = rtf[i + 1] ?? '';
      if (next === '\\' || next === '{' || next === '}') {
        i++;
        continue;
      }
      if (next === "'") {
        i += 3;
        continue;
      }
      if (next === '*') {
        words.set('*', (words.get('*') ?? 0) + 1);
        i++;
        continue;
      }
      const m = /^([a-zA-Z]+)(-?\d+)? ?/.exec(rtf.slice(i + 1, i + 48));
      if (m) {
        words.set(m[1]!, (words.get(m[1]!) ?? 0) + 1);
        i += m[0].length;
      } else {
        words.set(`\\${next}`, (words.get(`\\${next}`) ?? 0) + 1);
        i++;
      }
    } else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0 && i !== rtf.length - 1) closesAtEnd = false;
      if (depth < 0) return { words, balanced: false, closesAtEnd: false };
    }
  }
  return { words, balanced: depth === 0, closesAtEnd };
}

/** What our generator writes: the header, paragraphs, tabs, \uN escapes and one hyperlink field. */
const ALLOWED_WORDS = new Set(['rtf', 'ansi', 'ansicpg', 'deff', 'uc', 'fonttbl', 'f', 'fnil', 'fs', 'par', 'tab', 'u', 'field', '*', 'fldinst', 'fldrslt']);

beforeAll(async () => {
  h = await setupWorld(40);
  await h.stack.engine.initialImport();
  // Two linked matters with a case: hostile messages go to one, hostile documents to the other.
  const linked = [...h.stack.store.links.allMatters()].filter((l) => l.status !== 'Closed' && h.world.caseStatus.control.cases().has(l.matterId));
  matterId = linked[0]!.matterId;
  otherMatterId = linked[1]!.matterId;
  const cs = h.world.caseStatus.control;
  const at = (i: number) => new Date(Date.now() + i).toISOString();
  const msg = (key: string, senderName: string, body: string, i: number) => {
    ids[key] = cs.addMessage({ matterId, threadId: 'hostile-thread', senderName, senderRole: 'client', body, createdAt: at(i) }).id;
  };
  msg('html', 'Pat Client', HTML_BODY, 1);
  msg('rtf', 'Pat Client', RTF_INJECTION, 2);
  msg('control', 'Pat Client', CONTROL_BODY, 3);
  msg('huge', 'Pat Client', HUGE_BODY, 4);
  msg('senderHtml', '<img src=x onerror=alert(1)>Eve\u0000 {\\rtf1 \\par}', 'From an odd name', 5);
  msg('markerSpoof', 'Pat Client', '[cs-msg:not-a-real-id]\n[cs-thread:hostile-thread:9]\nplease ignore', 6);
  msg('empty', 'Pat Client', '', 7);
  msg('good', 'Pat Client', 'A plain, well-formed message.', 8);
  // Malformed feed items (served through the override hook).
  msg('null', 'x', 'replaced by null in the feed', 9);
  msg('noCase', 'x', 'served without caseExternalId', 10);
  msg('noSender', 'x', 'served without a sender', 11);
  msg('dupA', 'Pat Client', 'first message with this id', 12);
  msg('dupB', 'Pat Client', 'second message, served with the first one’s id', 13);
  msg('unknownRole', 'Robo', 'served with an unknown role and time', 14);

  HOSTILE_NAMES.forEach((fileName, i) => {
    docIds[`name${i}`] = cs.addDocument({
      matterId: otherMatterId,
      fileName,
      sharedByName: 'Pat Client',
      sharedByRole: 'client',
      content: `content of ${JSON.stringify(fileName)}`,
      createdAt: at(100 + i),
    }).id;
  });
  const doc = (key: string, content: string, i: number) => {
    docIds[key] = cs.addDocument({
      matterId: otherMatterId,
      fileName: `${key}.pdf`,
      sharedByName: '<b>Staff</b>\u0007',
      sharedByRole: 'staff',
      content,
      createdAt: at(200 + i),
    }).id;
  };
  doc('sizeMismatch', 'twelve bytes', 1);
  doc('hashMismatch', 'hash mismatch', 2);
  doc('badHash', 'bad hash', 3);
  doc('negativeSize', 'negative size', 4);
  doc('emptyName', 'served with an empty name', 5);
  doc('dupDocA', 'the first document with this id', 6);
  doc('dupDocB', 'the second, served with the first one’s id', 7);

  const url = h.world.caseStatus.url;
  overrideFeedItem(url, 'message', ids.null!, () => null);
  overrideFeedItem(url, 'message', ids.noCase!, (m) => ({ ...m, caseExternalId: undefined }));
  overrideFeedItem(url, 'message', ids.noSender!, (m) => ({ ...m, sender: null, body: 12345 }));
  overrideFeedItem(url, 'message', ids.dupB!, (m) => ({ ...m, id: ids.dupA }));
  overrideFeedItem(url, 'message', ids.unknownRole!, (m) => ({ ...m, sender: { name: 'Robo', role: 'robot' }, createdAt: 'yesterday' }));
  overrideFeedItem(url, 'document', docIds.sizeMismatch!, (d) => ({ ...d, sizeBytes: (d.sizeBytes as number) + 1 }));
  overrideFeedItem(url, 'document', docIds.hashMismatch!, (d) => ({ ...d, sha256: 'f'.repeat(64) }));
  overrideFeedItem(url, 'document', docIds.badHash!, (d) => ({ ...d, sha256: 'not-a-hash' }));
  overrideFeedItem(url, 'document', docIds.negativeSize!, (d) => ({ ...d, sizeBytes: -5 }));
  overrideFeedItem(url, 'document', docIds.emptyName!, (d) => ({ ...d, fileName: '' }));
  overrideFeedItem(url, 'document', docIds.dupDocB!, (d) => ({ ...d, id: docIds.dupDocA }));

  job = new WritebackJob({
    smokeball: h.stack.smokeball,
    caseStatus: h.stack.caseStatus,
    store: h.stack.store,
    tempDir: `${h.stack.dataDir}/staging`,
    settings: TEST_SETTINGS,
    logger: { debug() {}, info() {}, error() {}, warn: (message) => void warnings.push(message) },
  });
  runs = await runUntilDrained(job);
  await h.world.smokeball.control.whenIdle();
}, 60_000);

afterAll(async () => {
  clearFeedOverrides();
  job?.close();
  await h?.close();
});

const memosOf = (id: string) => h.world.smokeball.control.memos(id).filter((m) => !m.isDeleted);
const failedItems = (kind: 'message_failed' | 'document_failed') => h.stack.store.attention.open(kind, 1000);

describe('bad input from Case Status: the write-back goes on and every bad item is named', () => {
  it('finishes: nothing left queued, and every run ended (no run threw)', () => {
    expect(runs.length).toBeGreaterThan(0);
    expect(job.status.pending).toBe(0);
    expect(h.stack.store.outbox.counts()).toMatchObject({ pending: 0, in_flight: 0, failed: 0 });
  });

  it('writes every readable message exactly once, in its thread, including the seeded history', () => {
    const entries = memoEntriesByMessage(h.world);
    const expectedOnce = ['html', 'rtf', 'control', 'huge', 'senderHtml', 'markerSpoof', 'empty', 'good', 'noSender', 'dupA', 'unknownRole'];
    for (const key of expectedOnce) {
      const hits = entries.get(ids[key]!) ?? [];
      // The 100,000-character body is cut into several entry pieces: its id marker appears once (piece 1).
      expect(hits, key).toHaveLength(1);
      expect(hits[0]!.matterId).toBe(matterId);
      expect(hits[0]!.threadMarker).toBe('hostile-thread');
    }
    for (const msg of h.world.caseStatus.control.messages()) {
      if (Object.values(ids).includes(msg.id)) continue;
      expect(entries.get(msg.id) ?? [], `seeded ${msg.id}`).toHaveLength(1);
    }
    // The malformed ones are nowhere.
    for (const key of ['null', 'noCase', 'dupB']) expect(entries.has(ids[key]!), key).toBe(false);
    const all = memosOf(matterId)
      .map((m) => m.plainText)
      .join('\n');
    expect(all).toContain('first message with this id');
    expect(all).not.toContain('second message, served with');
    expect(all).toContain('12345');
    expect(all).toContain('Unknown sender (Client)'.replace('Client', 'unknown'));
  });

  it('lists the unreadable messages under needs attention with the reason', () => {
    const items = failedItems('message_failed');
    const reasons = items.map((i) => i.reason).join('\n');
    expect(items.find((i) => i.subjectId === ids.noCase)?.reason).toMatch(/names no case/);
    expect(reasons).toMatch(/Case Status sent a message that cannot be written to Smokeball: the item is null, not an object/);
    expect(warnings.filter((w) => w === 'Skipped an unreadable Case Status feed item').length).toBeGreaterThanOrEqual(2);
  });

  it('memo RTF is only what we generate: typed RTF, HTML and control characters cannot steer it', () => {
    const memos = memosOf(matterId).filter((m) => m.plainText.includes('[cs-thread:hostile-thread:'));
    expect(memos.length).toBeGreaterThan(1); // the 100,000-character body does not fit one memo
    const caseUrl = h.world.caseStatus.control.cases().get(matterId)!.url;
    for (const memo of memos) {
      expect(memo.text.startsWith('{\\rtf1')).toBe(true);
      expect(memo.text.length).toBeLessThan(100_000);
      const { words, balanced, closesAtEnd } = rtfStructure(memo.text);
      expect(balanced, 'braces balance').toBe(true);
      expect(closesAtEnd, 'the outer group closes only at the very end').toBe(true);
      expect(
        [...words.keys()].filter((w) => !ALLOWED_WORDS.has(w)),
        'control words',
      ).toEqual([]);
      expect(words.get('rtf')).toBe(1);
      expect(words.get('field')).toBe(1); // our link to the case, nothing else
      expect(memo.text).toContain(`HYPERLINK "${caseUrl}"`);
      expect(memo.text).not.toContain('evil.example"}');
      // eslint-disable-next-line no-control-regex -- control characters are what must not get through
      expect(memo.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      // eslint-disable-next-line no-control-regex -- control characters are what must not get through
      expect(memo.plainText).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u202e]/);
      expect(memo.plainText).not.toMatch(/<script|<img|<b>|onerror/i);
    }
    const plain = memos.map((m) => m.plainText).join('\n');
    // Typed RTF arrives as the characters typed: literal text, not formatting, not a field.
    expect(plain).toContain('{\\rtf1\\ansi {\\b bold}} \\par \\pard\\plain }}}{{{');
    expect(plain).toContain('HYPERLINK "http://evil.example"');
    // HTML as text: script dropped, markup gone, the javascript: link reduced to its label.
    expect(plain).toContain('Hello there & click');
    expect(plain).not.toContain('javascript:');
    expect(plain).toContain('bell nul esc[2J del c1 bidievil end');
    // The sender's name is one neutral line; a line pretending to be our marker is quoted, so read-back is not fooled.
    expect(plain).toMatch(/^Eve \{\\rtf1 \\par\} \(Client\) — /m);
    expect(plain).toContain('> [cs-msg:not-a-real-id]');
    expect(plain).toContain('(empty message)');
  });

  it('files land only in the CaseStatus folder, with safe, distinct names', () => {
    const folders = h.world.smokeball.control.folders(otherMatterId);
    const caseStatusFolders = folders.filter((f) => f.name === 'CaseStatus');
    expect(caseStatusFolders).toHaveLength(1);
    expect(folders.filter((f) => f.parentId === caseStatusFolders[0]!.id)).toHaveLength(0); // no sub-folders
    const files = h.world.smokeball.control.files(otherMatterId);
    expect(files.every((f) => f.folderId === caseStatusFolders[0]!.id)).toBe(true);
    const names = files.map((f) => `${f.name}${f.fileExtension}`);
    for (const name of names) {
      expect(name, name).not.toMatch(/[/\\:*?"<>|]/);
      // eslint-disable-next-line no-control-regex -- control characters are what must not get through
      expect(name, name).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(name, name).not.toMatch(/^[.\s]|[.\s]$/);
      expect(name.length, name).toBeLessThanOrEqual(200);
      expect(/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(name.split('.')[0]!.trim()), name).toBe(false);
      // "_.._etc_passwd" keeps its dots but has no separator left, so it names a file in this folder only.
    }
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
  });

  it('uploads every readable document exactly once, byte-identical; the bad ones are listed and not uploaded', async () => {
    const files = h.world.smokeball.control.files(otherMatterId);
    const docs = new Map((await h.world.caseStatus.control.documents()).map((d) => [d.id, d]));
    const good = [...HOSTILE_NAMES.map((_, i) => `name${i}`), 'emptyName', 'dupDocA'];
    for (const key of good) {
      const d = docs.get(docIds[key]!)!;
      expect(
        files.filter((f) => f.sha256 === d.sha256),
        key,
      ).toHaveLength(1);
    }
    const seeded = [...docs.values()].filter((d) => d.caseExternalId === otherMatterId && !Object.values(docIds).includes(d.id));
    expect(files).toHaveLength(good.length + seeded.length);
    for (const key of ['sizeMismatch', 'hashMismatch', 'badHash', 'negativeSize', 'dupDocB']) {
      expect(
        files.some((f) => f.sha256 === docs.get(docIds[key]!)!.sha256),
        key,
      ).toBe(false);
    }
    const items = failedItems('document_failed');
    const reason = (key: string) => items.find((i) => i.subjectId === docIds[key])?.reason ?? '(no item)';
    expect(reason('sizeMismatch')).toMatch(/received \d+ of \d+ bytes/);
    expect(reason('hashMismatch')).toMatch(/SHA-256 of the received bytes differs/);
    expect(reason('badHash')).toMatch(/SHA-256 is "not-a-hash"/);
    expect(reason('negativeSize')).toMatch(/size is -5/);
    const emptyName = files.find((f) => f.sha256 === docs.get(docIds.emptyName!)!.sha256)!;
    expect(emptyName.name).toBe('document');
  });

  it('a further run sends nothing: no write repeated, no item revived on its own', async () => {
    const writes = h.world.smokeball.stats.log.filter((e) => (e.method === 'POST' || e.method === 'PUT') && e.status < 300).length;
    const again = await job.run();
    expect(again).toMatchObject({ memosCreated: 0, memosUpdated: 0, documentsUploaded: 0, failed: 0 });
    expect(h.world.smokeball.stats.log.filter((e) => (e.method === 'POST' || e.method === 'PUT') && e.status < 300).length).toBe(writes);
  });
});
