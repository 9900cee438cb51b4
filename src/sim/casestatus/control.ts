import type { FaultInjector } from '../common/faults.js';
import type { RequestStats } from '../common/request-stats.js';
import type { ApiKeyAuth } from './auth.js';
import type { EventDeliveryConfig, EventDispatcher, EventFaultConfig, EventLogEntry, EventStats } from './events.js';
import type { KeyedRateLimiter, RateLimitConfig } from './rate-limit.js';
import { clientView } from './state/clients.js';
import type { AddDocumentInput, AddedDocument, AddedMessage, AddMessageInput, FirmState } from './state/firm-state.js';
import type { CaseStatusValue, CaseView, ClientView, DocumentView, MessageView, PracticeAreaView, StageChange } from './wire.js';

/**
 * In-process control of a running simulator: what tests inspect (cases, stage changes, events) and what
 * they drive (a client posts a message, staff share a document, the limits change). The same operations
 * are served over HTTP under /_sim/ (routes/control.ts).
 */
export interface CaseStatusControl {
  /** Snapshot, keyed by external id (the Smokeball matter id). */
  cases(): Map<string, CaseView>;
  /** Snapshot, keyed by external id (the Smokeball contact id). */
  clients(): Map<string, ClientView>;
  /** Every stage change in the order recorded; creating a case with a stage counts as a change from null. */
  stageChanges(): StageChange[];
  practiceAreas(): PracticeAreaView[];
  /** Visible messages in feed order. */
  messages(): MessageView[];
  /** Visible documents in feed order (async: digests may still be computing). */
  documents(): Promise<DocumentView[]>;
  /** Messages and documents waiting for their case to be created. */
  pending(): { messages: number; documents: number };
  /** A message posted in Case Status; visible (and announced by event) once its case exists. */
  addMessage(input: AddMessageInput): AddedMessage;
  /** A document shared in Case Status; visible (and announced by event) once its case exists. */
  addDocument(input: AddDocumentInput): AddedDocument;
  /** A change firm staff make in the portal (close, reopen, move stage); raises case.updated. */
  updateCase(externalId: string, patch: { status?: CaseStatusValue; stage?: string | null }): CaseView;
  setRateLimit(config: RateLimitConfig | false): void;
  /** Rotates the firm's API key: requests with the old key get 401 from now on. */
  setApiKey(apiKey: string): void;
  setEventWebhook(url: string | null, secret?: string): void;
  setEventFaults(faults: Partial<EventFaultConfig>): void;
  setEventDelivery(delivery: Partial<EventDeliveryConfig>): void;
  events(): EventLogEntry[];
  eventStats(): EventStats;
  /** Resolves when every event emitted so far is delivered, dropped or given up on. */
  whenIdle(): Promise<void>;
}

export interface ControlDeps {
  state: FirmState;
  events: EventDispatcher;
  limiter: KeyedRateLimiter;
  auth: ApiKeyAuth;
  stats: RequestStats;
  faults: FaultInjector;
}

export function createControl({ state, events, limiter, auth }: ControlDeps): CaseStatusControl {
  return {
    cases: () => new Map(state.cases.ordered.map((c) => [c.externalId, state.caseView(c)])),
    clients: () => new Map(state.clients.ordered.map((c) => [c.externalId, clientView(c)])),
    stageChanges: () => state.cases.stageChanges.map((c) => ({ ...c })),
    practiceAreas: () => state.practiceAreas.list(),
    messages: () => state.messages.visible.map((v) => state.messageView(v)),
    documents: () => Promise.all(state.documents.visible.map((v) => state.documentView(v))),
    pending: () => ({ messages: state.messages.pendingCount, documents: state.documents.pendingCount }),
    addMessage: (input) => state.addMessage(input),
    addDocument: (input) => state.addDocument(input),
    updateCase: (externalId, patch) => state.portalUpdateCase(externalId, patch),
    setRateLimit: (config) => limiter.set(config),
    setApiKey: (apiKey) => auth.setKey(apiKey),
    setEventWebhook: (url, secret) => events.setWebhook(url, secret),
    setEventFaults: (faults) => events.setFaults(faults),
    setEventDelivery: (delivery) => {
      events.delivery = { ...events.delivery, ...delivery };
    },
    events: () => [...events.log],
    eventStats: () => ({ ...events.stats }),
    whenIdle: () => events.whenIdle(),
  };
}
