import { createRng, type Rng } from '../common/random.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signEvent } from '../../shared/casestatus-signature.js';
import type { CaseStatusEvent, EventType } from './wire.js';

/**
 * Outgoing Case Status events (webhooks). Each event is POSTed as JSON to the configured URL, signed
 * (see src/shared/casestatus-signature.ts), and retried with exponential backoff until a 2xx or maxAttempts. Delivery is
 * at-least-once and unordered, like the real thing: the fault knobs drop some events entirely and deliver
 * others twice, so the app must treat events as hints and keep its polling fallback.
 */
export interface EventFaultConfig {
  /** Share of events delivered twice (same id and body, second delivery after the first succeeded). */
  duplicateRate: number;
  /** Share of events never delivered at all. */
  dropRate: number;
}

export interface EventDeliveryConfig {
  maxAttempts: number;
  initialRetryDelayMs: number;
  maxRetryDelayMs: number;
  timeoutMs: number;
  /** Deliveries in flight at once; with more than one, events can arrive out of order. */
  concurrency: number;
}

export const NO_EVENT_FAULTS: EventFaultConfig = { duplicateRate: 0, dropRate: 0 };
export const DEFAULT_EVENT_DELIVERY: EventDeliveryConfig = {
  maxAttempts: 6,
  initialRetryDelayMs: 500,
  maxRetryDelayMs: 30_000,
  timeoutMs: 10_000,
  concurrency: 4,
};

export type DeliveryStatus = 'queued' | 'delivered' | 'dropped' | 'failed' | 'no_webhook' | 'cancelled';

export interface EventLogEntry {
  event: CaseStatusEvent;
  status: DeliveryStatus;
  /** HTTP attempts made (including retries and the duplicate's). */
  attempts: number;
  /** Successful (2xx) deliveries: 2 when duplicated. */
  deliveries: number;
  duplicated: boolean;
  lastError?: string;
}

export interface EventStats {
  emitted: number;
  delivered: number;
  duplicated: number;
  dropped: number;
  failed: number;
  noWebhook: number;
  attempts: number;
  failedAttempts: number;
}

export interface EventDispatcherOptions {
  firmId: string;
  newId: () => string;
  now: () => string;
  webhookUrl: string | null;
  secret: string;
  faults: EventFaultConfig;
  delivery: EventDeliveryConfig;
  seed: number;
}

export class EventDispatcher {
  readonly log: EventLogEntry[] = [];
  readonly stats: EventStats = {
    emitted: 0,
    delivered: 0,
    duplicated: 0,
    dropped: 0,
    failed: 0,
    noWebhook: 0,
    attempts: 0,
    failedAttempts: 0,
  };
  faults: EventFaultConfig;
  delivery: EventDeliveryConfig;
  private webhookUrl: string | null;
  private secret: string;
  private readonly rng: Rng;
  private readonly abort = new AbortController();
  private outstanding = 0;
  private idleWaiters: (() => void)[] = [];
  private active = 0;
  private slotWaiters: (() => void)[] = [];
  private readonly sleeps = new Set<() => void>();

  constructor(private readonly options: EventDispatcherOptions) {
    this.webhookUrl = options.webhookUrl;
    this.secret = options.secret;
    this.faults = { ...options.faults };
    this.delivery = { ...options.delivery };
    this.rng = createRng(options.seed);
  }

  get webhook(): { url: string | null; secret: string } {
    return { url: this.webhookUrl, secret: this.secret };
  }

  setWebhook(url: string | null, secret?: string): void {
    this.webhookUrl = url;
    if (secret !== undefined) this.secret = secret;
  }

  setFaults(faults: Partial<EventFaultConfig>): void {
    this.faults = { ...this.faults, ...faults };
  }

