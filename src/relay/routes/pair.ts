import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import type { RelayAdmin } from '../admin.js';
import { hashPairingCode, isPairingCodeShape } from '../pairing.js';
import { sendError } from '../http-errors.js';
import { TokenBuckets } from '../token-bucket.js';
import type { RelayPairAnswer } from '../../shared/relay-wire.js';

/**
 * POST /v1/pair {code}: exchanges a pairing code for the relay's address and a token of the install's own. The code
 * is taken (deleted) before the token is issued, so a code pairs one install at most. The firm's installs paired
 * earlier keep their tokens: a firm runs the app on several PCs, and pairing the next one must not cut off the
 * sync host. Rotating the firm's token (`firm rotate-token`) revokes them all.
 */
export function registerPairRoutes(app: FastifyInstance, ctx: RelayContext, admin: RelayAdmin, attemptsPerMinute: number): void {
  // The one route anybody may call without a token: each client address gets a few tries a minute, so guessing a
  // live code stays hopeless and one client cannot keep the database busy deleting codes that are not there.
  const attempts = new TokenBuckets(attemptsPerMinute / 60, attemptsPerMinute, ctx.now);
  app.post('/v1/pair', async (req, reply) => {
    if (attempts.peek(req.ip) < 1) {
      ctx.logger.warn('relay refused a pairing attempt over the per-address limit', { attemptsPerMinute });
      reply.header('retry-after', String(attempts.secondsUntil(req.ip, 1)));
      return sendError(reply, 429, 'too_many_attempts', `at most ${attemptsPerMinute} pairing attempts a minute from one address; wait and try again`);
    }
    attempts.take(req.ip, 1);
    let code: unknown;
    try {
      code = (JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '{}') as { code?: unknown }).code;
    } catch {
      return sendError(reply, 400, 'bad_request', 'the body must be JSON: {"code": "XXXX-XXXX-XXXX"}');
    }
    if (typeof code !== 'string' || code.length > 64 || !isPairingCodeShape(code)) {
      return sendError(reply, 400, 'bad_code', 'a pairing code has 12 letters and digits, like K7QF-2M9X-PL4D');
    }
    const firmId = await ctx.storage.takePairingCode(hashPairingCode(code), new Date(ctx.now()));
    if (!firmId) return sendError(reply, 404, 'unknown_code', 'this pairing code is unknown, used or expired; ask for a new one');
    const firm = await ctx.storage.firmById(firmId);
    if (!firm) return sendError(reply, 404, 'unknown_code', 'this pairing code is unknown, used or expired; ask for a new one');
    const { token } = await admin.issueInstallToken(firmId);
    ctx.logger.info('relay: an install paired', { firmId });
    const answer: RelayPairAnswer = { relayUrl: ctx.publicUrl, token, firmName: firm.name };
    return reply.code(200).send(answer);
  });
}
