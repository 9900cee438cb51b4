#!/usr/bin/env node
/**
 * Relay command line (npx tsx src/relay/cli.ts …):
 *   serve              run the relay
 *   firm create        register a firm; prints its credentials once
 *   firm rotate-token  issue a new token; the old one stops working at once
 *   firm list          list firms (never prints credentials)
 *   firm pair          a single-use pairing code (and link) for the firm's app
 */
import { parseArgs } from 'node:util';
import type { Logger } from '../shared/logger.js';
import { createRelayAdmin, RelayAdminError } from './admin.js';
import { RelayConfigError, startRelayServer } from './server.js';
import { StorageUrlError } from './storage/errors.js';
import { openStorage } from './storage/open.js';
import { terminalSafe } from '../shared/terminal-text.js';

const USAGE = `Usage: relay <command> [options]

  serve --storage URL --smokeball-client-id ID [--port N (8787)] [--host H (127.0.0.1)]
        [--public-url URL] [--retention-days N (7)] [--max-body-bytes N (65536)]
        [--pair-attempts-per-minute N (10)] [--trust-proxy yes|no (no: behind a load balancer, yes)]
        [--max-clock-skew-seconds N (300)] [--max-stored-events-per-firm N (50000)]
        [--max-stored-bytes-per-firm N (134217728)] [--ingest-per-second N (20)]
        [--ingest-burst N (200)] [--ingest-bytes-per-second N (262144)] [--ingest-burst-bytes N (2097152)]
        [--max-long-polls-per-firm N (4)]
        [--read-bytes-per-second N (1048576)] [--read-burst-bytes N (4194304)]
        [--budget-mode per-firm|shared (per-firm)] [--budget-rate N (5)] [--budget-concurrency N (5)]
  firm create --storage URL --name NAME
  firm rotate-token --storage URL --firm ID
  firm list --storage URL
  firm pair --storage URL --firm ID [--public-url URL] [--minutes N (30)]

Storage URL: sqlite:/var/lib/relay/relay.sqlite  or  postgres://user@host:5432/relay
Each option may also come from the environment: RELAY_STORAGE, RELAY_PORT, RELAY_HOST, RELAY_PUBLIC_URL,
RELAY_SMOKEBALL_CLIENT_ID, RELAY_RETENTION_DAYS, RELAY_PAIR_ATTEMPTS_PER_MINUTE, RELAY_TRUST_PROXY, RELAY_MAX_BODY_BYTES, RELAY_MAX_CLOCK_SKEW_SECONDS,
RELAY_MAX_STORED_EVENTS_PER_FIRM, RELAY_MAX_STORED_BYTES_PER_FIRM, RELAY_INGEST_PER_SECOND,
RELAY_INGEST_BURST, RELAY_INGEST_BYTES_PER_SECOND, RELAY_INGEST_BURST_BYTES, RELAY_MAX_LONG_POLLS_PER_FIRM,
RELAY_READ_BYTES_PER_SECOND, RELAY_READ_BURST_BYTES, RELAY_BUDGET_MODE, RELAY_BUDGET_RATE,
RELAY_BUDGET_CONCURRENCY. RELAY_ADMIN_TOKEN (environment only, at least 24 characters) turns on
GET /v1/admin/budget for the operator.
`;

class UsageError extends Error {}

