import type { StateStore } from '../../store/index.js';
import type { SmokeballClient } from '../smokeball/client.js';
import { listAll } from '../smokeball/reads.js';
import { SMOKEBALL_EVENT_TYPES } from './event-router.js';

export interface SubscriptionCheck {
  state: 'ok' | 'created' | 'recreated' | 'failed';
  /** Plain words for the log and the UI; never contains the key. */
  detail: string;
  subscriptionId?: string;
}

interface SbSubscription {
  id: string;
  name?: string | null;
  eventTypes?: string[] | null;
  eventNotificationUrl?: string | null;
}

/** The subscription we made last (id and URL only: the key is a secret and stays in memory). */
export const SUBSCRIPTION_CHECKPOINT = 'realtime.subscription';
const SUBSCRIPTION_NAME = 'Case Status Sync';

const sameUrl = (a: string | null | undefined, b: string) => typeof a === 'string' && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * Records the subscription we made. Only a hint for the next check (which copy to keep, "created" or "re-created"):
 * when the state file cannot be written (a full disk) the subscription is in place all the same, and saying
 * "real time is off" would show staff a state the app is not in.
 */
function remember(store: StateStore, subscription: { id: string; url: string }): void {
  try {
    store.checkpoints.set(SUBSCRIPTION_CHECKPOINT, subscription);
  } catch {
    // Written at the next check; until then the check finds ours by its URL, which is what matters.
  }
}

/**
 * Makes sure Smokeball sends this firm's webhooks to the relay. Smokeball deletes a grant's subscriptions
 * when its refresh token lapses or is revoked, so this runs on every start and after every sign-in: list the
 * subscriptions, find ours by URL (checking first, so a retry never makes a duplicate), create it when it is
 * missing. An existing one is PUT again with the current key and event types, so a subscription made by an
 * older version or with another key is repaired too. Extra copies (an earlier create whose answer was lost)
 * are deleted.
 */
export async function ensureWebhookSubscription(
  sb: SmokeballClient,
  store: StateStore,
  target: { url: string; key: string },
  eventTypes: readonly string[] = SMOKEBALL_EVENT_TYPES,
): Promise<SubscriptionCheck> {
  const recorded = store.checkpoints.get<{ id: string; url: string }>(SUBSCRIPTION_CHECKPOINT);
  try {
    const ours = (await listAll<SbSubscription>(sb, '/webhooks')).filter((s) => sameUrl(s.eventNotificationUrl, target.url));
    const body = { name: SUBSCRIPTION_NAME, eventTypes: [...eventTypes], eventNotificationUrl: target.url, key: target.key };
    if (ours.length > 0) {
      const keep = ours.find((s) => s.id === recorded?.id) ?? (ours[0] as SbSubscription);
      await sb.request('PUT', `/webhooks/${encodeURIComponent(keep.id)}`, { data: body });
      for (const extra of ours.filter((s) => s.id !== keep.id)) {
        await sb.request('DELETE', `/webhooks/${encodeURIComponent(extra.id)}`, { idempotent: true });
      }
      remember(store, { id: keep.id, url: target.url });
      const dropped = ours.length - 1;
      return { state: 'ok', detail: dropped > 0 ? `subscription in place; ${dropped} duplicate(s) removed` : 'subscription in place', subscriptionId: keep.id };
    }
    const created = await sb.request<SbSubscription>('POST', '/webhooks', { data: body });
    const id = created.data?.id;
    if (typeof id !== 'string') return { state: 'failed', detail: 'Smokeball created the webhook subscription but returned no id' };
    remember(store, { id, url: target.url });
    return recorded
      ? { state: 'recreated', detail: 'Smokeball had deleted the webhook subscription (e.g. after a sign-in lapsed); it was created again', subscriptionId: id }
      : { state: 'created', detail: 'webhook subscription created', subscriptionId: id };
  } catch (error) {
    return { state: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
}
