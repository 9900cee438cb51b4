import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Reads an install may make without holding the firm's sync lease (they write nothing, and they are paced like
 * every other request):
 * - `sign-in`: the firm's name read right after a Smokeball sign-in, for the set-up's step 1. It counts as part
 *   of signing in, so a standby may make it too.
 * - `set-up`: the preview and the mapping options of the guided set-up, while this install has not asked for the
 *   lease yet (it asks once its set-up is complete or the import is started). Once it asks, these reads need the
 *   lease like any other request.
 */
export type UnleasedRead = 'sign-in' | 'set-up';

const scope = new AsyncLocalStorage<UnleasedRead>();

/** Runs `work` with its requests marked as this kind of read (the pacing gates ask the fence whether it admits them). */
export function asUnleasedRead<T>(read: UnleasedRead, work: () => Promise<T>): Promise<T> {
  return scope.run(read, work);
}

/** The kind of unleased read the calling code runs in, if any (read when a request enters a gate). */
export function currentUnleasedRead(): UnleasedRead | undefined {
  return scope.getStore();
}
