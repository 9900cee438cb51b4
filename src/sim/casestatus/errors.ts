import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodError } from 'zod';

/**
 * The Case Status error envelope: every 4xx the simulator produces is `{error: {code, message, details?}}`,
 * so the app's client can branch on `code` without parsing messages.
 */
export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export interface IssueDetail {
  path: string;
  message: string;
}

export function zodIssues(error: ZodError): IssueDetail[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export const invalidRequest = (message: string, details?: unknown): ApiError => new ApiError(400, 'invalid_request', message, details);

export const fromZod = (what: string, error: ZodError): ApiError => invalidRequest(`Invalid ${what}`, zodIssues(error));

export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message);

export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).type('application/json').send({ error: error.toBody() });
}

/** Fastify's own errors (bad JSON, body too large, wrong content type) mapped onto the envelope. */
function fromFastifyError(err: { statusCode?: number; code?: string; message?: string }): ApiError {
  const status = err.statusCode ?? 500;
  switch (status) {
    case 400:
      return invalidRequest(err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'Request body is empty' : 'Request body is not valid JSON');
    case 413:
      return new ApiError(413, 'payload_too_large', 'Request body is too large');
    case 415:
      return new ApiError(415, 'unsupported_media_type', 'Send request bodies as application/json');
    default:
      return status >= 400 && status < 500
        ? new ApiError(status, 'invalid_request', err.message ?? 'Invalid request')
        : new ApiError(500, 'internal_error', 'Internal server error');
  }
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, _request, reply) => {
    if (err instanceof ApiError) return sendError(reply, err);
    const apiError = fromFastifyError(typeof err === 'object' && err !== null ? err : {});
    if (apiError.status === 500) console.error('[casestatus-sim] unhandled error', err);
    return sendError(reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, notFound(`No route for ${request.method} ${request.url.split('?')[0] ?? ''}`)));
}
