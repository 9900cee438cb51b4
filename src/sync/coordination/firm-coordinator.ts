import type { Database } from 'better-sqlite3';
import type { Logger } from '../ports.js';
import { LeaseClient, type InstallIdentity } from './lease-client.js';
import { LeaseKeeper, type LeaseKeeperOptions } from './lease-keeper.js';
import { LedgerReplicator } from './ledger-replicator.js';

export interface FirmCoordinator {
  client: LeaseClient;
  /** The lease, and the WriteFence to give the sync stack. */
  keeper: LeaseKeeper;
  /** Attaches the install's state database (the shared ledger's local copy); required before start. */
  attach(db: Database): void;
  /** Resolves once the first lease answer is in (see LeaseKeeper.start). */
  start(): Promise<void>;
  /** Releases the lease if held (after the caller stopped its writes). */
  stop(options?: { release?: boolean }): Promise<void>;
}

/**
 * Wires one install into its firm's coordination: the relay lease (LeaseKeeper, which is also the fence of
 * every request) and the shared ledger (LedgerReplicator: adopted on every grant, flushed before every send).
 */
export function createFirmCoordinator(
  options: {
    relayUrl: string;
    relayToken: string;
    identity: InstallIdentity;
    logger?: Logger;
  } & Pick<LeaseKeeperOptions, 'onRole' | 'onSyncRequested' | 'publishStatus' | 'standbyPollMs' | 'safetyMarginMs' | 'clock'>,
): FirmCoordinator {
  const client = new LeaseClient({ relayUrl: options.relayUrl, relayToken: options.relayToken });
  let replicator: LedgerReplicator | undefined;
  const keeper = new LeaseKeeper({
    ...options,
    client,
    flush: (lease) => replicator?.flush(lease) ?? Promise.resolve(),
    onGranted: async (lease, grant) => {
      if (!replicator) throw new Error('the state database is not attached to the coordinator');
      const adopted = await replicator.adopt(lease, { keepLocal: grant.resumed });
      options.logger?.info('shared ledger adopted', adopted);
    },
  });
  return {
    client,
    keeper,
    attach(db) {
      replicator?.close();
      replicator = new LedgerReplicator(db, client, options.identity.installId);
    },
    start() {
      if (!replicator) throw new Error('attach the state database before starting the coordinator');
      return keeper.start();
    },
    async stop(opts) {
      await keeper.stop(opts);
      replicator?.close();
    },
  };
}
