import { z } from 'zod';

/**
 * Request body and query validation. Unknown keys are ignored (stripped) so the app can send extra fields
 * without breaking; types, lengths and formats are enforced, and a failure is a 400 with per-field details.
 */

/** E.164: '+', country code, up to 15 digits. Case Status texts clients on this number. */
export const E164 = /^\+[1-9]\d{6,14}$/;
// Deliberately loose: Smokeball holds odd but deliverable addresses, and rejecting them would drop clients.
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export const externalIdSchema = z.string().min(1).max(200);
const email = z.string().max(320).regex(EMAIL, 'must be an email address');

export const clientInputSchema = z
  .object({
    externalId: externalIdSchema.optional(),
    firstName: z.string().max(200).default(''),
    lastName: z.string().max(200).default(''),
    email: email.nullable().default(null),
    cellPhone: z.string().regex(E164, 'must be E.164, e.g. +13125550100').nullable().default(null),
    companyName: z.string().max(200).nullable().default(null),
  })
  .refine((c) => c.firstName.trim() !== '' || (c.companyName ?? '').trim() !== '', {
    message: 'firstName or companyName is required',
    path: ['firstName'],
  });
export type ClientInput = z.output<typeof clientInputSchema>;

export const caseInputSchema = z.object({
  externalId: externalIdSchema.optional(),
  readableId: z.string().min(1).max(100),
  title: z.string().min(1).max(500),
  description: z.string().max(20_000).nullable().default(null),
  practiceArea: z.string().min(1).max(200),
  status: z.enum(['open', 'pending', 'closed']),
  // Required (null allowed), not optional: PUT replaces the case, and an omitted stage must not silently
  // clear it (a clear is a stage change, which sends the client a survey).
  stage: z.string().min(1).max(200).nullable(),
  primaryAttorney: z.object({ externalId: externalIdSchema, name: z.string().min(1).max(200), email: email.nullable().default(null) }).nullable(),
  clientExternalIds: z.array(externalIdSchema).max(50),
  // Our contract's extension: false applies a stage change without texting the client its survey.
  notifyClient: z.boolean().default(true),
});
export type CaseInput = z.output<typeof caseInputSchema>;

export const MAX_BATCH = 100;
export const clientBatchSchema = z.object({ clients: z.array(z.unknown()) });
export const caseBatchSchema = z.object({ cases: z.array(z.unknown()) });

/**
 * List query: `after` (cursor) and `limit`. `cursor` is accepted as a synonym of `after`. Unknown
 * parameters are refused, so a misspelt cursor parameter fails loudly instead of silently restarting
 * from the first page (which would make a paging loop never end).
 */
export function pageQuerySchema(maxLimit: number, defaultLimit = 100) {
  return z
    .strictObject({
      after: z.string().max(200).optional(),
      cursor: z.string().max(200).optional(),
      limit: z.coerce.number().int().min(1).max(maxLimit).default(Math.min(defaultLimit, maxLimit)),
    })
    .refine((q) => q.after === undefined || q.cursor === undefined || q.after === q.cursor, {
      message: 'after and cursor are synonyms; send one',
      path: ['cursor'],
    })
    .transform((q) => ({ after: q.after ?? q.cursor, limit: q.limit }));
}

const role = z.enum(['client', 'staff']);

/** Control API: a message posted in Case Status (by the client or firm staff). */
export const addMessageSchema = z.object({
  matterId: externalIdSchema,
  threadId: z.string().min(1).max(200).optional(),
  senderName: z.string().min(1).max(200),
  senderRole: role,
  body: z.string().max(100_000),
  createdAt: z.iso.datetime().optional(),
});

/** Control API: a document shared in Case Status; bytes either given (base64) or generated from a seed. */
export const addDocumentSchema = z.object({
  matterId: externalIdSchema,
  fileName: z.string().min(1).max(1000),
  sharedByName: z.string().min(1).max(200),
  sharedByRole: role,
  contentBase64: z.string().optional(),
  sizeBytes: z.number().int().min(0).optional(),
  contentSeed: z.number().int().optional(),
  createdAt: z.iso.datetime().optional(),
});

export const portalCaseUpdateSchema = z.object({
  status: z.enum(['open', 'pending', 'closed']).optional(),
  stage: z.string().min(1).max(200).nullable().optional(),
});
