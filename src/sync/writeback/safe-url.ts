/**
 * Case links written into Smokeball memos (as clickable HYPERLINK fields) and shown in activity. A link that
 * came back from the Case Status API is still input: only a plain https: address is used (http: only on
 * 127.0.0.1/localhost, where the simulators run), so a memo can
 * never carry `file:`, `javascript:`, a UNC path or credentials for a fee earner to click.
 */
export type LinkVerdict = { ok: true; url: string } | { ok: false; reason: string };

export function checkCaseLink(raw: string): LinkVerdict {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: 'it is not a web address' };
  }
  // http: only for this machine (the simulators and local test servers); never across a network.
  const loopbackHttp = url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]');
  if (url.protocol !== 'https:' && !loopbackHttp) return { ok: false, reason: `it is a ${url.protocol} address, not https:` };
  if (url.username || url.password) return { ok: false, reason: 'it carries a user name or password' };
  if (url.hostname === '') return { ok: false, reason: 'it names no host' };
  return { ok: true, url: url.toString() };
}
