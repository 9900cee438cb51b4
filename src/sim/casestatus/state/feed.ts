/**
 * A firm-wide feed (messages or documents) with Case Status's visibility rule: an item exists only once
 * its case does. Items for a case not created yet wait as pending and become visible, in createdAt order,
 * when an upsert first creates the case. Becoming visible assigns the next sequence number; the feed
 * cursor is built on it, so an item added while a client pages forward is still seen exactly once.
 */
export interface FeedItem {
  id: string;
  matterId: string;
  createdAt: string;
}

export interface Visible<T> {
  seq: number;
  item: T;
  caseId: string;
  /** Whether becoming visible emits an event (items added at run time), or not (seeded history). */
  announce: boolean;
}

interface Pending<T> {
  item: T;
  announce: boolean;
}

export class Feed<T extends FeedItem> {
  readonly visible: Visible<T>[] = [];
  private readonly pending = new Map<string, Pending<T>[]>();
  private readonly byCase = new Map<string, Visible<T>[]>();
  private readonly byId = new Map<string, Visible<T>>();
  private readonly knownIds = new Set<string>();

  /** Adds an item; visible at once when its case exists (`caseId` given), pending otherwise. */
  add(item: T, announce: boolean, caseId: string | undefined): Visible<T> | undefined {
    if (this.knownIds.has(item.id)) throw new Error(`duplicate feed item id ${item.id}`);
    this.knownIds.add(item.id);
    if (caseId !== undefined) return this.show(item, announce, caseId);
    const list = this.pending.get(item.matterId) ?? [];
    list.push({ item, announce });
    this.pending.set(item.matterId, list);
    return undefined;
  }

  /** Called when the case for `matterId` is created: its pending items become visible. */
  reveal(matterId: string, caseId: string): Visible<T>[] {
    const list = this.pending.get(matterId);
    if (!list) return [];
    this.pending.delete(matterId);
    list.sort((a, b) => (a.item.createdAt < b.item.createdAt ? -1 : a.item.createdAt > b.item.createdAt ? 1 : 0));
    return list.map((p) => this.show(p.item, p.announce, caseId));
  }

  get(id: string): Visible<T> | undefined {
    return this.byId.get(id);
  }

  forCase(matterId: string): readonly Visible<T>[] {
    return this.byCase.get(matterId) ?? [];
  }

  get pendingCount(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }

  /** The first value `pick` finds among a matter's items, visible before pending (e.g. its first thread id). */
  firstValue<K>(matterId: string, pick: (item: T) => K | undefined): K | undefined {
    for (const v of this.byCase.get(matterId) ?? []) {
      const k = pick(v.item);
      if (k !== undefined) return k;
    }
    for (const p of this.pending.get(matterId) ?? []) {
      const k = pick(p.item);
      if (k !== undefined) return k;
    }
    return undefined;
  }

  private show(item: T, announce: boolean, caseId: string): Visible<T> {
    const visible: Visible<T> = { seq: this.visible.length + 1, item, caseId, announce };
    this.visible.push(visible);
    this.byId.set(item.id, visible);
    const list = this.byCase.get(item.matterId) ?? [];
    list.push(visible);
    this.byCase.set(item.matterId, list);
    return visible;
  }
}
