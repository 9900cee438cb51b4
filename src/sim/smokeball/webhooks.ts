/**
 * Webhook subscriptions and delivery, as Smokeball documents them: POST a JSON envelope to the
 * subscription's URL with `Timestamp`, `RequestId` and (when a key was given) `Signature` headers, 10 s
 * timeout. Delivery is at-least-once and unordered; faults can drop, duplicate or hold back deliveries,
 * and failed attempts are retried with exponential backoff (retry policy is a [GUESS]: undocumented).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { PendingWork } from '../common/pending-work.js';
import { msToTicks } from '../common/ticks.js';
import type { Rng } from '../common/random.js';
import type { TickClock } from './clock.js';
import type { WebhookFaultConfig } from './options.js';
import { signWebhook } from '../../shared/smokeball-signature.js';
import { stringifyWire } from './wire-json.js';

/** The event types GET /webhooks/types returns (the documented list plus later changelog additions). */
export const WEBHOOK_EVENT_TYPES: readonly string[] = [
  'activitycode.created',
  'activitycode.deleted',
  'activitycode.updated',
  'archive.updated',
  'billingconfiguration.updated',
  'contact.created',
  'contact.deleted',
  'contact.restored',
  'contact.updated',
  'expense.created',
  'expense.deleted',
  'expense.updated',
  'event.created',
  'event.updated',
  'files.updated',
  'fee.created',
  'fee.deleted',
  'fee.updated',
  'firm.updated',
  'firmuser.updated',
  'invoice.created',
  'invoice.finalized',
  'invoice.updated',
  'layoutdesign.updated',
  'layoutmatter.created',
  'layoutmatter.updated',
  'mattertype.updated',
  'matter.closed',
  'matter.converted',
  'matter.created',
  'matter.updated',
  'matteritems.updated',
  'matterstage.updated',
  'memo.created',
  'memo.updated',
  'memo.deleted',
  'memo.restored',
  'roles.updated',
  'staff.created',
  'staff.updated',
  'stageset.created',
  'stageset.updated',
  'task.created',
  'task.updated',
  'task.deleted',
  'user.registered',
  'user.unregistered',
  'error',
];

export type EventSource = 'API' | 'Smokeball';

export interface WebhookEvent {
  type: string;
  source: EventSource;
  /** The caller's RequestId header, or one generated for the change. */
  requestId: string;
  userId?: string | null;
  payload: unknown;
  /** Ticks of the change. */
  occurredAt: bigint;
}

export interface SubscriptionRecord {
  id: string;
  seq: number;
  accountId: string;
  name: string;
  eventTypes: string[];
  eventNotificationUrl: string;
  key: string | null;
  createdDateUtc: string;
  updatedDateUtc: string;
  lastUpdated: bigint;
  /** The OAuth grant (refresh-token family) that created it; revoking or expiring the grant deletes it. */
  grantId: string | null;
}

export type DeliveryOutcome = 'delivered' | 'http-error' | 'timeout' | 'network-error' | 'dropped' | 'abandoned';

export interface DeliveryLogEntry {
  /** One per copy of an event sent to one subscription (a duplicate is a second copy). */
  deliveryId: string;
  eventId: string;
  subscriptionId: string;
  type: string;
  source: EventSource;
  requestId: string;
  url: string;
  /** 1 for the first try; 0 when the delivery was dropped by a fault. */
  attempt: number;
  outcome: DeliveryOutcome;
  status?: number;
  duplicate: boolean;
  heldBack: boolean;
  at: string;
}

export interface SubscriptionInput {
  name?: string | null;
  eventTypes: string[];
  eventNotificationUrl: string;
  key?: string | null;
}

interface Copy {
  deliveryId: string;
  eventId: string;
  subscriptionId: string;
  event: WebhookEvent;
  duplicate: boolean;
  heldBack: boolean;
}

export class WebhookDispatcher {
  private readonly subs = new Map<string, SubscriptionRecord>();
  private subSeq = 0;
  readonly log: DeliveryLogEntry[] = [];
  private readonly work = new PendingWork();
  private readonly inFlight = new Set<http.ClientRequest>();
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private closed = false;

  constructor(
    private readonly accountId: string,
    private readonly clientId: string,
    public faults: WebhookFaultConfig,
    private readonly rng: Rng,
    private readonly clock: TickClock,
  ) {}

  get pending(): number {
    return this.work.pending;
  }

  // ---- subscriptions ----

  list(): SubscriptionRecord[] {
    return [...this.subs.values()];
  }

  get(id: string): SubscriptionRecord | undefined {
    return this.subs.get(id);
  }

  create(input: SubscriptionInput, grantId: string | null): SubscriptionRecord {
    const now = new Date().toISOString();
    const record: SubscriptionRecord = {
      id: randomUUID(),
      seq: this.subSeq++,
      accountId: this.accountId,
      name: input.name ?? '',
      eventTypes: [...input.eventTypes],
      eventNotificationUrl: input.eventNotificationUrl,
      key: input.key ?? null,
      createdDateUtc: now,
      updatedDateUtc: now,
      lastUpdated: this.clock.next(),
      grantId,
    };
    this.subs.set(record.id, record);
    return record;
  }

  update(record: SubscriptionRecord, input: SubscriptionInput): SubscriptionRecord {
    record.name = input.name ?? record.name;
    record.eventTypes = [...input.eventTypes];
    record.eventNotificationUrl = input.eventNotificationUrl;
    if (input.key !== undefined) record.key = input.key;
    record.updatedDateUtc = new Date().toISOString();
    record.lastUpdated = this.clock.next();
    return record;
  }

