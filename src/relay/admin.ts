import { randomUUID } from 'node:crypto';
import type { RelayStorage } from './storage/port.js';
import { hashToken, newCaseStatusSecret, newFirmToken, newSmokeballKey } from './tokens.js';
import { DEFAULT_PAIRING_TTL_MS, hashPairingCode, newPairingCode } from './pairing.js';

export interface CreatedFirm {
  firmId: string;
  /** Shown once: only its sha256 is stored. */
  token: string;
  smokeballKey: string;
  caseStatusSecret: string;
}

export interface FirmSummary {
  firmId: string;
  name: string;
  createdAt: string;
}

export interface RelayAdmin {
  createFirm(input: { name: string }): Promise<CreatedFirm>;
  /** A new firm token; the old one and every paired install's token stop working at once. */
  rotateToken(firmId: string): Promise<{ token: string }>;
  /** A token for one more install of the firm (a pairing): every token issued before keeps working. */
  issueInstallToken(firmId: string): Promise<{ token: string }>;
  listFirms(): Promise<FirmSummary[]>;
  /** A single-use code the firm's app exchanges for the relay address and a new token (src/relay/pairing.ts). */
  createPairingCode(firmId: string, ttlMs?: number): Promise<{ code: string; expiresAt: string }>;
}

/** A bad admin request (blank name, unknown firm): the message is safe to print. */
export class RelayAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayAdminError';
  }
}

const MAX_NAME_LENGTH = 200;

export function createRelayAdmin(storage: RelayStorage, now: () => number = Date.now): RelayAdmin {
  return {
    async createFirm({ name }) {
      const trimmed = typeof name === 'string' ? name.trim() : '';
      if (trimmed === '') throw new RelayAdminError('a firm needs a name');
      if (trimmed.length > MAX_NAME_LENGTH) throw new RelayAdminError(`a firm name is at most ${MAX_NAME_LENGTH} characters`);
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
      if (/[\u0000-\u001f\u007f-\u009f]/.test(trimmed))
        throw new RelayAdminError('a firm name cannot contain control characters (escape sequences, tabs or new lines)');
      const created: CreatedFirm = {
        firmId: randomUUID(),
        token: newFirmToken(),
        smokeballKey: newSmokeballKey(),
        caseStatusSecret: newCaseStatusSecret(),
      };
      await storage.createFirm({
        id: created.firmId,
        name: trimmed,
        tokenHash: hashToken(created.token),
        smokeballKey: created.smokeballKey,
        caseStatusSecret: created.caseStatusSecret,
        createdAt: new Date(now()),
      });
      return created;
    },

    async rotateToken(firmId) {
      const token = newFirmToken();
      if (!(await storage.setTokenHash(firmId, hashToken(token)))) throw new RelayAdminError(`no firm with id ${firmId}`);
      return { token };
    },

    async issueInstallToken(firmId) {
      const token = newFirmToken();
      if (!(await storage.addInstallToken(firmId, hashToken(token), new Date(now())))) throw new RelayAdminError(`no firm with id ${firmId}`);
      return { token };
    },

    async createPairingCode(firmId, ttlMs = DEFAULT_PAIRING_TTL_MS) {
      if (!(await storage.firmById(firmId))) throw new RelayAdminError(`no firm with id ${firmId}`);
      if (!Number.isFinite(ttlMs) || ttlMs < 60_000 || ttlMs > 7 * 86_400_000) throw new RelayAdminError('a pairing code lives from 1 minute to 7 days');
      const code = newPairingCode();
      const expiresAt = new Date(now() + ttlMs);
      await storage.savePairingCode({ codeHash: hashPairingCode(code), firmId, expiresAt });
      return { code, expiresAt: expiresAt.toISOString() };
    },

    async listFirms() {
      return (await storage.listFirms()).map((f) => ({ firmId: f.id, name: f.name, createdAt: f.createdAt.toISOString() }));
    },
  };
}
