import { z } from 'zod';
import { SettingsPatchSchema, type Settings } from './settings.js';
import { ATTENTION_KINDS, type AppView, type AttentionView, type MappingOptions } from './view.js';
import { setupCommandInputs, type SetupCommandResults } from './setup.js';
import type { SyncPreview } from './preview.js';
import type { HistoryMatterView, HistoryTimelineView } from './history.js';

/**
 * The one typed contract between the window and the app core. Each command has a zod schema for its input (every
 * message from the renderer or a WebSocket client is validated against it) and a result type. Electron main, the
 * preload bridge, the headless host and the renderer all import this file.
 */
const none = z.object({}).strict();
const id = z.object({ id: z.number().int().positive() }).strict();

export const SECRET_NAMES = ['smokeballApiKey', 'caseStatusApiKey', 'relayToken', 'proxyPassword'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export const commandInputs = {
  getView: none,
  syncNow: none,
  /** The nightly full reconcile, on demand. */
  reconcileNow: none,
  pause: z
    .object({
      minutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60),
    })
    .strict(),
  resume: none,
  retryAttention: id,
  dismissAttention: id,
  /** Every open item of one kind (the list behind a group row, for its search and CSV export). */
  attentionItems: z.object({ kind: z.enum(ATTENTION_KINDS) }).strict(),
  /** Retry on a group: one run (or one sign-in) for the whole kind, every message or document once. */
  retryAttentionGroup: z.object({ kind: z.enum(ATTENTION_KINDS) }).strict(),
  dismissAttentionGroup: z.object({ kind: z.enum(ATTENTION_KINDS) }).strict(),
  /** The dry run: what the next sync would do, writing nothing (src/sync/preview). */
  previewSync: none,
  /** Approves a refused mass closure and runs the reconcile that closes them. */
  confirmAttention: id,
  updateSettings: SettingsPatchSchema,
  setSecret: z.object({ name: z.enum(SECRET_NAMES), value: z.string().trim().min(1).max(4096) }).strict(),
  clearSecret: z.object({ name: z.enum(SECRET_NAMES) }).strict(),
  /** Starts Smokeball sign-in (authorization code + PKCE, loopback redirect); the host opens the URL in the system browser. */
  signIn: none,
  signOut: none,
  getMappingOptions: none,
  openExternal: z
    .object({
      url: z
        .string()
        .url()
        .max(2048)
        .refine((u) => /^https?:\/\//.test(u), 'Only http(s) links open'),
    })
    .strict(),
  /** Writes the support zip (logs, versions, settings, state summary; client details only when ticked). */
  exportDiagnostics: z.object({ includeClientDetails: z.boolean() }).strict(),
  /** "Send now" on held stage changes or closures: sent at once, past the hold and the mass-change guard. */
  sendHeldChanges: z.object({ matterIds: z.array(z.string().min(1).max(100)).min(1).max(10_000) }).strict(),
  /** "Don't send": applied to the case without texting the client (nothing sends them later). */
  skipHeldChanges: z.object({ matterIds: z.array(z.string().min(1).max(100)).min(1).max(10_000) }).strict(),
  /** "Make this PC the sync host": the firm's current host hands over at its next renewal (within 20 s). */
  makeSyncHost: none,
  /** Matter history: linked matters whose number, title or client name contains the query (first 50). */
  historySearch: z.object({ query: z.string().trim().min(1, 'Type a matter number, title or client name').max(200) }).strict(),
  /** Matter history: one matter's timeline, newest first. */
  historyMatter: z.object({ matterId: z.string().min(1).max(100) }).strict(),
  /** The guided set-up (src/contract/setup.ts). */
  ...setupCommandInputs,
} as const;

export type CommandName = keyof typeof commandInputs;
export type CommandInput<C extends CommandName> = z.input<(typeof commandInputs)[C]>;
/** A command's input after validation (defaults applied): what the core's handler for it receives. */
export type ParsedCommandInput<C extends CommandName> = z.output<(typeof commandInputs)[C]>;

export interface CommandResults extends SetupCommandResults {
  getView: AppView;
  syncNow: { started: boolean; reason?: string };
  reconcileNow: { started: boolean; reason?: string };
  pause: { pausedUntil: string };
  resume: { resumed: boolean };
  retryAttention: { retried: boolean; message: string };
  dismissAttention: { dismissed: boolean };
  confirmAttention: { confirmed: boolean; message: string };
  attentionItems: AttentionView[];
  retryAttentionGroup: { retried: boolean; message: string };
  dismissAttentionGroup: { dismissed: number };
  previewSync: SyncPreview;
  updateSettings: Settings;
  setSecret: { saved: true };
  clearSecret: { cleared: true };
  signIn: { authorizeUrl: string };
  signOut: { signedOut: true };
  getMappingOptions: MappingOptions;
  openExternal: { opened: boolean };
  /** Where the zip was written (the Downloads folder in the tray app, the data folder under `serve`). */
  exportDiagnostics: { file: string };
  makeSyncHost: { requested: boolean; message: string };
  sendHeldChanges: { started: boolean; message: string };
  skipHeldChanges: { started: boolean; message: string };
  historySearch: HistoryMatterView[];
  historyMatter: HistoryTimelineView;
}

export type CommandResult<C extends CommandName> = CommandResults[C];

export class InvalidCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCommandError';
  }
}

/** Validates an untrusted {command, input} pair; throws InvalidCommandError with a readable message. */
export function parseCommand(command: unknown, input: unknown): { command: CommandName; input: unknown } {
  if (typeof command !== 'string' || !Object.hasOwn(commandInputs, command)) {
    throw new InvalidCommandError(`Unknown command ${JSON.stringify(String(command)).slice(0, 80)}`);
  }
  const name = command as CommandName;
  const parsed = commandInputs[name].safeParse(input ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    throw new InvalidCommandError(`Invalid input for ${name}: ${oneLine(detail, MAX_DETAIL_LENGTH)}`);
  }
  return { command: name, input: parsed.data };
}

/**
 * Refusals quote keys and paths from the input: a 1 MB key or a newline in one must not make a 1 MB or two-line
 * message. 440 keeps "Invalid input for <command>: …" within the 500 characters the transports pass on.
 */
const MAX_DETAIL_LENGTH = 440;

function oneLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Longest error message a transport passes to a window (IPC or WebSocket), before the ellipsis. */
const MAX_PUBLIC_ERROR_LENGTH = 500;

/**
 * The one way a failed command is told to a window, whatever the transport: the first line of the message (no
 * stack, no internals), at most 500 characters and an ellipsis.
 */
export function publicErrorMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const firstLine = raw.split('\n')[0]!.trim();
  if (!firstLine) return 'Something went wrong. See the log for details.';
  return firstLine.length > MAX_PUBLIC_ERROR_LENGTH ? `${firstLine.slice(0, MAX_PUBLIC_ERROR_LENGTH)}…` : firstLine;
}

/** The bridge a window talks to (Electron preload or the headless host's WebSocket client). */
export interface AppBridge {
  invoke<C extends CommandName>(command: C, input?: CommandInput<C>): Promise<CommandResult<C>>;
  onView(listener: (view: AppView) => void): () => void;
}

/** Electron IPC channel names (one for commands, one for pushed views). */
export const IPC_CHANNELS = { invoke: 'css:invoke', view: 'css:view' } as const;

/** Wire messages of the headless host's WebSocket. */
export type WsServerMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string } | { event: 'view'; data: AppView };
