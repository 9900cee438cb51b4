/** Ports the engine depends on; adapters live elsewhere (keytar in electron/, memory for the CLI and tests). */

/** Secrets (OAuth tokens, API keys, relay token). Only ever backed by the OS keychain in the app. */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The logger port lives in the shared leaf (the relay uses it too); the engine's code keeps importing it from here. */
export { silentLogger, type Logger } from '../shared/logger.js';

/** In-process secret store: for tests and the demo, where secrets live only as long as the process. */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  async set(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}
