import { z } from 'zod';
import { SetupProgressSchema } from './setup.js';

/**
 * The app's settings: everything staff or the firm's IT person can change that is not a secret. Secrets (API keys,
 * tokens) are never part of this object; they go to the OS keychain through `setSecret`.
 */
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a 24-hour time such as 02:00');
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'Use an http(s) address');

/** Case Status's documented API limit: the app's default pace towards it (requests per second, burst). */
export const CASE_STATUS_PACE = { ratePerSecond: 10, burst: 10 } as const;

export const ConnectionsSchema = z.object({
  smokeballApiUrl: httpUrl.default('https://api.smokeball.com'),
  smokeballAuthUrl: httpUrl.default('https://auth.smokeball.com'),
  smokeballClientId: z.string().max(200).default(''),
  /** The firm's contracted Smokeball rate (requests per second) and burst. */
  smokeballRatePerSecond: z.number().min(0.5).max(100).default(5),
  smokeballBurst: z.number().int().min(1).max(100).default(5),
  caseStatusApiUrl: httpUrl.default('https://api.casestatus.com'),
  /** The pace towards Case Status (requests per second) and burst; raise only if Case Status grants more. */
  caseStatusRatePerSecond: z.number().min(0.5).max(100).default(CASE_STATUS_PACE.ratePerSecond),
  caseStatusBurst: z.number().int().min(1).max(100).default(CASE_STATUS_PACE.burst),
  /** Real-time relay; empty turns real-time updates off (the nightly and manual syncs still run). */
  relayUrl: z.union([httpUrl, z.literal('')]).default(''),
});

/**
 * The firm's network: the proxy user name (its password is a secret, in the keychain) and root certificates to trust
 * in addition to the system's, for a firm that inspects TLS traffic. The proxy itself comes from the system settings
 * (PAC, WPAD) in the tray app and from HTTPS_PROXY / HTTP_PROXY / NO_PROXY under `serve` and the CLI.
 */
export const NetworkSchema = z.object({
  proxyUsername: z.string().max(256).default(''),
  extraCaPem: z
    .string()
    .max(256 * 1024)
    .refine(
      (t) => t.trim() === '' || /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(t),
      'Paste the root certificate in PEM form (-----BEGIN CERTIFICATE----- …)',
    )
    .default(''),
});

export const MatterFilterSchema = z.object({
  statuses: z
    .array(z.enum(['Open', 'Pending', 'Closed', 'Cancelled', 'Deleted']))
    .min(1)
    .default(['Open', 'Pending']),
  /** Empty: every matter type. */
  matterTypeIds: z.array(z.string().max(100)).max(1000).default([]),
});

export const SettingsSchema = z.object({
  connections: ConnectionsSchema.default(ConnectionsSchema.parse({})),
  network: NetworkSchema.default(NetworkSchema.parse({})),
  matterFilter: MatterFilterSchema.default(MatterFilterSchema.parse({})),
  /** Smokeball stage id → Case Status stage name (null: explicitly no stage). */
  stageMapping: z.record(z.string().max(100), z.string().max(200).nullable()).default({}),
  /** Smokeball matter type name → Case Status practice area name. */
  practiceAreaMapping: z.record(z.string().max(200), z.string().max(200)).default({}),
  nightlySyncTime: hhmm.default('02:00'),
  launchAtLogin: z.boolean().default(true),
  /** all: every finished sync and every problem; attention: only problems that need a person; off: none. */
  notifications: z.enum(['all', 'attention', 'off']).default('attention'),
  /** How far the guided set-up is (changed only through the set-up commands, never by a settings patch). */
  setup: SetupProgressSchema.default(SetupProgressSchema.parse({})),
  /** This PC should be the firm's sync host when available: preferred installs win a take-over (office manager's choice). */
  preferredSyncHost: z.boolean().default(false),
  /** "Hold stage changes for N minutes before texting clients": 0 sends at once (the set-up flow offers 2). */
  stageHoldMinutes: z.number().int().min(0).max(30).default(0),
  /** More stage changes and closures than this within 10 minutes wait for a person to confirm. */
  massChangeLimit: z.number().int().min(1).max(10_000).default(25),
  /** How many days the matter history keeps (entries past a size bound go earlier, oldest first). */
  historyRetentionDays: z.number().int().min(1).max(3650).default(180),
});

export type Settings = z.infer<typeof SettingsSchema>;
export type Connections = z.infer<typeof ConnectionsSchema>;
export type NetworkSettings = z.infer<typeof NetworkSchema>;

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});

/**
 * A settings change from the window: any top-level section, each replaced as a whole (connections merged field by
 * field). Fields are taken without their defaults: zod 4 fills a default in even for an absent optional key, so a
 * patch naming only `connections.smokeballClientId` would otherwise reset every other connection field, the stage
 * mapping, the practice areas and notifications.
 */
const C = ConnectionsSchema.shape;
const ConnectionsPatchSchema = z
  .object({
    smokeballApiUrl: C.smokeballApiUrl.unwrap(),
    smokeballAuthUrl: C.smokeballAuthUrl.unwrap(),
    smokeballClientId: C.smokeballClientId.unwrap(),
    smokeballRatePerSecond: C.smokeballRatePerSecond.unwrap(),
    smokeballBurst: C.smokeballBurst.unwrap(),
    caseStatusApiUrl: C.caseStatusApiUrl.unwrap(),
    caseStatusRatePerSecond: C.caseStatusRatePerSecond.unwrap(),
    caseStatusBurst: C.caseStatusBurst.unwrap(),
    relayUrl: C.relayUrl.unwrap(),
  } satisfies Record<keyof typeof C, z.ZodType>)
  .partial()
  .strict();

export const SettingsPatchSchema = z
  .object({
    connections: ConnectionsPatchSchema,
    network: NetworkSchema.strict(),
    matterFilter: MatterFilterSchema.strict(),
    stageMapping: SettingsSchema.shape.stageMapping.unwrap(),
    practiceAreaMapping: SettingsSchema.shape.practiceAreaMapping.unwrap(),
    nightlySyncTime: hhmm,
    launchAtLogin: z.boolean(),
    notifications: SettingsSchema.shape.notifications.unwrap(),
    preferredSyncHost: z.boolean(),
    stageHoldMinutes: SettingsSchema.shape.stageHoldMinutes.unwrap(),
    massChangeLimit: SettingsSchema.shape.massChangeLimit.unwrap(),
    historyRetentionDays: SettingsSchema.shape.historyRetentionDays.unwrap(),
  })
  .partial()
  .strict();

export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  return SettingsSchema.parse({
    ...current,
    ...patch,
    connections: { ...current.connections, ...patch.connections },
  });
}
