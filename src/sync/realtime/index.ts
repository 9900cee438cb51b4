export { RealtimeSync, RELAY_CURSOR, backoffMs, type RealtimeOptions, type RealtimeSyncDeps } from './realtime-sync.js';
export { RelayClient, RelayError, isTokenRejected } from './relay-client.js';
export { routeEvent, SMOKEBALL_EVENT_TYPES, type Route, type RoutedEvent } from './event-router.js';
export { Coalescer, type Batch, type MatterHint } from './coalescer.js';
export { ensureWebhookSubscription, SUBSCRIPTION_CHECKPOINT, type SubscriptionCheck } from './subscription.js';
export { ownRequestIdCheck } from './loop-protection.js';
export { isAlreadyApplied, readTicks, type Ticks } from './version-guard.js';
export type { RealtimeMetrics, RealtimeState, RealtimeStatus, RelayEvent, RelayFirm, SubscriptionState } from './types.js';
