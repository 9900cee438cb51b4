import { createHash, randomBytes } from 'node:crypto';
import axios from 'axios';
import { connectionFailureText, networkAgent } from '../http/network.js';
import type { SecretStore } from '../ports.js';

/** Smokeball (AWS Cognito) OAuth 2: authorization code + PKCE for the desktop app, refresh, client credentials. */
export interface OAuthConfig {
  authUrl: string; // e.g. https://auth.smokeball.com
  clientId: string;
  clientSecret?: string; // confidential (private) apps only; the desktop app is a public client
}

export interface TokenSet {
  accessToken: string;
  accessTokenExpiresAt: number; // unix ms
  refreshToken?: string;
  /** Refresh tokens last 30 days and their expiry is not returned: we track when we got it. */
  refreshTokenIssuedAt?: number;
}

export class AuthRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthRequiredError';
  }
}

export interface PkcePair {
  verifier: string;
  challenge: string;
}

export function createPkcePair(): PkcePair {
  const verifier = randomBytes(48).toString('base64url'); // 64 chars, within RFC 7636's 43..128
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function buildAuthorizeUrl(config: OAuthConfig, redirectUri: string, challenge: string, state: string): string {
  const url = new URL('/oauth2/authorize', config.authUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('code_challenge', challenge);
  return url.toString();
}

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

async function postToken(config: OAuthConfig, form: Record<string, string>): Promise<TokenResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (config.clientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString('base64')}`;
  }
  try {
    const res = await axios.post<TokenResponse>(new URL('/oauth2/token', config.authUrl).toString(), new URLSearchParams(form).toString(), {
      headers,
      timeout: 30_000,
      proxy: false, // the process's network route decides (network.ts)
      httpAgent: networkAgent(),
      httpsAgent: networkAgent(),
    });
    return res.data;
  } catch (error) {
    const status = axios.isAxiosError(error) ? error.response?.status : undefined;
    const code = axios.isAxiosError(error) ? (error.response?.data as { error?: string } | undefined)?.error : undefined;
    if (status === 400 || status === 401) {
      throw new AuthRequiredError(`Smokeball sign-in is needed again (${code ?? `HTTP ${status}`}).`);
    }
    // Never include the axios error itself: its config holds the form with the refresh token.
    throw new Error(`Smokeball token endpoint unreachable (${status ? `HTTP ${status}` : axios.isAxiosError(error) ? connectionFailureText(error) : 'error'})`);
  }
}

function toTokenSet(res: TokenResponse, previous?: TokenSet, now = Date.now()): TokenSet {
  return {
    accessToken: res.access_token,
    accessTokenExpiresAt: now + res.expires_in * 1000,
    refreshToken: res.refresh_token ?? previous?.refreshToken,
    refreshTokenIssuedAt: res.refresh_token ? now : previous?.refreshTokenIssuedAt,
  };
}

export async function exchangeAuthorizationCode(config: OAuthConfig, code: string, verifier: string, redirectUri: string): Promise<TokenSet> {
  return toTokenSet(
    await postToken(config, { grant_type: 'authorization_code', client_id: config.clientId, code, code_verifier: verifier, redirect_uri: redirectUri }),
  );
}

export async function clientCredentials(config: OAuthConfig): Promise<TokenSet> {
  return toTokenSet(await postToken(config, { grant_type: 'client_credentials', client_id: config.clientId }));
}

export const TOKENS_KEY = 'smokeball.tokens';
const EARLY_REFRESH_MS = 60_000; // Smokeball recommends refreshing about a minute before expiry

/**
 * Hands out a valid access token. Refreshes ahead of expiry and on a 401, with one refresh shared by every
 * caller waiting at that moment. Tokens live only in the SecretStore (the OS keychain in the app).
 */
export class TokenManager {
  private cached: TokenSet | undefined;
  private refreshing: Promise<TokenSet> | undefined;
  refreshCount = 0;
  private readonly signInLostListeners = new Set<(error: AuthRequiredError) => void>();

  constructor(
    private readonly config: OAuthConfig,
    private readonly secrets: SecretStore,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Called when Smokeball's token endpoint refuses the refresh token (expired, revoked): whatever was refreshing
   * (a run, a real-time refresh, the write-back) fails, and the app must ask for sign-in instead of retrying.
   */
  onSignInLost(listener: (error: AuthRequiredError) => void): () => void {
    this.signInLostListeners.add(listener);
    return () => this.signInLostListeners.delete(listener);
  }

  async save(tokens: TokenSet): Promise<void> {
    this.cached = tokens;
    await this.secrets.set(TOKENS_KEY, JSON.stringify(tokens));
  }

  async clear(): Promise<void> {
    this.cached = undefined;
    await this.secrets.delete(TOKENS_KEY);
  }

  /** When the current refresh token was issued (ms), for the sign-in lapse forecast; undefined when unknown. */
  async grantIssuedAt(): Promise<number | undefined> {
    return (await this.load())?.refreshTokenIssuedAt;
  }

  async hasTokens(): Promise<boolean> {
    return (await this.load()) !== undefined;
  }

  async accessToken(): Promise<string> {
    const tokens = await this.load();
    if (!tokens) throw new AuthRequiredError('Not signed in to Smokeball.');
    if (tokens.accessTokenExpiresAt - EARLY_REFRESH_MS > this.now()) return tokens.accessToken;
    return (await this.refresh(tokens.accessToken)).accessToken;
  }

  /**
   * Refreshes unless someone already replaced `staleToken` (several requests got a 401 for the same token:
   * only the first one refreshes, the rest reuse its result).
   */
  async refresh(staleToken: string): Promise<TokenSet> {
    const current = await this.load();
    if (current && current.accessToken !== staleToken && current.accessTokenExpiresAt - EARLY_REFRESH_MS > this.now()) return current;
    if (!this.refreshing) {
      this.refreshing = this.doRefresh(current).finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(current: TokenSet | undefined): Promise<TokenSet> {
    if (!current?.refreshToken) {
      if (this.config.clientSecret) {
        const fresh = await clientCredentials(this.config);
        await this.save(fresh);
        this.refreshCount += 1;
        return fresh;
      }
      throw new AuthRequiredError('Smokeball sign-in has expired. Sign in again.');
    }
    let res: TokenResponse;
    try {
      res = await postToken(this.config, { grant_type: 'refresh_token', client_id: this.config.clientId, refresh_token: current.refreshToken });
    } catch (error) {
      if (error instanceof AuthRequiredError) for (const listener of this.signInLostListeners) listener(error);
      throw error;
    }
    const fresh = toTokenSet(res, current, this.now());
    await this.save(fresh);
    this.refreshCount += 1;
    return fresh;
  }

  private async load(): Promise<TokenSet | undefined> {
    if (this.cached) return this.cached;
    const raw = await this.secrets.get(TOKENS_KEY);
    this.cached = raw ? (JSON.parse(raw) as TokenSet) : undefined;
    return this.cached;
  }
}
