import type { StateStore } from '../../store/index.js';

/**
 * Smokeball copies a request's RequestId into every webhook the request causes, so an event carrying the RequestId
 * of one of our writes is our own echo. Every write the app makes to Smokeball (memos, folders, files) goes
 * through the outbox, which records its RequestId before sending (indexed: migration 3), so the outbox alone
 * answers "is this ours?" and it survives a restart.
 */
export function ownRequestIdCheck(store: StateStore): (requestId: string) => boolean {
  return (requestId) => store.outbox.hasRequestId(requestId);
}
