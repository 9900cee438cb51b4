/**
 * The webhook relay: receives Smokeball webhooks and Case Status events for many firms, stores them, and
 * serves each firm's events to its desktop app by cursor with long polling. See docs/relay.md.
 */
export type { Logger } from '../shared/logger.js';
export { startRelayServer, RelayConfigError, DEFAULTS as RELAY_DEFAULTS } from './server.js';
export type { RelayServer, RelayServerOptions } from './server.js';
export { createRelayAdmin, RelayAdminError } from './admin.js';
export type { RelayAdmin, CreatedFirm, FirmSummary } from './admin.js';
export { openStorage, parseStorageUrl } from './storage/open.js';
export type { RelayStorage, StoredEvent, EventSource } from './storage/port.js';

export type { RelayEvent, RelayEventsPage, RelayFirmInfo } from '../shared/relay-wire.js';
export type * from '../shared/lease/wire.js';
