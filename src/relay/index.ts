/**
 * The webhook relay: receives Smokeball webhooks and Case Status events for many firms, stores them, and
 * serves each firm's events to its desktop app by cursor with long polling. See docs/relay.md.
 */
export type { Logger } from '../sync/ports.js';
export { startRelayServer, RelayConfigError, DEFAULTS as RELAY_DEFAULTS } from './server.js';
export type { RelayServer, RelayServerOptions } from './server.js';
export { createRelayAdmin, RelayAdminError } from './admin.js';
export type { RelayAdmin, CreatedFirm, FirmSummary } from './admin.js';
export { openStorage, parseStorageUrl } from './storage/open.js';
export type { RelayStorage, StoredEvent, EventSource } from './storage/port.js';

/** One event as GET /v1/events serves it. */
export interface RelayEvent {
  cursor: string;
  source: 'smokeball' | 'casestatus';
  type: string;
  /** ISO time the relay stored it. */
  receivedAt: string;
  /** Smokeball's RequestId header; null for Case Status. */
  requestId: string | null;
  /** The dedupe identity: sha256('smokeball' + RequestId + raw body) for Smokeball, the envelope id for Case Status. */
  eventId: string;
  /** The webhook body as received. */
  body: unknown;
}

/** GET /v1/events answer. */
export interface RelayEventsPage {
  events: RelayEvent[];
  nextCursor: string;
  hasMore: boolean;
}

/** GET /v1/firm answer. */
export interface RelayFirmInfo {
  firmId: string;
  name: string;
  webhooks: { smokeball: { url: string; key: string }; caseStatus: { url: string } };
}
