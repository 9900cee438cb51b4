/**
 * Runs the Smokeball simulator on its own, on a generated firm:
 *   npx tsx src/sim/smokeball/main.ts --seed 1 --matters 200 --port 4010
 * See docs/simulators/smokeball.md for every flag. Drive it from another process through /_sim.
 */
import { parseArgs } from 'node:util';
import { generateFirm } from '../seed/generate.js';
import { startSmokeballSim } from './server.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    matters: { type: 'string', default: '200' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4010' },
    'api-key': { type: 'string', default: 'sim-api-key' },
    'client-id': { type: 'string', default: 'sim-client-id' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'loopback-any-port': { type: 'boolean', default: false },
    rate: { type: 'string', default: '5' },
    burst: { type: 'string', default: '5' },
    'retry-after': { type: 'boolean', default: false },
    'write-delay-ms': { type: 'string', default: '250' },
    'latency-ms': { type: 'string', default: '0' },
    'jitter-ms': { type: 'string', default: '0' },
    'error-rate': { type: 'string', default: '0' },
    'reset-rate': { type: 'string', default: '0' },
    'hang-rate': { type: 'string', default: '0' },
    'webhook-duplicate-rate': { type: 'string', default: '0' },
    'webhook-reorder-rate': { type: 'string', default: '0' },
    'webhook-drop-rate': { type: 'string', default: '0' },
  },
});

const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number`);
  return n;
};

const firm = generateFirm({ seed: num('seed'), matters: num('matters') });
const sim = await startSmokeballSim({
  firm,
  seed: num('seed'),
  host: values.host,
  port: num('port'),
  apiKey: values['api-key'],
  clientId: values['client-id'],
  ...(values['client-secret'] ? { clientSecret: values['client-secret'] } : {}),
  ...(values['redirect-uri'] ? { redirectUris: values['redirect-uri'] } : {}),
  allowLoopbackAnyPort: values['loopback-any-port'],
  rateLimit: { ratePerSecond: num('rate'), burst: num('burst'), sendRetryAfter: values['retry-after'] },
  writeDelayMs: num('write-delay-ms'),
  faults: {
    latencyMs: num('latency-ms'),
    latencyJitterMs: num('jitter-ms'),
    serverErrorRate: num('error-rate'),
    resetRate: num('reset-rate'),
    hangRate: num('hang-rate'),
  },
  webhookFaults: {
    duplicateRate: num('webhook-duplicate-rate'),
    reorderRate: num('webhook-reorder-rate'),
    dropRate: num('webhook-drop-rate'),
  },
});
const tokens = sim.control.issueTokens();

console.log(`Smokeball simulator for "${firm.name}" (account ${firm.accountId})`);
console.log(`  API      ${sim.url}   (x-api-key: ${sim.options.apiKey})`);
console.log(`  OAuth    ${sim.authUrl}/oauth2/authorize, ${sim.authUrl}/oauth2/token   (client_id ${sim.options.clientId})`);
console.log(`  control  ${sim.url}/_sim/stats`);
console.log(`  token    ${tokens.accessToken}`);
console.log(`  refresh  ${tokens.refreshToken}`);
console.log(`  seeded   ${firm.matters.length} matters, ${firm.contacts.length} contacts, ${firm.staff.length} staff`);

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
