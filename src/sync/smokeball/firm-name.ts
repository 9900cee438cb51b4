import { createApiHttp } from '../http/create-http.js';

/**
 * The firm a fresh Smokeball sign-in belongs to (GET /firm), for the set-up's "Signed in to Smokeball: <firm>".
 * One request right after sign-in, made before the sync stack (and its pacing gate) exists: nothing else talks to
 * Smokeball at that moment. Undefined when the answer has no name.
 */
export async function readSmokeballFirmName(options: { apiUrl: string; apiKey: string; accessToken: string; timeoutMs?: number }): Promise<string | undefined> {
  const http = createApiHttp({
    baseURL: options.apiUrl,
    timeoutMs: options.timeoutMs ?? 15_000,
    headers: { 'x-api-key': options.apiKey, authorization: `Bearer ${options.accessToken}` },
  });
  const res = await http.get<{ name?: unknown }>('/firm');
  const name = res.data?.name;
  return typeof name === 'string' && name.trim() ? name.trim().slice(0, 300) : undefined;
}
