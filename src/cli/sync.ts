import { z } from 'zod';
import { createSyncStack, MemorySecretStore, SECRET_KEYS, type SyncStack } from '../sync/index.js';
import { renderProgressLine } from './progress.js';
import { nothingSyncedReason } from './sync-outcome.js';

const configSchema = z.object({
  smokeball: z.object({
    apiUrl: z.url(),
    authUrl: z.url(),
    clientId: z.string().min(1),
    ratePerSecond: z.number().positive().max(100).default(5),
    burst: z.number().int().positive().max(100).default(5),
  }),
  caseStatus: z.object({
    apiUrl: z.url(),
    ratePerSecond: z.number().positive().max(100).default(10),
    burst: z.number().int().positive().max(100).default(10),
  }),
  sync: z
    .object({
      statuses: z.array(z.enum(['Open', 'Pending', 'Closed', 'Deleted', 'Cancelled'])).optional(),
      matterTypeIds: z.array(z.string()).optional(),
      stageMapping: z.record(z.string(), z.string().nullable()).optional(),
      practiceAreaMapping: z.record(z.string(), z.string()).optional(),
      defaultCountryCode: z
        .string()
        .regex(/^\d{1,3}$/)
        .optional(),
      massClosureThreshold: z.number().min(0).max(1).optional(),
    })
    .default({}),
});

/** The sync stack for the servers in a `sync`/`preview` config file; secrets from the environment. */
export async function openConfiguredStack(config: unknown, dataDir: string): Promise<SyncStack> {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    throw new Error(`config file is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const cfg = parsed.data;
  const secrets = new MemorySecretStore();
  const env = (name: string) => process.env[name]?.trim() || undefined;
  const sbKey = env('CSS_SMOKEBALL_API_KEY');
  const csKey = env('CSS_CASESTATUS_API_KEY');
  if (sbKey) await secrets.set(SECRET_KEYS.smokeballApiKey, sbKey);
  if (csKey) await secrets.set(SECRET_KEYS.caseStatusApiKey, csKey);
  const clientSecret = env('CSS_SMOKEBALL_CLIENT_SECRET');
  if (clientSecret) await secrets.set(SECRET_KEYS.smokeballClientSecret, clientSecret);
  const stack = await createSyncStack({ dataDir, connections: cfg, sync: cfg.sync, secrets });
  const refreshToken = env('CSS_SMOKEBALL_REFRESH_TOKEN');
  if (refreshToken) await stack.tokens.save({ accessToken: '', accessTokenExpiresAt: 0, refreshToken });
  return stack;
}

/** One sync run against real (or simulated) servers, configured by a JSON file; secrets from the environment. */
export async function runSync(o: { config: unknown; dataDir: string; reconcile: boolean }): Promise<number> {
  const stack = await openConfiguredStack(o.config, o.dataDir);
  try {
    let last = 0;
    stack.engine.status.on('change', (s) => {
      if (Date.now() - last < 1000) return;
      last = Date.now();
      process.stderr.write(`${renderProgressLine(s)}\n`);
    });
    const summary = o.reconcile ? await stack.engine.reconcile() : await stack.engine.syncNow();
    process.stdout.write(
      `${JSON.stringify(summary.counts)}\n${summary.kind} ${summary.outcome} in ${(summary.durationMs / 1000).toFixed(1)} s${summary.error ? `: ${summary.error}` : ''}\n`,
    );
    if (summary.outcome === 'failed') return 1;
    const nothing = nothingSyncedReason(summary);
    if (nothing) {
      process.stderr.write(`${nothing}\n`);
      return 1;
    }
    return 0;
  } finally {
    stack.close();
  }
}
