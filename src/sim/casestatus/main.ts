/**
 * Runs the Case Status simulator on its own, on a generated firm:
 *   npx tsx src/sim/casestatus/main.ts --seed 1 --matters 200 --port 4020
 * See docs/simulators/casestatus.md for every flag.
 */
import { parseArgs } from 'node:util';
import { generateFirm } from '../seed/generate.js';
import { startCaseStatusSim } from './server.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    matters: { type: 'string', default: '200' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4020' },
    'api-key': { type: 'string', default: 'cs-sim-key' },
    'public-url': { type: 'string' },
    rate: { type: 'string', default: '10' },
    burst: { type: 'string', default: '10' },
    'no-rate-limit': { type: 'boolean', default: false },
    'any-practice-area': { type: 'boolean', default: false },
    'latency-ms': { type: 'string', default: '0' },
    'error-rate': { type: 'string', default: '0' },
    'reset-rate': { type: 'string', default: '0' },
    'hang-rate': { type: 'string', default: '0' },
    webhook: { type: 'string' },
    'webhook-secret': { type: 'string', default: 'cs-sim-event-secret' },
    'event-drop-rate': { type: 'string', default: '0' },
    'event-duplicate-rate': { type: 'string', default: '0' },
  },
});

const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number`);
  return n;
};

const firm = generateFirm({ seed: num('seed'), matters: num('matters') });
const sim = await startCaseStatusSim({
  firm,
  seed: num('seed'),
  apiKey: values['api-key'],
  host: values.host,
  port: num('port'),
  ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
  rateLimit: values['no-rate-limit'] ? false : { ratePerSecond: num('rate'), burst: num('burst') },
  ...(values['any-practice-area'] ? { practiceAreas: 'any' as const } : {}),
  faults: { latencyMs: num('latency-ms'), serverErrorRate: num('error-rate'), resetRate: num('reset-rate'), hangRate: num('hang-rate') },
  eventWebhookUrl: values.webhook ?? null,
  eventSigningSecret: values['webhook-secret'],
  eventFaults: { dropRate: num('event-drop-rate'), duplicateRate: num('event-duplicate-rate') },
});

console.log(`Case Status simulator for "${firm.name}" (firm ${sim.firmId})`);
console.log(`  API      ${sim.url}/v1   (Authorization: Bearer ${sim.apiKey})`);
console.log(`  control  ${sim.url}/_sim/stats`);
console.log(`  seeded   ${firm.messages.length} messages, ${firm.documents.length} documents (visible once their case is created)`);

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
