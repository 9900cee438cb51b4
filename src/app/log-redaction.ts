import type { Logger } from '../sync/index.js';

/**
 * Redaction for everything that leaves the process as text: log lines, crash output, error messages.
 *
 * Callers already log ids and messages rather than secrets; this is the second line of defence for what slips
 * through: an axios error logged whole (its config carries the Authorization header and, for the token endpoint, the
 * form with the refresh token), a URL with `?access_token=`, a JSON body echoed in an error message. It errs towards
 * redacting too much: a log line missing a word is harmless, a refresh token in a log file is not.
 */
export const REDACTED = '[redacted]';

/** Exact values shorter than this are not searched for: short strings ("true", "2025") would blank out ordinary text. */
export const MIN_KNOWN_SECRET_LENGTH = 8;

/**
 * Field names whose value is a secret, compared lower-cased with `-`, `_` and spaces removed ("x-api-key" → "xapikey",
 * "refresh_token" → "refreshtoken"). A name that merely contains "token" (tokenSet, accessTokenExpiresAt) is not one:
 * only names that END with one of these words are.
 */
const SECRET_NAME_ENDINGS =
  /(token|tokens|secret|secrets|password|passwd|passphrase|apikey|authorization|cookie|cookies|verifier|credential|credentials|privatekey)$/;

export function isSecretFieldName(name: string): boolean {
  return SECRET_NAME_ENDINGS.test(name.toLowerCase().replace(/[-_\s]/g, ''));
}

/**
 * Query-string and form parameters that carry credentials. OAuth's `code` is a one-time credential too, and a
 * presigned upload URL's signature (S3's X-Amz-*, Azure's sig) lets anyone write the file until it expires.
 */
const SECRET_PARAMS =
  'access_token|refresh_token|id_token|code|code_verifier|client_secret|token|api_key|apikey|password|secret|x-amz-signature|x-amz-security-token|x-amz-credential|signature|sig';

