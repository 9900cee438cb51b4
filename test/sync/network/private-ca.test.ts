import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToWorld, startWorld, type World } from '../../../src/testbed/world.js';
import type { SyncStack } from '../../../src/sync/compose.js';
import { configureNetwork, networkProblemOf, resetNetwork } from '../../../src/sync/http/network.js';
import { checkCaPem, trustedCertificates } from '../../../src/sync/http/trusted-cas.js';
import { makeTestCa, type TestCa } from '../../helpers/test-ca.js';
import { tempDir } from '../../helpers/tmp.js';
import { FAST } from '../writeback/helpers.js';

/**
 * A firm that inspects TLS: Case Status answers (as the firm's proxy would) with a certificate from a private root
 * CA made here with openssl. The sync fails with an error naming the host and the issuer until the CA is trusted
 * through the Settings PEM or NODE_EXTRA_CA_CERTS; verification is never switched off.
 */
describe('a private root CA (TLS inspection)', () => {
  let world: World;
  let stack: SyncStack & { dataDir: string };
  let ca: TestCa;
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  let settingsPem: string | undefined;
  let extraCaFile: string | undefined;

  beforeAll(async () => {
    const caDir = tempDir('css-ca-');
    dirs.push(caDir);
    ca = makeTestCa(caDir.dir);
    world = await startWorld({
      matters: 10,
      seed: 3,
      smokeball: { ...FAST, rateLimit: { ratePerSecond: 20, burst: 10 } },
      caseStatus: { ...FAST, tls: ca.server },
    });
    expect(world.caseStatus.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const data = tempDir();
    dirs.push(data);
    configureNetwork({ certificates: () => trustedCertificates(settingsPem, { NODE_EXTRA_CA_CERTS: extraCaFile }) });
    stack = await connectToWorld(world, { dataDir: data.dir, ratePerSecond: 20, burst: 10 });
  }, 120_000);

  afterAll(async () => {
    stack?.close();
    await world?.close();
    resetNetwork();
    for (const d of dirs) d.cleanup();
  });

  it('fails with "certificate not trusted" naming the host and the issuer, then completes once the PEM is added', async () => {
    const refused = await stack.engine.initialImport();
    expect(refused.outcome).toBe('failed');
    expect(refused.error).toContain('The certificate of 127.0.0.1 is not trusted (issued by Firm Inspection Root CA, Test Firm');
    expect(refused.error).toContain('Settings → Network');
    expect(networkProblemOf({ code: refused.errorCode, message: refused.error })?.kind).toBe('certificate_untrusted');
    expect(world.caseStatus.control.cases().size).toBe(0);

    expect(checkCaPem(ca.caPem)).toBeNull();
    settingsPem = ca.caPem;
    const done = await stack.engine.initialImport();
    expect(done.outcome, done.error).toBe('succeeded');
    expect(world.caseStatus.control.cases().size).toBeGreaterThan(0);
  }, 120_000);

  it('trusts the CA from NODE_EXTRA_CA_CERTS as well, and refuses again when neither names it', async () => {
    settingsPem = undefined;
    configureNetwork({ certificates: () => trustedCertificates(settingsPem, { NODE_EXTRA_CA_CERTS: extraCaFile }) });
    // A fresh connection (configureNetwork dropped the pooled ones) meets the certificate again.
    await expect(stack.caseStatus.practiceAreas()).rejects.toThrow(/The certificate of 127\.0\.0\.1 is not trusted/);

    extraCaFile = ca.caPath;
    configureNetwork({ certificates: () => trustedCertificates(settingsPem, { NODE_EXTRA_CA_CERTS: extraCaFile }) });
    expect((await stack.caseStatus.practiceAreas()).length).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a settings PEM that holds no certificate, with a clear message', () => {
    expect(checkCaPem('hello')).toMatch(/No certificate found/);
    expect(checkCaPem('-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----')).toMatch(/could not be read/);
    expect(checkCaPem('')).toBeNull();
  });
});
