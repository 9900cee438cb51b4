import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

/**
 * The certificate authorities a request trusts: Node's bundled roots, the operating system's store where the runtime
 * can read it (`tls.getCACertificates('system')`, Node 22.15+ and so Electron 45's main process; absent in Node 20),
 * the file named by `NODE_EXTRA_CA_CERTS`, and the PEM the firm's IT added in Settings → Network. Passing `ca` to a
 * connection replaces Node's defaults, so all four are listed explicitly. Verification itself is never turned off.
 */
export function trustedCertificates(extraPem: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Set<string>(tls.rootCertificates);
  for (const pem of systemCertificates()) out.add(pem);
  const extraFile = env.NODE_EXTRA_CA_CERTS;
  if (extraFile) {
    try {
      for (const pem of splitPem(readFileSync(extraFile, 'utf8'))) out.add(pem);
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we (the roots still apply).
    }
  }
  for (const pem of splitPem(extraPem ?? '')) out.add(pem);
  return [...out];
}

type GetCaCertificates = (type: 'default' | 'system' | 'bundled' | 'extra') => string[];

function systemCertificates(): string[] {
  const get = (tls as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;
  if (typeof get !== 'function') return [];
  try {
    return get('system');
  } catch {
    return [];
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates in a PEM text; anything else in it (comments, keys) is ignored. */
export function splitPem(text: string): string[] {
  return (text.match(PEM_BLOCK) ?? []).map((b) => `${b.trim()}\n`);
}

/** A PEM text from the settings screen that holds no certificate is refused with a clear message. */
export function checkCaPem(text: string): string | null {
  if (text.trim() === '') return null;
  const blocks = splitPem(text);
  if (blocks.length === 0) return 'No certificate found: paste the root certificate in PEM form (-----BEGIN CERTIFICATE----- …).';
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return `The certificate could not be read: ${(error as Error).message}`;
    }
  }
  return null;
}
