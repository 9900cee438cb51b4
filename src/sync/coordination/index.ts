export { LeaseLostError, soleInstallFence, type WriteFence } from './write-fence.js';
export { asUnleasedRead, currentUnleasedRead, type UnleasedRead } from './unleased-read.js';
export { LeaseClient, LeaseCallError, type HeldLease, type InstallIdentity, type LeaseHolder } from './lease-client.js';
export { LeaseKeeper, type SyncRole, type LeaseKeeperOptions } from './lease-keeper.js';
export { LedgerReplicator, REPLICATED_TABLES } from './ledger-replicator.js';
export { createFirmCoordinator, type FirmCoordinator } from './firm-coordinator.js';
