/**
 * Cognito's hosted OAuth endpoints, without a login page: /oauth2/authorize redirects straight back with
 * a code as if the user signed in (or shows an approve/deny page when autoApprove is off), and
 * /oauth2/token serves the authorization_code (+PKCE S256), refresh_token and client_credentials grants.
 * Errors use Cognito's bodies: 400 {"error":"invalid_grant"}, {"error":"invalid_client"}, ...
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isValidVerifier, pkceChallenge, type TokenStore } from './auth.js';
import type { ResolvedOptions } from './options.js';
import { isRedirectAllowed } from './redirect-uri.js';

type Params = Record<string, string | undefined>;

interface PendingAuthorization {
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string | null;
  scope: string | null;
}

function first(value: unknown): string | undefined {
  if (Array.isArray(value)) return first(value[0]);
  return typeof value === 'string' ? value : undefined;
}

function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

function tokenError(reply: FastifyReply, error: string, status = 400): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json').send({ error });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function registerOAuthRoutes(app: FastifyInstance, options: ResolvedOptions, tokens: TokenStore): void {
  const pending = new Map<string, PendingAuthorization>();
  const isPublic = options.clientSecret === undefined;

  app.get('/oauth2/authorize', async (request, reply) => {
    const q = request.query as Params;
    const clientId = first(q.client_id);
    const redirectUri = first(q.redirect_uri);
    const state = first(q.state);
    // Without a trusted client and callback there is nowhere safe to redirect to (Cognito shows an error page).
    if (clientId !== options.clientId) return reply.code(400).send({ error: 'invalid_client' });
    if (!redirectUri || !isRedirectAllowed(redirectUri, options.redirectUris, options.allowLoopbackAnyPort)) {
      return reply.code(400).send({ error: 'redirect_mismatch' });
    }
    const fail = (error: string, description: string): FastifyReply =>
      reply.redirect(withQuery(redirectUri, { error, error_description: description, state }), 302);
    if (first(q.response_type) !== 'code') return fail('unsupported_response_type', 'response_type must be code');
    const challenge = first(q.code_challenge) ?? null;
    const method = first(q.code_challenge_method);
    if (challenge === null && isPublic) return fail('invalid_request', 'code_challenge is required for public clients');
    if (challenge !== null) {
      if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256');
      if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return fail('invalid_request', 'malformed code_challenge');
    }
    const authorization: PendingAuthorization = { redirectUri, state, codeChallenge: challenge, scope: first(q.scope) ?? null };
    if (options.autoApprove) return approve(reply, authorization);
    const id = randomUUID();
    pending.set(id, authorization);
    const page = `<!doctype html><html><head><title>Smokeball simulator sign-in</title></head><body>
<h1>Sign in to Smokeball (simulator)</h1><p>The app <b>${escapeHtml(options.clientId)}</b> asks for access.</p>
<form method="post" action="/oauth2/authorize/decision"><input type="hidden" name="request_id" value="${id}">
<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button></form></body></html>`;
    return reply.type('text/html; charset=utf-8').send(page);
  });

  app.post('/oauth2/authorize/decision', async (request, reply) => {
    const body = (request.body ?? {}) as Params;
    const authorization = pending.get(body.request_id ?? '');
    if (!authorization) return reply.code(400).send({ error: 'invalid_request' });
    pending.delete(body.request_id ?? '');
    if (body.decision !== 'approve') {
      return reply.redirect(withQuery(authorization.redirectUri, { error: 'access_denied', state: authorization.state }), 302);
    }
    return approve(reply, authorization);
  });

  function approve(reply: FastifyReply, a: PendingAuthorization): FastifyReply {
    const code = tokens.issueCode({
      clientId: options.clientId,
      redirectUri: a.redirectUri,
      codeChallenge: a.codeChallenge,
      scope: a.scope,
      userId: options.userId,
    });
    return reply.redirect(withQuery(a.redirectUri, { code: code.code, state: a.state }), 302);
  }

  app.post('/oauth2/token', async (request, reply) => {
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return tokenError(reply, 'invalid_request');
    }
    const body = (request.body ?? {}) as Params;
    const client = authenticateClient(request, body);
    if (client === 'invalid') return tokenError(reply, 'invalid_client');

    switch (body.grant_type) {
      case 'authorization_code': {
        const code = tokens.takeCode(body.code ?? '');
        if (!code || code.clientId !== options.clientId || code.redirectUri !== body.redirect_uri) {
          return tokenError(reply, 'invalid_grant');
        }
        if (code.codeChallenge !== null) {
          const verifier = body.code_verifier ?? '';
          if (!isValidVerifier(verifier) || pkceChallenge(verifier) !== code.codeChallenge) {
            return tokenError(reply, 'invalid_grant');
          }
        }
        const t = tokens.startGrant(options.clientId, code.userId);
        return reply.header('cache-control', 'no-store').send({
          access_token: t.accessToken,
          refresh_token: t.refreshToken,
          id_token: t.idToken,
          token_type: 'Bearer',
          expires_in: t.expiresIn,
        });
      }
      case 'refresh_token': {
        const grant = tokens.grantForRefresh(body.refresh_token ?? '', options.clientId);
        if (!grant) return tokenError(reply, 'invalid_grant');
        const access = tokens.mint(options.clientId, grant.userId, grant.id);
        // Refresh tokens are not rotated: no refresh_token in the response.
        return reply.header('cache-control', 'no-store').send({
          access_token: access.token,
          token_type: 'Bearer',
          expires_in: tokens.lifetimes.accessTokenTtlS,
        });
      }
      case 'client_credentials': {
        // Only confidential clients (private apps with a secret) may use this grant.
        if (client !== 'confidential') return tokenError(reply, 'invalid_client');
        const access = tokens.mint(options.clientId, null, null);
        return reply.header('cache-control', 'no-store').send({
          access_token: access.token,
          token_type: 'Bearer',
          expires_in: tokens.lifetimes.accessTokenTtlS,
        });
      }
      default:
        return tokenError(reply, body.grant_type ? 'unsupported_grant_type' : 'invalid_request');
    }
  });

  app.get('/oauth2/logout', async (request, reply) => {
    const q = request.query as Params;
    const target = first(q.logout_uri) ?? first(q.redirect_uri);
    if (first(q.client_id) !== options.clientId || !target || !isRedirectAllowed(target, options.redirectUris, options.allowLoopbackAnyPort)) {
      return reply.code(400).send({ error: 'invalid_request' });
    }
    return reply.redirect(target, 302);
  });

  /**
   * 'public' when a public client identified itself, 'confidential' when the secret checked out,
   * 'invalid' otherwise. The secret may come as HTTP Basic (Cognito's documented way) or client_secret.
   */
  function authenticateClient(request: FastifyRequest, body: Params): 'public' | 'confidential' | 'invalid' {
    let id = body.client_id;
    let secret = body.client_secret;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const m = /^Basic\s+(.+)$/i.exec(header);
      if (!m) return 'invalid';
      const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return 'invalid';
      let basicId: string;
      try {
        // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
        basicId = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      } catch {
        return 'invalid';
      }
      if (id !== undefined && id !== basicId) return 'invalid';
      id = basicId;
    }
    if (id !== options.clientId) return 'invalid';
    if (isPublic) return secret ? 'invalid' : 'public';
    return secret === options.clientSecret ? 'confidential' : 'invalid';
  }
}
