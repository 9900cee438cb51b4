/** Shapes shared by the real-time path: the relay's events (see the relay contract) and the status the UI shows. */

import type { RelayEventsPage as RelayWirePage, RelayFirmInfo } from '../../shared/relay-wire.js';

export type { RelayEvent } from '../../shared/relay-wire.js';

/** GET /v1/events as the app receives it: each event is untrusted input until the router has checked it. */
export type RelayEventsPage = Omit<RelayWirePage, 'events'> & { events: unknown[] };

/** GET /v1/firm: where Smokeball must send this firm's webhooks. `key` signs them: a secret, kept in memory only. */
export type RelayFirm = RelayFirmInfo;

/** `degraded` = the relay is unreachable and the fallback incremental sync is running instead. */
export type RealtimeState = 'off' | 'connecting' | 'live' | 'degraded';

export type SubscriptionState = 'ok' | 'created' | 'recreated' | 'failed' | 'unknown';

export interface RealtimeStatus {
  state: RealtimeState;
  reason: string | null;
  lastEventAt: string | null;
  eventsApplied: number;
  subscription: SubscriptionState;
}

/** Counters for tests, the benchmark and diagnostics. */
export interface RealtimeMetrics {
  /** Events read from the relay (each once per fetch; a re-fetch after a failed apply counts again). */
  received: number;
  /** Events that named something to re-read (matter, stage, contact). */
  actionable: number;
  /** Events caused by the app's own writes (their RequestId is ours). */
  ownEchoes: number;
  /** Events with a known shape that need nothing from us (memo events, noop, portal stage edits...). */
  ignored: number;
  /** Events that could not be read (missing fields, wrong types): logged and skipped. */
  malformed: number;
  /** Stage hints older than the stage already applied: dropped without a Smokeball request. */
  staleHints: number;
  /** Message/document events passed on to the write-back job. */
  writebackPokes: number;
  /** Engine refreshes run for batches of events. */
  refreshes: number;
  /** Refreshes that failed (batch kept and retried). */
  refreshFailures: number;
  /** Fallback incremental syncs run while the relay was unreachable. */
  fallbackRuns: number;
  /** Failed relay polls. */
  relayErrors: number;
  /** Relay polls answered 429 (read more slowly): waited out, not counted as failures. */
  relayThrottled: number;
  /** Times a loop failed unexpectedly and was started again. */
  loopRestarts: number;
}

export const emptyMetrics = (): RealtimeMetrics => ({
  received: 0,
  actionable: 0,
  ownEchoes: 0,
  ignored: 0,
  malformed: 0,
  staleHints: 0,
  writebackPokes: 0,
  refreshes: 0,
  refreshFailures: 0,
  fallbackRuns: 0,
  relayErrors: 0,
  relayThrottled: 0,
  loopRestarts: 0,
});
