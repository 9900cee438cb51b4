import { createHash } from 'node:crypto';
import type { StateStore } from '../../store/index.js';
import { RelayError } from './relay-client.js';

/** The relay cursor up to which every event has been applied (at-least-once: a crash replays from here). */
export const RELAY_CURSOR = 'realtime.relayCursor';
/** Which relay history the stored cursor belongs to (see relayIdentity). */
export const RELAY_IDENTITY = 'realtime.relayIdentity';
/** The relay firm the stored cursor belongs to. */
export const RELAY_FIRM = 'realtime.relayFirmId';

type Checkpoints = StateStore['checkpoints'];

/**
 * A cursor is a position in one relay's history for one firm. It names the relay by URL and token: a new
 * token is a new firm or a re-provisioned relay. Only a domain-separated sha256 is kept (never the token,
 * and not the hash the relay itself looks tokens up by).
 */
export function relayIdentity(relayUrl: string, relayToken: string): string {
  const url = relayUrl.trim().replace(/\/+$/, '').toLowerCase();
  return createHash('sha256').update('case-status-sync relay identity\0').update(url).update('\0').update(relayToken).digest('hex');
}

/**
 * Adopts `identity` as the relay the cursor belongs to. 'changed': the cursor was for another relay, token or
 * firm and has been dropped (the caller reads from the start and catches up once); 'first': nothing was
 * recorded yet (a cursor from before this rule is kept); 'same': nothing to do.
 */
export function adoptRelay(checkpoints: Checkpoints, key: typeof RELAY_IDENTITY | typeof RELAY_FIRM, value: string): 'same' | 'first' | 'changed' {
  const recorded = checkpoints.get<string>(key);
  if (recorded === value) return 'same';
  if (recorded !== undefined) checkpoints.delete(RELAY_CURSOR);
  checkpoints.set(key, value);
  return recorded === undefined ? 'first' : 'changed';
}

/** 409 cursor_ahead: the relay never issued our cursor (its database was replaced, or it is another relay). */
export const isCursorAhead = (e: unknown): boolean => e instanceof RelayError && e.status === 409;

export const HISTORY_LOST_REASON =
  "The relay no longer knows this app's position in its event history (its database was replaced or restored). " +
  "Real-time updates started again from the relay's oldest event, and one catch-up sync ran so no Smokeball change is missed. " +
  'If this repeats, ask whoever runs the relay whether its data is being reset.';
