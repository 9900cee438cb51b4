import { startWorld } from '../testbed/world.js';

/** Starts both simulators with a seeded firm and keeps them running until Ctrl-C. */
export async function runSims(o: { matters: number; seed: number; smokeballPort: number; caseStatusPort: number }): Promise<number> {
  const world = await startWorld({ matters: o.matters, seed: o.seed, smokeball: { port: o.smokeballPort }, caseStatus: { port: o.caseStatusPort } });
  const sb = world.smokeball;
  const cs = world.caseStatus;
  process.stdout.write(
    [
      `Seeded firm "${world.firm.name}": ${world.firm.matters.length} matters, ${world.firm.contacts.length} contacts, ${world.firm.messages.length} messages, ${world.firm.documents.length} documents (seed ${o.seed})`,
      '',
      `Smokeball API     ${sb.url}   (x-api-key: ${sb.options.apiKey}, ${sb.options.rateLimit.ratePerSecond}/s burst ${sb.options.rateLimit.burst})`,
      `Smokeball OAuth   ${sb.authUrl}/oauth2/authorize  ${sb.authUrl}/oauth2/token  (client_id: ${sb.options.clientId})`,
      `Smokeball control ${sb.url}/_sim/`,
      `Case Status API   ${cs.url}/v1   (Authorization: Bearer ${cs.apiKey})`,
      `Case Status control ${cs.url}/_sim/`,
      '',
      'Simulator credentials are fixed demo values, not secrets. Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await world.close();
  return 0;
}