const OPTIONS = {
  storage: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  'smokeball-client-id': { type: 'string' },
  'retention-days': { type: 'string' },
  'pair-attempts-per-minute': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'max-clock-skew-seconds': { type: 'string' },
  'max-stored-events-per-firm': { type: 'string' },
  'max-stored-bytes-per-firm': { type: 'string' },
  'ingest-per-second': { type: 'string' },
  'ingest-burst': { type: 'string' },
  'ingest-bytes-per-second': { type: 'string' },
  'ingest-burst-bytes': { type: 'string' },
  'max-long-polls-per-firm': { type: 'string' },
  'read-bytes-per-second': { type: 'string' },
  'read-burst-bytes': { type: 'string' },
  'budget-mode': { type: 'string' },
  'budget-rate': { type: 'string' },
  'budget-concurrency': { type: 'string' },
  name: { type: 'string' },
  firm: { type: 'string' },
  minutes: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** A flag, else its RELAY_* environment variable. */
function option(values: Values, name: Exclude<keyof typeof OPTIONS, 'help'>): string | undefined {
  return values[name] ?? process.env[`RELAY_${name.toUpperCase().replaceAll('-', '_')}`];
}

function required(values: Values, name: Exclude<keyof typeof OPTIONS, 'help'>): string {
  const v = option(values, name);
  if (v === undefined || v.trim() === '') throw new UsageError(`--${name} is required`);
  return v;
}

function numberOption(values: Values, name: Exclude<keyof typeof OPTIONS, 'help'>): number | undefined {
  const v = option(values, name);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return Number(v);
}

function yes(v: string, name: string): boolean {
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new UsageError(`--${name} must be yes or no, got "${v}"`);
}

/** JSON lines on stderr; the relay never passes secrets to its logger. */
const consoleLogger: Logger = {
  debug() {},
  info: (message, fields) => console.error(JSON.stringify({ level: 'info', time: new Date().toISOString(), message, ...fields })),
  warn: (message, fields) => console.error(JSON.stringify({ level: 'warn', time: new Date().toISOString(), message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ level: 'error', time: new Date().toISOString(), message, ...fields })),
};

async function serve(values: Values): Promise<number> {
  const server = await startRelayServer({
    storage: required(values, 'storage'),
    smokeballClientId: required(values, 'smokeball-client-id'),
    host: option(values, 'host') ?? '127.0.0.1',
    port: numberOption(values, 'port') ?? 8787,
    ...(option(values, 'public-url') !== undefined ? { publicUrl: option(values, 'public-url') } : {}),
    ...(numberOption(values, 'retention-days') !== undefined ? { retentionDays: numberOption(values, 'retention-days') } : {}),
    ...(numberOption(values, 'pair-attempts-per-minute') !== undefined ? { pairAttemptsPerMinute: numberOption(values, 'pair-attempts-per-minute') } : {}),
    ...(option(values, 'trust-proxy') !== undefined ? { trustProxy: yes(option(values, 'trust-proxy')!, 'trust-proxy') } : {}),
    ...(numberOption(values, 'max-body-bytes') !== undefined ? { maxBodyBytes: numberOption(values, 'max-body-bytes') } : {}),
    ...(numberOption(values, 'max-clock-skew-seconds') !== undefined ? { maxClockSkewSeconds: numberOption(values, 'max-clock-skew-seconds') } : {}),
    ...(numberOption(values, 'max-stored-events-per-firm') !== undefined ? { maxStoredEventsPerFirm: numberOption(values, 'max-stored-events-per-firm') } : {}),
    ...(numberOption(values, 'max-stored-bytes-per-firm') !== undefined ? { maxStoredBytesPerFirm: numberOption(values, 'max-stored-bytes-per-firm') } : {}),
    ...(numberOption(values, 'ingest-per-second') !== undefined ? { ingestPerSecond: numberOption(values, 'ingest-per-second') } : {}),
    ...(numberOption(values, 'ingest-burst') !== undefined ? { ingestBurst: numberOption(values, 'ingest-burst') } : {}),
    ...(numberOption(values, 'ingest-bytes-per-second') !== undefined ? { ingestBytesPerSecond: numberOption(values, 'ingest-bytes-per-second') } : {}),
    ...(numberOption(values, 'ingest-burst-bytes') !== undefined ? { ingestBurstBytes: numberOption(values, 'ingest-burst-bytes') } : {}),
    ...(numberOption(values, 'max-long-polls-per-firm') !== undefined ? { maxLongPollsPerFirm: numberOption(values, 'max-long-polls-per-firm') } : {}),
    ...(numberOption(values, 'read-bytes-per-second') !== undefined ? { readBytesPerSecond: numberOption(values, 'read-bytes-per-second') } : {}),
    ...(numberOption(values, 'read-burst-bytes') !== undefined ? { readBurstBytes: numberOption(values, 'read-burst-bytes') } : {}),
    budget: {
      ...(option(values, 'budget-mode') !== undefined ? { mode: option(values, 'budget-mode') as 'per-firm' | 'shared' } : {}),
      ...(numberOption(values, 'budget-rate') !== undefined ? { ratePerSecond: numberOption(values, 'budget-rate') } : {}),
      ...(numberOption(values, 'budget-concurrency') !== undefined ? { concurrency: numberOption(values, 'budget-concurrency') } : {}),
    },
    // The operator token comes from the environment only: a flag would show in the process list.
    ...(process.env.RELAY_ADMIN_TOKEN ? { adminToken: process.env.RELAY_ADMIN_TOKEN } : {}),
    logger: consoleLogger,
  });
  console.log(`relay listening on ${server.url}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

async function firmCommand(sub: string | undefined, values: Values): Promise<number> {
  if (sub !== 'create' && sub !== 'rotate-token' && sub !== 'list' && sub !== 'pair')
    throw new UsageError('firm needs one of: create, rotate-token, list, pair');
  const storage = await openStorage(required(values, 'storage'));
  try {
    const admin = createRelayAdmin(storage);
    if (sub === 'create') {
      const firm = await admin.createFirm({ name: required(values, 'name') });
      console.log(`firmId:           ${firm.firmId}`);
      console.log(`token:            ${firm.token}`);
      console.log(`smokeballKey:     ${firm.smokeballKey}`);
      console.log(`caseStatusSecret: ${firm.caseStatusSecret}`);
      console.error("\nWARNING: the token is not shown again (the relay keeps only its hash). Put it in the firm's app now;");
      console.error("give caseStatusSecret to Case Status for the firm's event endpoint. Lost token: firm rotate-token.");
    } else if (sub === 'rotate-token') {
      const { token } = await admin.rotateToken(required(values, 'firm'));
      console.log(`token: ${token}`);
      console.error("\nWARNING: the token is not shown again. The old token no longer works; update the firm's app.");
    } else if (sub === 'pair') {
      const minutes = numberOption(values, 'minutes') ?? 30;
      const { code, expiresAt } = await admin.createPairingCode(required(values, 'firm'), minutes * 60_000);
      const base = option(values, 'public-url')?.replace(/\/$/, '');
      console.log(`code:    ${code}`);
      if (base) console.log(`link:    ${base}/pair/${code}`);
      console.log(`expires: ${expiresAt}`);
      console.error('\nGive the code (or the link) to the firm: Case Status Sync asks for it in its set-up (Real-time updates).');
      console.error('It works once. Pairing issues the firm a new token: an install paired before must pair again.');
    } else {
      const firms = await admin.listFirms();
      if (firms.length === 0) console.log('no firms');
      // Names were typed by whoever created the firm: never let one drive the terminal.
      for (const f of firms) console.log(terminalSafe(`${f.firmId}  ${f.createdAt}  ${f.name}`));
    }
    return 0;
  } finally {
    await storage.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, sub] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'serve') return serve(values);
  if (command === 'firm') return firmCommand(sub, values);
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const known = err instanceof UsageError || err instanceof RelayAdminError || err instanceof RelayConfigError || err instanceof StorageUrlError;
    if (err instanceof UsageError || (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      console.error(`${(err as Error).message}\n\n${USAGE}`);
    } else {
      console.error(`relay: ${known ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
