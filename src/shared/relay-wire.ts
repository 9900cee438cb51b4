/**
 * The relay's HTTP answers: the contract between the relay service and the app's poller (src/sync/realtime).
 * Types only, so the app can import them without pulling in any server code.
 */

/** One event as GET /v1/events serves it. */
export interface RelayEvent {
  cursor: string;
  source: 'smokeball' | 'casestatus';
  type: string;
  /** ISO time the relay stored it. */
  receivedAt: string;
  /** Smokeball's RequestId header; null for Case Status. */
  requestId: string | null;
  /** The dedupe identity: sha256 of (RequestId, type) for Smokeball (its signature does not cover the body), the envelope id for Case Status. */
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
