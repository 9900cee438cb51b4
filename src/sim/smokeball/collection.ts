/**
 * In-memory indexes that keep list endpoints cheap on a 20,000-matter firm: lookups by id, a stable
 * creation order (the default list order, so offset paging stays stable while records change), and a
 * list sorted by `lastUpdated` so `UpdatedSince` is a binary search instead of a scan.
 */

export interface Sequenced {
  id: string;
  /** Creation order; the default sort of every list. */
  seq: number;
}

/** Records by id plus creation order. `version` changes on every mutation (query caches key on it). */
export class Collection<T extends Sequenced> {
  private readonly byId = new Map<string, T>();
  private readonly ordered: T[] = [];
  private nextSeq = 0;
  version = 0;

  get size(): number {
    return this.ordered.length;
  }

  /** Adds a record (the caller hands over a fresh object), assigning its creation sequence. */
  add(record: Omit<T, 'seq'>): T {
    const stored = record as T;
    stored.seq = this.nextSeq++;
    this.byId.set(stored.id, stored);
    this.ordered.push(stored);
    this.version += 1;
    return stored;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  /** All records in creation order. Callers must not mutate the array. */
  all(): readonly T[] {
    return this.ordered;
  }

  changed(): void {
    this.version += 1;
  }
}

interface HasLastUpdated {
  lastUpdated: bigint;
}

/**
 * Records sorted ascending by `lastUpdated`. Changes always move a record to (near) the end.
 *
 * Built lazily from the collection on first use, so startup does not pay for sorting tens of thousands of
 * records that may never be asked for by date. Until then insert/remove are no-ops: the build reads the
 * records' current values.
 */
export class UpdatedIndex<T extends HasLastUpdated> {
  private items: T[] = [];
  private built = false;

  constructor(private readonly source: () => readonly T[]) {}

  private ensure(): void {
    if (this.built) return;
    this.built = true;
    // A comparator sort over bigints is slow; sort on the (rounded) double value, then an insertion pass
    // restores exact order among near-equal neighbours.
    const keyed = this.source().map((item) => ({ item, key: Number(item.lastUpdated) }));
    keyed.sort((a, b) => a.key - b.key);
    const items = keyed.map((k) => k.item);
    for (let i = 1; i < items.length; i++) {
      const cur = items[i] as T;
      let j = i - 1;
      while (j >= 0 && (items[j] as T).lastUpdated > cur.lastUpdated) {
        items[j + 1] = items[j] as T;
        j--;
      }
      items[j + 1] = cur;
    }
    this.items = items;
  }

  insert(item: T): void {
    if (!this.built) return;
    const last = this.items[this.items.length - 1];
    if (last === undefined || item.lastUpdated >= last.lastUpdated) {
      this.items.push(item);
      return;
    }
    this.items.splice(this.upperBound(item.lastUpdated), 0, item);
  }

  remove(item: T): void {
    if (!this.built) return;
    // Several records can share a tick value (seeded data); scan that run for the identical object.
    for (let i = this.lowerBound(item.lastUpdated); i < this.items.length; i++) {
      const candidate = this.items[i] as T;
      if (candidate === item) {
        this.items.splice(i, 1);
        return;
      }
      if (candidate.lastUpdated !== item.lastUpdated) break;
    }
    const index = this.items.indexOf(item); // should not happen; keeps the index honest if it does
    if (index >= 0) this.items.splice(index, 1);
  }

  /** Records with lastUpdated strictly greater than `ticks`, ascending. */
  after(ticks: bigint): T[] {
    this.ensure();
    return this.items.slice(this.upperBound(ticks));
  }

  ascending(): readonly T[] {
    this.ensure();
    return this.items;
  }

  private lowerBound(ticks: bigint): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.items[mid] as T).lastUpdated < ticks) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private upperBound(ticks: bigint): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.items[mid] as T).lastUpdated <= ticks) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Remembers the result of a filtered/sorted query until the collection changes, so walking 40 pages of
 * the same query filters and sorts once, not 40 times.
 */
export class QueryCache<T> {
  private readonly entries = new Map<string, { version: number | string; result: readonly T[] }>();

  constructor(private readonly capacity = 32) {}

  get(key: string, version: number | string, compute: () => readonly T[]): readonly T[] {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) return hit.result;
    const result = compute();
    this.entries.delete(key);
    this.entries.set(key, { version, result });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return result;
  }
}