  /** Records an event and starts delivering it. `data` may still be computing (a document's digest). */
  emit<T>(type: EventType, data: T | Promise<T>): EventLogEntry {
    const event: CaseStatusEvent = {
      id: this.options.newId(),
      type,
      firmId: this.options.firmId,
      createdAt: this.options.now(),
      data: null,
    };
    const entry: EventLogEntry = { event, status: 'queued', attempts: 0, deliveries: 0, duplicated: false };
    this.log.push(entry);
    this.stats.emitted += 1;
    // Roll both faults now, in emission order, so a seeded run drops and duplicates the same events.
    const drop = this.rng() < this.faults.dropRate;
    const duplicate = this.rng() < this.faults.duplicateRate;
    this.outstanding += 1;
    void this.run(entry, data, drop, duplicate).finally(() => {
      this.outstanding -= 1;
      if (this.outstanding === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
    return entry;
  }

  /** Resolves when every emitted event is delivered, dropped or given up on. */
  whenIdle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.abort.abort();
    for (const wake of this.sleeps) wake();
    for (const wake of this.slotWaiters.splice(0)) wake();
  }

  private async run<T>(entry: EventLogEntry, data: T | Promise<T>, drop: boolean, duplicate: boolean): Promise<void> {
    try {
      entry.event.data = await data;
    } catch (err) {
      this.finish(entry, 'failed', `event data: ${String(err)}`);
      return;
    }
    if (this.webhookUrl === null) return this.finish(entry, 'no_webhook');
    if (drop) return this.finish(entry, 'dropped');
    const rawBody = JSON.stringify(entry.event);
    const copies = duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const outcome = await this.deliverWithRetries(entry, rawBody);
      if (outcome !== 'delivered') return this.finish(entry, outcome);
      entry.deliveries += 1;
    }
    entry.duplicated = duplicate;
    if (duplicate) this.stats.duplicated += 1;
    this.finish(entry, 'delivered');
  }

  private finish(entry: EventLogEntry, status: DeliveryStatus, error?: string): void {
    entry.status = status;
    if (error !== undefined) entry.lastError = error;
    if (status === 'delivered') this.stats.delivered += 1;
    else if (status === 'dropped') this.stats.dropped += 1;
    else if (status === 'failed') this.stats.failed += 1;
    else if (status === 'no_webhook') this.stats.noWebhook += 1;
  }

  private async deliverWithRetries(entry: EventLogEntry, rawBody: string): Promise<'delivered' | 'failed' | 'cancelled' | 'no_webhook'> {
    const { maxAttempts, initialRetryDelayMs, maxRetryDelayMs } = this.delivery;
    for (let attempt = 1; ; attempt++) {
      if (this.abort.signal.aborted) return 'cancelled';
      // Read the URL and secret per attempt so a reconfiguration redirects retries too.
      const url = this.webhookUrl;
      if (url === null) return 'no_webhook';
      const error = await this.withSlot(() => this.post(url, entry, rawBody, attempt));
      entry.attempts += 1;
      this.stats.attempts += 1;
      if (error === undefined) return 'delivered';
      this.stats.failedAttempts += 1;
      entry.lastError = error;
      if (attempt >= maxAttempts) return 'failed';
      await this.sleep(Math.min(maxRetryDelayMs, initialRetryDelayMs * 2 ** (attempt - 1)));
    }
  }

  /** One POST; returns undefined on 2xx, else a description of the failure. */
  private async post(url: string, entry: EventLogEntry, rawBody: string, attempt: number): Promise<string | undefined> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'CaseStatus-Webhooks/1.0 (simulator)',
          'x-casestatus-event-id': entry.event.id,
          'x-casestatus-event-type': entry.event.type,
          'x-casestatus-delivery-attempt': String(attempt),
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signEvent(this.secret, timestamp, rawBody),
        },
        body: rawBody,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.delivery.timeoutMs)]),
      });
      await response.arrayBuffer(); // drain so the connection can be reused
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (err) {
      return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }

  private async withSlot<R>(task: () => Promise<R>): Promise<R> {
    while (this.active >= Math.max(1, this.delivery.concurrency) && !this.abort.signal.aborted) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.slotWaiters.shift()?.();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }
}
