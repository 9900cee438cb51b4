import type { Logger } from '../shared/logger.js';
import type { FirmKeyCache } from './firm-cache.js';
import type { LeasePolicy } from '../shared/lease/rules.js';
import type { FirmQuotas } from './firm-quotas.js';
import type { FirmSlots } from './firm-slots.js';
import type { EventBell } from './long-poll.js';
import type { RelayStorage } from './storage/port.js';

/** What the routes share: storage, the long-poll bell and the resolved settings. */
export interface RelayContext {
  storage: RelayStorage;
  bell: EventBell;
  firmKeys: FirmKeyCache;
  logger: Logger;
  smokeballClientId: string;
  maxClockSkewSeconds: number;
  maxBodyBytes: number;
  longPollRecheckMs: number;
  /** A page of events is cut at this many bytes of bodies (and at `limit` events). */
  maxPageBytes: number;
  quotas: FirmQuotas;
  /** Smokeball webhooks of one firm in progress at once, and its queue. */
  ingestSlots: FirmSlots;
  now: () => number;
  /** The firm-wide sync lease: TTL, allowed clock skew, candidate freshness. */
  leasePolicy: LeasePolicy;
  /** Known once the server listens (it defaults to the listen URL). No trailing slash. */
  publicUrl: string;
}
