import type { SecretStore } from '../sync/index.js';

/**
 * A secret store that remembers every value passing through it (read or written), so the log redaction can blank
 * out those exact values wherever they turn up, whatever the text around them looks like. Values stored as JSON
 * (the Smokeball token set) are also split into their string members: the access token appears in logs alone, not
 * as the JSON it is kept in. Remembered values stay only in this process's memory.
 */
export interface RememberingSecretStore extends SecretStore {
  /** Every secret value seen so far (including ones since deleted: a deleted token may still be in an old error). */
  knownSecrets(): string[];
}

export function rememberSecrets(inner: SecretStore): RememberingSecretStore {
  const seen = new Set<string>();
  const remember = (value: string | undefined): void => {
    if (typeof value !== 'string' || value === '') return;
    seen.add(value);
    for (const part of jsonStrings(value)) seen.add(part);
  };
  return {
    async get(key) {
      const value = await inner.get(key);
      remember(value);
      return value;
    },
    async set(key, value) {
      remember(value);
      await inner.set(key, value);
    },
    delete: (key) => inner.delete(key),
    knownSecrets: () => [...seen],
  };
}

function jsonStrings(value: string): string[] {
  if (!value.startsWith('{') && !value.startsWith('[')) return [];
  try {
    const out: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(JSON.parse(value));
    return out;
  } catch {
    return [];
  }
}
