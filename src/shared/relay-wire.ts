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

/** POST /v1/pair body: a pairing code the relay's operator issued (`relay firm pair`). */
export interface RelayPairRequest {
  code: string;
}

/** POST /v1/pair answer: the firm's token (shown once; the app keeps it in the keychain) and the relay's address. */
export interface RelayPairAnswer {
  relayUrl: string;
  token: string;
  firmName: string;
}

/**
 * A pairing code as typed: case and separators do not matter ("k7qf 2m9x-pl4d" is "K7QF2M9XPL4D"). Crockford's
 * alphabet has no I, L, O or U, so the look-alikes are read as the digits they resemble.
 */
export function normalizePairingCode(text: string): string {
  return text.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}
