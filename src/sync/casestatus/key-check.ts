import { isAxiosError } from 'axios';
import { createApiHttp } from '../http/create-http.js';

/**
 * Set-up step 2: one read with a pasted Case Status key (the practice areas, which every firm has), before the key
 * is kept. The answer tells the three ways it goes wrong apart, because each has a different fix: the key (ask
 * Case Status for the firm's API key), the address (Settings → Advanced), or the network (proxy, Wi-Fi).
 */
export type CaseStatusKeyCheck = { ok: true; practiceAreas: number } | { ok: false; problem: 'wrong_key' | 'wrong_address' | 'no_network'; message: string };

/** Codes that mean no answer came from anywhere: the machine is offline or something in between drops it. */
const NO_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'ERR_NETWORK',
  'EPIPE',
]);

export async function checkCaseStatusKey(options: { apiUrl: string; apiKey: string; timeoutMs?: number }): Promise<CaseStatusKeyCheck> {
  const http = createApiHttp({ baseURL: options.apiUrl, timeoutMs: options.timeoutMs ?? 15_000, headers: { authorization: `Bearer ${options.apiKey}` } });
  const where = hostOf(options.apiUrl);
  try {
    const res = await http.get<unknown>('/v1/practice-areas');
    const data = (res.data as { data?: unknown } | null)?.data;
    if (!Array.isArray(data))
      return {
        ok: false,
        problem: 'wrong_address',
        message: `${where} answered, but not as Case Status does. Check the Case Status address under Settings → Connections → Advanced.`,
      };
    return { ok: true, practiceAreas: data.length };
  } catch (error) {
    if (!isAxiosError(error)) throw error;
    const status = error.response?.status;
    if (status === 401 || status === 403)
      return {
        ok: false,
        problem: 'wrong_key',
        message: "Case Status did not accept this key. Copy the firm's API key again from Case Status (Settings → Integrations) and paste it here.",
      };
    if (status !== undefined)
      return {
        ok: false,
        problem: 'wrong_address',
        message: `${where} answered HTTP ${status}: it is not the Case Status API. Check the Case Status address under Settings → Connections → Advanced.`,
      };
    if (error.code === 'ENOTFOUND')
      return {
        ok: false,
        problem: 'wrong_address',
        message: `No server called ${where} was found. Check the Case Status address under Settings → Connections → Advanced, and that this PC is online.`,
      };
    if (error.code && NO_NETWORK_CODES.has(error.code))
      return {
        ok: false,
        problem: 'no_network',
        message: `Could not reach Case Status at ${where} (${error.code}). Check this PC's internet connection or proxy, then try again.`,
      };
    return {
      ok: false,
      problem: 'no_network',
      message: `Could not reach Case Status at ${where}${error.code ? ` (${error.code})` : ''}. Check this PC's internet connection or proxy, then try again.`,
    };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 100);
  }
}
