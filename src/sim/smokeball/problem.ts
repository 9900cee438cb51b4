/**
 * RFC 7807 ProblemDetails, as Smokeball's ASP.NET backend returns them, with Smokeball's `errors` array
 * extension. The element shape `{field, message}` is a [GUESS]: the docs only say "array of objects".
 */
export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors: FieldError[];
}

const TYPES: Record<number, { type: string; title: string }> = {
  400: { type: 'https://tools.ietf.org/html/rfc7231#section-6.5.1', title: 'One or more validation errors occurred.' },
  403: { type: 'https://tools.ietf.org/html/rfc7231#section-6.5.3', title: 'Forbidden' },
  404: { type: 'https://tools.ietf.org/html/rfc7231#section-6.5.4', title: 'Not Found' },
  405: { type: 'https://tools.ietf.org/html/rfc7231#section-6.5.5', title: 'Method Not Allowed' },
  413: { type: 'https://tools.ietf.org/html/rfc7231#section-6.5.11', title: 'Payload Too Large' },
  415: { type: 'https://tools.ietf.org/html/rfc7231#section-6.5.13', title: 'Unsupported Media Type' },
  500: { type: 'https://tools.ietf.org/html/rfc7231#section-6.6.1', title: 'An error occurred while processing your request.' },
};

/** Thrown by route handlers; the server's error handler turns it into application/problem+json. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }

  body(instance: string): ProblemBody {
    const t = TYPES[this.status] ?? { type: 'about:blank', title: 'Error' };
    return { ...t, status: this.status, detail: this.detail, instance, errors: this.errors };
  }
}

export function validationProblem(errors: FieldError[]): HttpProblem {
  return new HttpProblem(400, 'See the errors field for details.', errors);
}

export function badRequest(field: string, message: string): HttpProblem {
  return validationProblem([{ field, message }]);
}

export function notFound(resource: string, id: string): HttpProblem {
  return new HttpProblem(404, `${resource} '${id}' was not found.`);
}
