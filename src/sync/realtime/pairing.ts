import { isAxiosError } from 'axios';
import { createApiHttp } from '../http/create-http.js';
import type { RelayPairAnswer } from '../../shared/relay-wire.js';

/** Why pairing failed, in words for staff; the code never appears in it. */
export class RelayPairingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayPairingError';
  }
}

/**
 * Set-up step 3: exchanges a pairing code at the relay (POST /v1/pair) for the relay's address and the firm token.
 * Through the app's network route (system proxy, trusted roots), like every other call.
 */
export async function exchangePairingCode(relayUrl: string, code: string, timeoutMs = 15_000): Promise<RelayPairAnswer> {
  const http = createApiHttp({ baseURL: relayUrl, timeoutMs, headers: { 'content-type': 'application/json' } });
  const where = hostOf(relayUrl);
  try {
    const res = await http.post<Partial<RelayPairAnswer>>('/v1/pair', { code });
    const a = res.data;
    if (typeof a?.token !== 'string' || typeof a.relayUrl !== 'string' || !/^https?:\/\//.test(a.relayUrl)) {
      throw new RelayPairingError(`${where} answered, but not as the relay does. Check the pairing link.`);
    }
    return { token: a.token, relayUrl: a.relayUrl.replace(/\/$/, ''), firmName: typeof a.firmName === 'string' ? a.firmName : '' };
  } catch (error) {
    if (error instanceof RelayPairingError || !isAxiosError(error)) throw error;
    const status = error.response?.status;
    if (status === 404 && (error.response?.data as { error?: unknown } | undefined)?.error === 'unknown_code') {
      throw new RelayPairingError(
        'The relay does not know this pairing code: it was mistyped, used already or has expired (codes last 30 minutes). Ask for a new one.',
      );
    }
    if (status === 400) throw new RelayPairingError('That is not a pairing code: it has 12 letters and digits, like K7QF-2M9X-PL4D.');
    if (status !== undefined) throw new RelayPairingError(`${where} answered HTTP ${status}: it is not the relay. Check the pairing link.`);
    throw new RelayPairingError(
      `Could not reach the relay at ${where}${error.code ? ` (${error.code})` : ''}. Check this PC's internet connection or proxy, then try again.`,
    );
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 100);
  }
}
