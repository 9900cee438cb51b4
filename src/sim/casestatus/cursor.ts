import { invalidRequest } from './errors.js';
import type { Page } from './wire.js';

/**
 * Opaque list cursors. Inside is a kind and a sequence number; each list hands out only its own kind,
 * so passing a message cursor to the documents feed is a 400, not a silent restart. Sequence numbers are
 * assigned when an item becomes visible and never reused, which is what makes paging forward see every
 * item exactly once even while items are added.
 */
export type CursorKind = 'msg' | 'doc' | 'case' | 'client';

export function encodeCursor(kind: CursorKind, seq: number): string {
  return Buffer.from(`cs1:${kind}:${seq}`, 'utf8').toString('base64url');
}

/** Absent or empty cursor means "from the beginning" (sequence 0). */
export function decodeCursor(kind: CursorKind, cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^cs1:([a-z]+):(\d{1,15})$/.exec(text);
  if (!match || match[1] !== kind) throw invalidRequest('Invalid cursor', [{ path: 'after', message: `not a ${kind} cursor` }]);
  return Number(match[2]);
}

/**
 * One page of `items` (sorted by ascending seq) after `afterSeq`. Binary search, so paging a firm-wide
 * feed of any length costs O(log n + limit).
 */
export function pageBySeq<T, V>(
  kind: CursorKind,
  items: readonly T[],
  seqOf: (item: T) => number,
  afterSeq: number,
  limit: number,
  view: (item: T) => V,
): Page<V> {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seqOf(items[mid] as T) <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  const slice = items.slice(lo, lo + limit);
  const last = slice[slice.length - 1];
  const nextSeq = last === undefined ? afterSeq : seqOf(last);
  return { data: slice.map(view), nextCursor: encodeCursor(kind, nextSeq), hasMore: lo + slice.length < items.length };
}
