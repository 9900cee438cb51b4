import type { FastifyRequest } from 'fastify';
import type { RelayContext } from '../context.js';
import type { FirmRecord } from '../storage/port.js';
import { bearerToken, hashToken, hashesEqual } from '../tokens.js';

/**
 * The firm a bearer token belongs to. The lookup is by sha256 (an index on the hash, never the token), and
 * the hash is then compared in constant time; a token only ever names its own firm.
 */
export async function firmForRequest(ctx: RelayContext, req: FastifyRequest): Promise<FirmRecord | undefined> {
  const token = bearerToken(req.headers.authorization);
  if (!token) return undefined;
  const hash = hashToken(token);
  const firm = await ctx.storage.firmByTokenHash(hash);
  return firm && hashesEqual(firm.tokenHash, hash) ? firm : undefined;
}
