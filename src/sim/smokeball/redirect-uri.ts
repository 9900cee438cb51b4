/**
 * Callback URL matching. Cognito matches registered callback URLs exactly (trailing slash included).
 * With `allowLoopbackAnyPort`, a registered loopback URI (http://127.0.0.1/... or http://[::1]/...) also
 * matches the same URI on any port, as RFC 8252 §7.3 asks of servers for native apps.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

export function isRedirectAllowed(candidate: string, registered: readonly string[], allowLoopbackAnyPort: boolean): boolean {
  if (registered.includes(candidate)) return true;
  if (!allowLoopbackAnyPort) return false;
  let c: URL;
  try {
    c = new URL(candidate);
  } catch {
    return false;
  }
  if (c.protocol !== 'http:' || !LOOPBACK_HOSTS.has(c.hostname)) return false;
  return registered.some((r) => {
    let u: URL;
    try {
      u = new URL(r);
    } catch {
      return false;
    }
    // Compare everything but the port, on the raw strings' path+query so a trailing slash still counts.
    return (
      u.protocol === 'http:' &&
      u.hostname === c.hostname &&
      u.pathname === c.pathname &&
      u.search === c.search &&
      u.hash === '' &&
      c.hash === '' &&
      pathOf(r) === pathOf(candidate)
    );
  });
}

/** The path+query part exactly as written (URL() would add a "/" to a bare origin). */
function pathOf(uri: string): string {
  const afterScheme = uri.indexOf('//') + 2;
  const slash = uri.indexOf('/', afterScheme);
  const query = uri.indexOf('?', afterScheme);
  const start = slash === -1 ? query : query === -1 ? slash : Math.min(slash, query);
  return start === -1 ? '' : uri.slice(start);
}
