/**
 * Smokeball's `Search` parameter for contacts, staff and files: repeatable terms, ANDed, each
 * `field` + operator + `value` with operators `:` `:!` `:>` `:>=` `:<` `:<=`, `*` as wildcard,
 * case-insensitive. Unknown fields or malformed terms are a 400.
 */
import { badRequest } from './problem.js';

export type SearchPredicate<T> = (item: T) => boolean;

const TERM = /^([A-Za-z]+)(:!|:>=|:<=|:>|:<|:)(.*)$/s;

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'is');
}

/** Compiles terms to one predicate. `fields` maps a search field to the values it matches against. */
export function compileSearch<T>(terms: string[], fields: Record<string, (item: T) => string[]>): SearchPredicate<T> {
  const known = new Map(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
  const preds: SearchPredicate<T>[] = terms.map((term) => {
    const m = TERM.exec(term.trim());
    if (!m) throw badRequest('Search', `Invalid search term '${term}'. Expected field:value.`);
    const [, field = '', op = ':', raw = ''] = m;
    const values = known.get(field.toLowerCase());
    if (!values) throw badRequest('Search', `Unknown search field '${field}'. Allowed: ${Object.keys(fields).join(', ')}.`);
    const needle = raw.toLowerCase();
    const re = wildcard(raw);
    switch (op) {
      case ':':
        return (item) => values(item).some((v) => re.test(v));
      case ':!':
        return (item) => !values(item).some((v) => re.test(v));
      case ':>':
        return (item) => values(item).some((v) => v.toLowerCase() > needle);
      case ':>=':
        return (item) => values(item).some((v) => v.toLowerCase() >= needle);
      case ':<':
        return (item) => values(item).some((v) => v.toLowerCase() < needle);
      default:
        return (item) => values(item).some((v) => v.toLowerCase() <= needle);
    }
  });
  return (item) => preds.every((p) => p(item));
}
