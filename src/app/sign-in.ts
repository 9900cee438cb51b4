import { createServer, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode, type OAuthConfig, type TokenSet } from '../sync/index.js';

/**
 * Smokeball sign-in for a desktop app (RFC 8252): authorization code + PKCE in the system browser, redirected
 * to a one-shot HTTP listener on the loopback interface. The listener accepts exactly one callback carrying
 * our `state`, exchanges the code and closes; anything else gets a 400 and is ignored.
 */
export interface PendingSignIn {
  authorizeUrl: string;
  redirectUri: string;
  /** Resolves with the tokens once the browser comes back; rejects on error, state mismatch or timeout. */
  result: Promise<TokenSet>;
  cancel(): void;
}

const PAGE = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head>` +
  `<body><h1>${title}</h1><p>${body}</p></body></html>`;

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

export async function startLoopbackSignIn(config: OAuthConfig, options: { port?: number; timeoutMs?: number } = {}): Promise<PendingSignIn> {
  const pkce = createPkcePair();
  const state = randomBytes(24).toString('base64url');
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  const authorizeUrl = buildAuthorizeUrl(config, redirectUri, pkce.challenge, state);

  let settle: { resolve(t: TokenSet): void; reject(e: Error): void };
  const result = new Promise<TokenSet>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => {}); // the caller may only look at it later
  const close = () => server.close();
  const timer = setTimeout(
    () => {
      close();
      settle.reject(new SignInError('Sign-in timed out: the browser did not come back within 5 minutes. Try again.'));
    },
    options.timeoutMs ?? 5 * 60_000,
  );
  timer.unref();

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (req.method !== 'GET' || url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const gotState = url.searchParams.get('state') ?? '';
    const sameState = gotState.length === state.length && timingSafeEqual(Buffer.from(gotState), Buffer.from(state));
    if (!sameState) {
      // Not our sign-in (a stale tab or a forged request): ignore it and keep waiting for the real one.
      res
        .writeHead(400, { 'content-type': 'text/html; charset=utf-8' })
        .end(PAGE('Sign-in link not recognised', 'Start the sign-in again from Case Status Sync.'));
      return;
    }
    clearTimeout(timer);
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    const finish = (status: number, title: string, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', connection: 'close' }).end(PAGE(title, body), close);
    };
    if (error || !code) {
      finish(400, 'Sign-in was not completed', 'Smokeball did not grant access. You can close this tab and try again.');
      settle.reject(new SignInError(`Smokeball sign-in was not completed (${(error ?? 'no code').replace(/[^\w .-]/g, '').slice(0, 60)}).`));
      return;
    }
    exchangeAuthorizationCode(config, code, pkce.verifier, redirectUri).then(
      (tokens) => {
        finish(200, 'Signed in to Smokeball', 'Case Status Sync is connected. You can close this tab.');
        settle.resolve(tokens);
      },
      (e: unknown) => {
        finish(400, 'Sign-in failed', 'Smokeball refused the sign-in. You can close this tab and try again.');
        settle.reject(e instanceof Error ? e : new SignInError(String(e)));
      },
    );
  });

  return {
    authorizeUrl,
    redirectUri,
    result,
    cancel() {
      clearTimeout(timer);
      close();
      settle.reject(new SignInError('Sign-in was cancelled.'));
    },
  };
}