const TEXT_RULES: ReadonlyArray<readonly [RegExp, string | ((...groups: string[]) => string)]> = [
  // Credentials in a URL's userinfo: https://user:pass@host/
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:"']+:[^\s/@"']+@/gi, `$1${REDACTED}@`],
  // Header-like pairs, in raw header text, util.inspect output and JSON alike:
  //   Authorization: Bearer x    authorization: 'Basic x'    "x-api-key":"x"    Cookie: a=b; c=d
  [/\b((?:proxy-)?authorization|x-api-key|api[-_]?key|set-cookie|cookie)(["']?\s*[:=]\s*["']?)(?![[{\s])[^"'\r\n,}&]+/gi, `$1$2${REDACTED}`],
  // Name/value pairs in a list, as Node keeps raw and outgoing headers: [ 'x-api-key', 'value' ]
  [/(['"])((?:proxy-)?authorization|x-api-key|api[-_]?key|set-cookie|cookie)\1(\s*,\s*)(['"])(?:(?!\4)[^\\]|\\.)*\4/gi, `$1$2$1$3$4${REDACTED}$4`],
  // Auth schemes wherever they appear, e.g. inside a message: "sent Bearer eyJ..." (values of 6+ token characters).
  // Basic and Digest only capitalised, as sent: in lower case they are ordinary words ("basic settings").
  [/\b(bearer)(\s+)[A-Za-z0-9\-._~+/]{6,}=*/gi, `$1$2${REDACTED}`],
  [/\b(Basic|Digest)(\s+)[A-Za-z0-9\-._~+/]{6,}=*/g, `$1$2${REDACTED}`],
  // Query strings, fragments and form bodies: ?access_token=x&code=y  #token=z  refresh_token=x&grant_type=…
  [new RegExp(`(^|[?&#;\\s"'])(${SECRET_PARAMS})=[^&#\\s"']*`, 'gi'), `$1$2=${REDACTED}`],
  // JSON string members with a secret name: "refresh_token":"x"  "accessToken": "x"
  [
    /"([A-Za-z0-9_-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g,
    (match: string, name: string, colon: string) => (isSecretFieldName(name) ? `"${name}"${colon}"${REDACTED}"` : match),
  ],
  // The same inside a JSON string (a body embedded in a message, then serialised again): \"refresh_token\":\"x\"
  [
    /\\"([A-Za-z0-9_-]+)\\"(\s*:\s*)\\"(.*?)\\"/g,
    (match: string, name: string, colon: string) => (isSecretFieldName(name) ? `\\"${name}\\"${colon}\\"${REDACTED}\\"` : match),
  ],
  // JavaScript object notation (util.inspect, String(object)): refreshToken: 'x'   'refresh_token': 'x'
  [
    /(['"]?)\b([A-Za-z0-9_-]+)\1(\s*:\s*)'((?:[^'\\]|\\.)*)'/g,
    (match: string, quote: string, name: string, colon: string) => (isSecretFieldName(name) ? `${quote}${name}${quote}${colon}'${REDACTED}'` : match),
  ],
];

/**
 * Replaces credentials in free text: Authorization / x-api-key / Cookie header values, Bearer/Basic/Digest values,
 * secret parameters in query strings, fragments and form bodies (access_token, refresh_token, code, code_verifier,
 * client_secret, token, …), secret-named members in JSON and inspected objects, passwords in URLs, and every exact
 * occurrence of a known secret value (raw, URL-encoded and JSON-escaped).
 */
export function redactText(text: string, knownSecrets: Iterable<string> = []): string {
  let out = replaceKnownSecrets(text, knownSecrets);
  for (const [pattern, replacement] of TEXT_RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement as (...args: string[]) => string);
  }
  return out;
}

function replaceKnownSecrets(text: string, knownSecrets: Iterable<string>): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (typeof secret !== 'string' || secret.length < MIN_KNOWN_SECRET_LENGTH) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

const MAX_DEPTH = 8;
const MAX_ARRAY_ITEMS = 100;

/**
 * A deep copy safe to log: secret-named fields become "[redacted]", every string goes through `redactText`, Errors
 * become `{name, message, code}` (axios errors also `method`, `url` without query secrets and `status`, never their
 * config or headers), cycles and very deep values are cut off. Never throws.
 */
export function redactFields(value: unknown, knownSecrets: Iterable<string> = []): unknown {
  const known = [...knownSecrets].filter((s) => typeof s === 'string' && s.length >= MIN_KNOWN_SECRET_LENGTH);
  return copy(value, known, 0, new WeakSet());
}

function copy(value: unknown, known: readonly string[], depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value, known);
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || value === undefined) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value !== 'object') return String(value);
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorSummary(value, known, depth, seen);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
    if (value instanceof URL) return redactText(value.toString(), known);
    if (value instanceof Map) return copy(Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), v])), known, depth, seen);
    if (value instanceof Set) return copy([...value], known, depth, seen);
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ARRAY_ITEMS).map((item) => copy(item, known, depth + 1, seen));
      if (value.length > MAX_ARRAY_ITEMS) items.push(`[${value.length - MAX_ARRAY_ITEMS} more]`);
      return items;
    }
    // An object with its own `toJSON`-free shape: copy own enumerable fields, checking each name.
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      let field: unknown;
      try {
        field = (value as Record<string, unknown>)[key];
      } catch {
        field = '[unreadable]';
      }
      // defineProperty, not assignment: a key named "__proto__" must stay a plain field, not replace the prototype.
      Object.defineProperty(out, key, {
        value: isSecretFieldName(key) && field !== undefined && field !== null ? REDACTED : copy(field, known, depth + 1, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  } catch {
    return '[unreadable]';
  } finally {
    seen.delete(value);
  }
}

interface AxiosLike {
  isAxiosError: true;
  config?: { method?: string; url?: string; baseURL?: string };
  response?: { status?: number };
}

function isAxiosLike(error: Error): error is Error & AxiosLike {
  return (error as Partial<AxiosLike>).isAxiosError === true;
}

function errorSummary(error: Error, known: readonly string[], depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const summary: Record<string, unknown> = { name: safeString(error.name), message: redactText(safeString(error.message), known) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') summary.code = code;
  if (isAxiosLike(error)) {
    const config = error.config ?? {};
    if (typeof config.method === 'string') summary.method = config.method.toUpperCase();
    const url = requestUrl(config);
    if (url) summary.url = redactText(url, known);
    if (typeof error.response?.status === 'number') summary.status = error.response.status;
  } else {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number') summary.status = status;
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined) summary.cause = copy(cause, known, depth + 1, seen);
  return summary;
}

/** The request URL with any query string redacted param by param (cursors stay readable, tokens do not). */
function requestUrl(config: { url?: string; baseURL?: string }): string | null {
  if (typeof config.url !== 'string') return null;
  try {
    return config.baseURL && !/^[a-z][a-z0-9+.-]*:/i.test(config.url) ? new URL(config.url, config.baseURL).toString() : config.url;
  } catch {
    return config.url;
  }
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return '[unreadable]';
  }
}

/**
 * Wraps a logger so every message and field is redacted before it is written, including any exact secret value the
 * app holds right now (`knownSecrets`, read on each entry so a token refreshed a minute ago is covered too). A failing
 * `knownSecrets` never loses the entry: the pattern-based redaction still applies.
 */
export function redactingLogger(inner: Logger, knownSecrets?: () => Iterable<string>): Logger {
  const secrets = (): string[] => {
    if (!knownSecrets) return [];
    try {
      return [...knownSecrets()].filter((s) => typeof s === 'string' && s.length >= MIN_KNOWN_SECRET_LENGTH);
    } catch {
      return [];
    }
  };
  const wrap =
    (write: Logger['info']) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const known = secrets();
      const text = redactText(safeString(message), known);
      if (fields === undefined) return write(text);
      const clean = redactFields(fields, known);
      write(text, clean !== null && typeof clean === 'object' && !Array.isArray(clean) ? (clean as Record<string, unknown>) : { fields: clean });
    };
  return {
    debug: wrap((m, f) => inner.debug(m, f)),
    info: wrap((m, f) => inner.info(m, f)),
    warn: wrap((m, f) => inner.warn(m, f)),
    error: wrap((m, f) => inner.error(m, f)),
  };
}

/**
 * What a crash prints: the error's name, message and stack, redacted. Node's default printout of an uncaught error is
 * `util.inspect`, which for an axios error includes its whole config, headers and all; this never does.
 */
export function crashReport(error: unknown, knownSecrets: Iterable<string> = []): string {
  const known = [...knownSecrets];
  if (error instanceof Error) {
    const stack = typeof error.stack === 'string' ? error.stack : `${error.name}: ${error.message}`;
    const details = redactFields(error, known) as Record<string, unknown>;
    const extra = Object.entries(details).filter(([k]) => k !== 'name' && k !== 'message');
    return `${redactText(stack, known)}${extra.length > 0 ? `\n${JSON.stringify(Object.fromEntries(extra))}` : ''}`;
  }
  let text: string;
  try {
    text = typeof error === 'string' ? error : (JSON.stringify(redactFields(error, known)) ?? String(error));
  } catch {
    text = safeString(error);
  }
  return redactText(text, known);
}
