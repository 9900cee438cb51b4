import type { RelayStorage } from './storage/port.js';

export interface WebhookKeys {
  firmId: string;
  smokeballKey: string;
  caseStatusSecret: string;
}

/**
 * The webhook keys of recently seen firms. Every webhook needs them, and they never change after a firm is
 * created (only the app's token rotates, and that is never cached), so a short-lived cache saves one
 * storage read per webhook. Unknown firm ids are not cached, so random ids cannot fill memory.
 */
export class FirmKeyCache {
  private readonly entries = new Map<string, { keys: WebhookKeys; expires: number }>();

  constructor(
    private readonly storage: RelayStorage,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  async get(firmId: string): Promise<WebhookKeys | undefined> {
    const now = Date.now();
    const hit = this.entries.get(firmId);
    if (hit && hit.expires > now) return hit.keys;
    const firm = await this.storage.firmById(firmId);
    if (!firm) {
      this.entries.delete(firmId);
      return undefined;
    }
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const keys = { firmId: firm.id, smokeballKey: firm.smokeballKey, caseStatusSecret: firm.caseStatusSecret };
    this.entries.set(firmId, { keys, expires: now + this.ttlMs });
    return keys;
  }
}
