import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A private root CA and a server certificate it signed for 127.0.0.1, made with the openssl CLI in `dir` — what a
 * firm's TLS-inspecting proxy presents instead of the real server's certificate.
 */
export interface TestCa {
  caPem: string;
  caPath: string;
  server: { key: string; cert: string };
}

export function makeTestCa(dir: string, subject = '/CN=Firm Inspection Root CA/O=Test Firm'): TestCa {
  const at = (f: string) => join(dir, f);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '2', '-subj', subject]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run([
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.pem'),
    '-days',
    '2',
    '-extfile',
    at('server.ext'),
  ]);
  return {
    caPem: readFileSync(at('ca.pem'), 'utf8'),
    caPath: at('ca.pem'),
    server: { key: readFileSync(at('server.key'), 'utf8'), cert: readFileSync(at('server.pem'), 'utf8') },
  };
}
