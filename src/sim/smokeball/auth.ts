/**
 * The Cognito side: authorization codes, grants (a refresh token and the access tokens minted from it)
 * and client-credentials tokens. Tokens are opaque random strings (clients must not parse them).
 *
 * Semantics follow Smokeball's docs / Cognito: codes are single-use and live 5 minutes, a failed exchange
 * burns the code, refresh tokens are not rotated, and revoking a refresh token also invalidates the access
 * tokens minted from it [INF: Cognito RevokeToken].
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | null;
  scope: string | null;
  userId: string;
  expiresAt: number;
}

export interface Grant {
  id: string;
  clientId: string;
  userId: string | null;
  refreshToken: string | null;
  refreshExpiresAt: number;
  revoked: boolean;
}

export interface AccessToken {
  token: string;
  clientId: string;
  userId: string | null;
  grantId: string | null;
  expiresAt: number;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  idToken: string;
  expiresIn: number;
}

export interface TokenLifetimes {
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  authCodeTtlS: number;
}

function opaque(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(verifier))). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function isValidVerifier(verifier: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier);
}

export class TokenStore {
  private readonly codes = new Map<string, AuthCode>();
  private readonly grants = new Map<string, Grant>();
  private readonly grantByRefresh = new Map<string, Grant>();
  private readonly access = new Map<string, AccessToken>();
  /** Every token and code ever handed out, so a test can check none of them leaked into the app's files or logs. */
  private readonly issued: string[] = [];

  constructor(
    public lifetimes: TokenLifetimes,
    /** Called once per grant when its refresh token is revoked or expires. */
    private readonly onGrantEnded: (grant: Grant) => void,
  ) {}

  issueCode(input: Omit<AuthCode, 'code' | 'expiresAt'>): AuthCode {
    const code: AuthCode = { ...input, code: opaque(24), expiresAt: Date.now() + this.lifetimes.authCodeTtlS * 1000 };
    this.issued.push(code.code);
    this.codes.set(code.code, code);
    return code;
  }

  /** Removes and returns the code: every exchange attempt, good or bad, burns it. */
  takeCode(code: string): AuthCode | undefined {
    const found = this.codes.get(code);
    this.codes.delete(code);
    if (!found || found.expiresAt <= Date.now()) return undefined;
    return found;
  }

  /** Ids of every grant started so far, oldest first: each completed sign-in starts one. */
  grantIds(): string[] {
    return [...this.grants.keys()];
  }

  /** A new user grant (authorization code flow) with its refresh token and a first access token. */
  startGrant(clientId: string, userId: string): IssuedTokens {
    const grant: Grant = {
      id: randomUUID(),
      clientId,
      userId,
      refreshToken: opaque(48),
      refreshExpiresAt: Date.now() + this.lifetimes.refreshTokenTtlS * 1000,
      revoked: false,
    };
    this.grants.set(grant.id, grant);
    this.grantByRefresh.set(grant.refreshToken as string, grant);
    const access = this.mint(clientId, userId, grant.id);
    this.issued.push(grant.refreshToken as string);
    return {
      accessToken: access.token,
      refreshToken: grant.refreshToken as string,
      idToken: fakeIdToken(clientId, userId),
      expiresIn: this.lifetimes.accessTokenTtlS,
    };
  }

  /** A live grant for the refresh token, or undefined (unknown, revoked, expired, other client). */
  grantForRefresh(refreshToken: string, clientId: string): Grant | undefined {
    const grant = this.grantByRefresh.get(refreshToken);
    if (!grant || grant.revoked || grant.clientId !== clientId) return undefined;
    if (grant.refreshExpiresAt <= Date.now()) {
      this.endGrant(grant);
      return undefined;
    }
    return grant;
  }

  mint(clientId: string, userId: string | null, grantId: string | null): AccessToken {
    const token: AccessToken = {
      token: opaque(48),
      clientId,
      userId,
      grantId,
      expiresAt: Date.now() + this.lifetimes.accessTokenTtlS * 1000,
    };
    this.access.set(token.token, token);
    this.issued.push(token.token);
    return token;
  }

  /** The access token if it is known, unexpired and its grant is live. */
  verify(token: string): AccessToken | undefined {
    const found = this.access.get(token);
    if (!found) return undefined;
    if (found.expiresAt <= Date.now()) {
      this.access.delete(token);
      return undefined;
    }
    if (found.grantId !== null) {
      const grant = this.grants.get(found.grantId);
      if (!grant || grant.revoked) return undefined;
    }
    return found;
  }

  expireAllAccessTokens(): number {
    const n = this.access.size;
    this.access.clear();
    return n;
  }

  /** Revokes a refresh token (and its grant's access tokens). Returns false when it was unknown. */
  revokeRefreshToken(refreshToken: string): boolean {
    const grant = this.grantByRefresh.get(refreshToken);
    if (!grant || grant.revoked) return false;
    this.endGrant(grant);
    return true;
  }

  /** Every live grant's refresh token lapses now (as after its 30 days); returns how many grants ended. */
  expireRefreshTokens(now = Date.now()): number {
    let n = 0;
    for (const grant of this.grants.values()) {
      if (grant.revoked) continue;
      grant.refreshExpiresAt = now - 1;
      n += 1;
    }
    this.sweepExpired(now);
    return n;
  }

  /** Revokes every live grant (an administrator removed the app's access); returns how many. */
  revokeAllGrants(): number {
    let n = 0;
    for (const grant of this.grants.values()) {
      if (grant.revoked) continue;
      this.endGrant(grant);
      n += 1;
    }
    return n;
  }

  /** Every authorization code, access token and refresh token issued so far (secrets a test checks for leaks). */
  issuedSecrets(): string[] {
    return [...this.issued];
  }

  /** Ends grants whose refresh token has expired (called periodically). */
  sweepExpired(now = Date.now()): void {
    for (const grant of this.grants.values()) {
      if (!grant.revoked && grant.refreshExpiresAt <= now) this.endGrant(grant);
    }
    for (const [code, c] of this.codes) if (c.expiresAt <= now) this.codes.delete(code);
  }

  private endGrant(grant: Grant): void {
    grant.revoked = true;
    for (const [token, a] of this.access) if (a.grantId === grant.id) this.access.delete(token);
    this.onGrantEnded(grant);
  }
}

/** An unsigned JWT-shaped id_token. Deprecated for API calls; present only because Cognito still issues it. */
function fakeIdToken(clientId: string, userId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: userId, aud: clientId, iat: now, exp: now + 3600, token_use: 'id' })}.`;
}
