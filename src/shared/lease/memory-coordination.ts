import type { Decision, LeaseDoc } from './rules.js';
import type { LedgerEntry } from './wire.js';
import type { CoordinationStorage } from './coordination-port.js';

/**
 * The lease and ledger in memory: for the Case Status simulator, which keeps all its state in memory. A
 * decision runs synchronously, so it cannot interleave with another.
 */
export class MemoryCoordination implements CoordinationStorage {
  private readonly docs = new Map<string, LeaseDoc>();
  private readonly ledgers = new Map<string, Map<string, LedgerEntry>>();

  async transact<T>(firmId: string, decide: (doc: LeaseDoc | undefined) => Decision<T>): Promise<T> {
    const current = this.docs.get(firmId);
    const decision = decide(current && structuredClone(current));
    this.docs.set(firmId, decision.doc);
    if (decision.ledger?.length) {
      const ledger = this.ledgers.get(firmId) ?? new Map<string, LedgerEntry>();
      for (const e of decision.ledger) ledger.set(e.key, { ...e });
      this.ledgers.set(firmId, ledger);
    }
    return decision.result;
  }

  async readLedger(firmId: string, afterSeq: number, limit: number): Promise<LedgerEntry[]> {
    const entries = [...(this.ledgers.get(firmId)?.values() ?? [])].filter((e) => e.seq > afterSeq);
    return entries.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }
}
