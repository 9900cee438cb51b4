import type { z } from 'zod';
import { ApiError, fromZod, invalidRequest } from '../errors.js';
import { MAX_BATCH, externalIdSchema } from '../schemas.js';
import type { BatchItemResult } from '../wire.js';

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(what, result.error);
  return result.data;
}

/** A single PUT may repeat the external id in its body; if it does, it must match the path. */
export function checkBodyExternalId(pathId: string, bodyId: string | undefined): void {
  if (bodyId !== undefined && bodyId !== pathId) {
    throw invalidRequest('externalId in the body does not match the path', [{ path: 'externalId', message: `expected ${pathId}` }]);
  }
}

/**
 * Applies each item of a batch on its own: an invalid or refused item gets the error a single upsert would
 * have got (with its HTTP status), and the rest are applied. Items apply in order, so a repeated external
 * id ends with the last item's data.
 */
export function runBatch<S extends z.ZodType, R>(
  items: unknown[],
  schema: S,
  what: string,
  apply: (externalId: string, input: z.output<S>) => R,
): BatchItemResult<R>[] {
  if (items.length > MAX_BATCH) {
    throw new ApiError(413, 'batch_too_large', `A batch holds at most ${MAX_BATCH} items; got ${items.length}`, {
      max: MAX_BATCH,
      received: items.length,
    });
  }
  return items.map((item, index) => {
    const rawId = typeof item === 'object' && item !== null ? (item as { externalId?: unknown }).externalId : undefined;
    const externalId = externalIdSchema.safeParse(rawId).success ? (rawId as string) : null;
    try {
      if (externalId === null) {
        throw invalidRequest(`Invalid ${what}`, [{ path: 'externalId', message: 'required: a non-empty string' }]);
      }
      const input = parseWith(schema, item, what);
      return { index, ok: true as const, ...apply(externalId, input) };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return { index, ok: false as const, externalId, error: { status: err.status, ...err.toBody() } };
    }
  });
}
