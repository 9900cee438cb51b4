/**
 * Query parameters as ASP.NET binds them: names are case-insensitive and arrays are repeated keys
 * (`Status=Open&Status=Pending`).
 */
export class Query {
  private readonly values = new Map<string, string[]>();
  /** The pairs in request order, for rebuilding paging links. */
  readonly pairs: Array<[string, string]> = [];

  constructor(url: string) {
    const q = url.indexOf('?');
    if (q === -1) return;
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
      this.pairs.push([k, v]);
      const key = k.toLowerCase();
      const list = this.values.get(key);
      if (list) list.push(v);
      else this.values.set(key, [v]);
    }
  }

  /** The first value of a parameter (empty strings count as absent, as model binding treats them). */
  get(name: string): string | undefined {
    const v = this.values.get(name.toLowerCase())?.find((x) => x !== '');
    return v;
  }

  all(name: string): string[] {
    return (this.values.get(name.toLowerCase()) ?? []).filter((x) => x !== '');
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

/** Parses a boolean query value; undefined when absent, throws on junk via the caller's check. */
export function parseBool(value: string | undefined): boolean | undefined | 'invalid' {
  if (value === undefined) return undefined;
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return 'invalid';
}