  delete(id: string): boolean {
    return this.subs.delete(id);
  }

  /** Smokeball (since 2025-05-30) deletes subscriptions when the grant's refresh token expires or is revoked. */
  deleteForGrant(grantId: string): number {
    let n = 0;
    for (const [id, sub] of this.subs) {
      if (sub.grantId === grantId) {
        this.subs.delete(id);
        n += 1;
      }
    }
    return n;
  }

  // ---- delivery ----

  /** Sends the event to every subscription that asked for its type. */
  emit(event: WebhookEvent): void {
    if (this.closed) return;
    for (const sub of this.subs.values()) {
      if (sub.eventTypes.includes(event.type)) this.dispatch(sub, event);
    }
  }

  /** POST /webhooks/{id}/notify: a `noop` event to one subscription. */
  notify(sub: SubscriptionRecord, event: WebhookEvent): void {
    if (!this.closed) this.dispatch(sub, event);
  }

  idle(): Promise<void> {
    return this.work.idle();
  }

  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.work.cancelAll();
  }

  private dispatch(sub: SubscriptionRecord, event: WebhookEvent): void {
    const f = this.faults;
    const eventId = randomUUID();
    const base = { eventId, subscriptionId: sub.id, event, duplicate: false, heldBack: false };
    if (this.rng() < f.dropRate) {
      this.record({ ...base, deliveryId: randomUUID() }, sub.eventNotificationUrl, 0, 'dropped');
      return;
    }
    const heldBack = this.rng() < f.reorderRate;
    const duplicate = this.rng() < f.duplicateRate;
    const delay = heldBack ? f.holdBackMs * (0.25 + 0.75 * this.rng()) : 0;
    this.schedule(delay, { ...base, deliveryId: randomUUID(), heldBack }, 1);
    if (duplicate) {
      this.schedule(delay + 10 + this.rng() * 100, { ...base, deliveryId: randomUUID(), heldBack, duplicate: true }, 1);
    }
  }

  private schedule(delayMs: number, copy: Copy, attempt: number, alreadyPending = false): void {
    if (!alreadyPending) this.work.add();
    this.work.later(delayMs, () => void this.attempt(copy, attempt));
  }

  private async attempt(copy: Copy, attempt: number): Promise<void> {
    if (this.closed) return;
    const sub = this.subs.get(copy.subscriptionId);
    if (!sub) {
      // Deleted since the event fired (e.g. the grant was revoked): Smokeball stops sending.
      this.record(copy, '', attempt, 'abandoned');
      this.finish();
      return;
    }
    const envelope: Record<string, unknown> = {
      accountId: this.accountId,
      ...(copy.event.userId ? { userId: copy.event.userId } : {}),
      subscriptionId: sub.id,
      type: copy.event.type,
      source: copy.event.source,
      payload: copy.event.payload,
      timestamp: copy.event.occurredAt,
    };
    const timestamp = msToTicks(Date.now()).toString();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      Timestamp: timestamp,
      RequestId: copy.event.requestId,
    };
    if (sub.key) headers.Signature = signWebhook(sub.key, timestamp, copy.event.requestId, this.clientId);

    const result = await this.post(sub.eventNotificationUrl, headers, stringifyWire(envelope));
    if (this.closed) return;
    this.record(copy, sub.eventNotificationUrl, attempt, result.outcome, result.status);
    if (result.outcome === 'delivered' || attempt > this.faults.retries) {
      this.finish();
      return;
    }
    this.schedule(this.faults.retryBackoffMs * 2 ** (attempt - 1), copy, attempt + 1, true);
  }

  private post(url: string, headers: Record<string, string>, body: string): Promise<{ outcome: DeliveryOutcome; status?: number }> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ outcome: 'network-error' });
        return;
      }
      const secure = target.protocol === 'https:';
      const payload = Buffer.from(body, 'utf8');
      const req = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: { ...headers, 'Content-Length': String(payload.length) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          res.resume(); // the body is not used; drain it so the socket can be reused
          res.on('end', () => {
            clearTimeout(timer);
            this.inFlight.delete(req);
            resolve({ outcome: status >= 200 && status < 300 ? 'delivered' : 'http-error', status });
          });
          // The receiver (or our timeout) cut the response short.
          res.on('error', () => undefined);
          res.on('close', () => {
            clearTimeout(timer);
            this.inFlight.delete(req);
            if (!res.complete) resolve({ outcome: timedOut ? 'timeout' : 'network-error' });
          });
        },
      );
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
      }, this.faults.timeoutMs);
      this.inFlight.add(req);
      req.on('error', () => {
        clearTimeout(timer);
        this.inFlight.delete(req);
        resolve({ outcome: timedOut ? 'timeout' : 'network-error' });
      });
      req.end(payload);
    });
  }

  private record(copy: Copy, url: string, attempt: number, outcome: DeliveryOutcome, status?: number): void {
    this.log.push({
      deliveryId: copy.deliveryId,
      eventId: copy.eventId,
      subscriptionId: copy.subscriptionId,
      type: copy.event.type,
      source: copy.event.source,
      requestId: copy.event.requestId,
      url,
      attempt,
      outcome,
      ...(status !== undefined ? { status } : {}),
      duplicate: copy.duplicate,
      heldBack: copy.heldBack,
      at: new Date().toISOString(),
    });
  }

  private finish(): void {
    this.work.done();
  }
}
