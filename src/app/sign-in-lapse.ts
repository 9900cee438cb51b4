import type { AttentionRepository } from '../store/attention.js';
import { type TokenManager } from '../sync/index.js';

/**
 * Smokeball refresh tokens are not rotated and their expiry is not returned: a grant lapses a fixed time after it was
 * issued, and the app only learns of it when the token is refused. `../shared/reference/smokeball-api.md` gives 30
 * days (Cognito's default); the issue mentioned 180 days for tokens issued from late August 2026, which that reference
 * does not confirm, so the forecast keeps the shorter, documented lifetime (an early warning costs one sign-in; a late
 * one costs a day of missed syncs).
 */
export const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600 * 1000;
export const LAPSE_WARNING_MS = 3 * 24 * 3600 * 1000;

export interface LapseForecast {
  lapsesAt: Date;
  /** Within the warning window (or already past). */
  warn: boolean;
}

export function forecastLapse(issuedAtMs: number | undefined, nowMs: number, lifetimeMs = REFRESH_TOKEN_LIFETIME_MS): LapseForecast | null {
  if (issuedAtMs === undefined || !Number.isFinite(issuedAtMs)) return null;
  const lapsesAt = new Date(issuedAtMs + lifetimeMs);
  return { lapsesAt, warn: lapsesAt.getTime() - nowMs <= LAPSE_WARNING_MS };
}

/**
 * After each good run: raises one *sign-in lapsing* item (which turns the tray amber and gives one notification) when
 * the grant is within 3 days of lapsing, and resolves it once a new sign-in has renewed the grant. Signing in again
 * only replaces the tokens; links, checkpoints and the outbox stay as they are.
 */
export async function reviewSignInLapse(
  attention: AttentionRepository,
  tokens: Pick<TokenManager, 'grantIssuedAt'>,
  nowMs: number,
): Promise<LapseForecast | null> {
  const forecast = forecastLapse(await tokens.grantIssuedAt(), nowMs);
  if (forecast?.warn) {
    const when = forecast.lapsesAt.toISOString().slice(0, 16).replace('T', ' ');
    attention.raise(
      'sign_in_lapsing',
      'smokeball',
      `The Smokeball sign-in lapses on ${when} UTC (Smokeball sign-ins last 30 days). Sign in again before then to keep syncing; nothing already synced is lost.`,
    );
  } else {
    attention.resolve('sign_in_lapsing', 'smokeball');
  }
  return forecast;
}
