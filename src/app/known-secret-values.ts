import { SECRET_KEYS, type SecretStore, TOKENS_KEY } from '../sync/index.js';
import { rememberSecrets } from './known-secrets.js';

/** Every keychain entry the app uses. */
export const ALL_SECRET_KEYS = [...Object.values(SECRET_KEYS), TOKENS_KEY];

/**
 * Every secret the app keeps (values and, for the token set, its members), read from the keychain so a text can be
 * checked against them. The values stay in memory.
 */
export async function knownSecretValues(secrets: SecretStore): Promise<string[]> {
  const remembering = rememberSecrets(secrets);
  for (const key of ALL_SECRET_KEYS) await remembering.get(key);
  // Short members of the token set (its type, "Bearer") are not secrets and would blank ordinary words.
  return remembering.knownSecrets().filter((s) => s.length >= 8);
}
