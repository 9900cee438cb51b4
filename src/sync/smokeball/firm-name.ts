import { createApiHttp } from '../http/create-http.js';
import { classifyApiError, toApiError } from '../http/api-error.js';
import { asUnleasedRead } from '../coordination/unleased-read.js';
import { PacingGate } from '../pacing/gate.js';

/**
 * The firm a fresh Smokeball sign-in belongs to (GET /firm), for the set-up's "Signed in to Smokeball: <firm>".
 * One request right after sign-in, with the new access token. It goes through the install's Smokeball pacing gate
 * like every other request, as a `sign-in` read: it counts as part of signing in, so the fence admits it without
 * the firm's sync lease (a standby makes no Smokeball request but sign-in). Before the sync stack exists (the
 * set-up's step 1, no Case Status key yet) there is no gate: a gate of the firm's rate paces this one read, and no
 * other request of this install can be in flight. Undefined when the answer has no name.
 */
export async function readSmokeballFirmName(options: {
  apiUrl: string;
  apiKey: string;
  accessToken: string;
  /** The stack's Smokeball gate, or the firm's rate when there is no stack yet. */
  pacing: PacingGate | { ratePerSecond: number; burst: number };
  timeoutMs?: number;
}): Promise<string | undefined> {
  const http = createApiHttp({
    baseURL: options.apiUrl,
    timeoutMs: options.timeoutMs ?? 15_000,
    headers: { 'x-api-key': options.apiKey, authorization: `Bearer ${options.accessToken}` },
  });
  const own = options.pacing instanceof PacingGate ? undefined : new PacingGate({ name: 'smokeball-sign-in', ...options.pacing, classify: classifyApiError });
  const gate = own ?? (options.pacing as PacingGate);
  try {
    const res = await asUnleasedRead('sign-in', () =>
      gate.run(
        async () => {
          try {
            return await http.get<{ name?: unknown }>('/firm');
          } catch (error) {
            throw toApiError('Smokeball', error);
          }
        },
        // One attempt (a 429 is still retried): a failure costs only the name in the step's summary, and a sign-in
        // should not wait through the backoff of a read it does not need.
        { idempotent: false },
      ),
    );
    const name = res.data?.name;
    return typeof name === 'string' && name.trim() ? name.trim().slice(0, 300) : undefined;
  } finally {
    own?.dispose();
  }
}
