/**
 * Hostile and malformed {command, input} pairs, the same for every transport (parseCommand, Electron IPC, the
 * headless host's WebSocket). Each must be refused before the core sees it. `refusal` is what the message must start
 * with; `json: false` marks inputs that JSON cannot carry as they are (NaN, undefined), which the WebSocket test sends
 * as the text a hostile client would write instead.
 */
export interface HostileCall {
  name: string;
  command: unknown;
  input: unknown;
  refusal: RegExp;
  json?: false;
}

const MB = 1024 * 1024;
const huge = 'x'.repeat(MB);

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}
function nestedArray(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const unknown = /^Unknown command /;
const invalid = (command: string) => new RegExp(`^Invalid input for ${command}: `);

export const HOSTILE_CALLS: HostileCall[] = [
  // Not a command name at all.
  { name: 'a number as the command', command: 42, input: {}, refusal: unknown },
  { name: 'null as the command', command: null, input: {}, refusal: unknown },
  { name: 'no command', command: undefined, input: undefined, refusal: unknown, json: false },
  { name: 'an object as the command', command: { command: 'syncNow' }, input: {}, refusal: unknown },
  { name: 'an array as the command', command: ['syncNow'], input: {}, refusal: unknown },
  { name: 'an empty command', command: '', input: {}, refusal: unknown },
  { name: 'a command in the wrong case', command: 'SYNCNOW', input: {}, refusal: unknown },
  { name: 'a command with a trailing space', command: 'syncNow ', input: {}, refusal: unknown },
  { name: 'an unknown command', command: 'deleteEverything', input: {}, refusal: unknown },
  { name: 'a 1 MB command name', command: huge, input: {}, refusal: unknown },
  // Names every object inherits: must not reach a prototype method.
  { name: '"__proto__" as the command', command: '__proto__', input: {}, refusal: unknown },
  { name: '"constructor" as the command', command: 'constructor', input: {}, refusal: unknown },
  { name: '"toString" as the command', command: 'toString', input: {}, refusal: unknown },
  { name: '"hasOwnProperty" as the command', command: 'hasOwnProperty', input: {}, refusal: unknown },
  // Input of the wrong shape.
  { name: 'a string as the input', command: 'syncNow', input: 'now', refusal: invalid('syncNow') },
  { name: 'a number as the input', command: 'pause', input: 30, refusal: invalid('pause') },
  { name: 'an array as the input', command: 'getView', input: [], refusal: invalid('getView') },
  { name: 'true as the input', command: 'resume', input: true, refusal: invalid('resume') },
  { name: 'an array holding the input', command: 'pause', input: [{ minutes: 30 }], refusal: invalid('pause') },
  // Missing input or fields.
  { name: 'pause without input', command: 'pause', input: undefined, refusal: invalid('pause'), json: false },
  { name: 'pause without minutes', command: 'pause', input: {}, refusal: invalid('pause') },
  { name: 'retry without an id', command: 'retryAttention', input: {}, refusal: invalid('retryAttention') },
  { name: 'setSecret without a value', command: 'setSecret', input: { name: 'relayToken' }, refusal: invalid('setSecret') },
  { name: 'setSecret without a name', command: 'setSecret', input: { value: 'abcdefgh' }, refusal: invalid('setSecret') },
  { name: 'setSecret with a blank value', command: 'setSecret', input: { name: 'relayToken', value: '   \t ' }, refusal: invalid('setSecret') },
  { name: 'openExternal without a URL', command: 'openExternal', input: {}, refusal: invalid('openExternal') },
  { name: 'exportDiagnostics without the client-details choice', command: 'exportDiagnostics', input: {}, refusal: invalid('exportDiagnostics') },
  {
    name: 'exportDiagnostics choosing its own output path',
    command: 'exportDiagnostics',
    input: { includeClientDetails: false, out: '/etc/passwd' },
    refusal: invalid('exportDiagnostics'),
  },
  {
    name: 'exportDiagnostics with a string for the choice',
    command: 'exportDiagnostics',
    input: { includeClientDetails: 'yes' },
    refusal: invalid('exportDiagnostics'),
  },
  // Extra keys.
  { name: 'an extra key on a command without input', command: 'syncNow', input: { force: true }, refusal: invalid('syncNow') },
  { name: 'an extra key next to minutes', command: 'pause', input: { minutes: 30, now: true }, refusal: invalid('pause') },
  {
    name: 'an extra key on setSecret',
    command: 'setSecret',
    input: { name: 'relayToken', value: 'abcdefgh', persist: 'plain' },
    refusal: invalid('setSecret'),
  },
  { name: 'an unknown settings section', command: 'updateSettings', input: { secrets: { relayToken: 'x' } }, refusal: invalid('updateSettings') },
  {
    name: 'an unknown connections field',
    command: 'updateSettings',
    input: { connections: { smokeballApiKey: 'abcdefgh' } },
    refusal: invalid('updateSettings'),
  },
  // Wrong types and values.
  { name: 'minutes as a string', command: 'pause', input: { minutes: '30' }, refusal: invalid('pause') },
  { name: 'minutes as true', command: 'pause', input: { minutes: true }, refusal: invalid('pause') },
  { name: 'minutes as null', command: 'pause', input: { minutes: null }, refusal: invalid('pause') },
  { name: 'minutes as an object', command: 'pause', input: { minutes: {} }, refusal: invalid('pause') },
  { name: 'minutes with a fraction', command: 'pause', input: { minutes: 30.5 }, refusal: invalid('pause') },
  { name: 'negative minutes', command: 'pause', input: { minutes: -5 }, refusal: invalid('pause') },
  { name: 'minutes beyond a day', command: 'pause', input: { minutes: 1e9 }, refusal: invalid('pause') },
  { name: 'minutes NaN', command: 'pause', input: { minutes: Number.NaN }, refusal: invalid('pause'), json: false },
  { name: 'minutes Infinity', command: 'pause', input: { minutes: Number.POSITIVE_INFINITY }, refusal: invalid('pause'), json: false },
  { name: 'minutes -Infinity', command: 'pause', input: { minutes: Number.NEGATIVE_INFINITY }, refusal: invalid('pause'), json: false },
  { name: 'an id as a string', command: 'retryAttention', input: { id: '1' }, refusal: invalid('retryAttention') },
  { name: 'an id of 0', command: 'dismissAttention', input: { id: 0 }, refusal: invalid('dismissAttention') },
  { name: 'an id with a fraction', command: 'confirmAttention', input: { id: 1.5 }, refusal: invalid('confirmAttention') },
  { name: 'an id beyond safe integers', command: 'retryAttention', input: { id: 2 ** 60 }, refusal: invalid('retryAttention') },
  { name: 'an id NaN', command: 'retryAttention', input: { id: Number.NaN }, refusal: invalid('retryAttention'), json: false },
  { name: 'a time of 25:00', command: 'updateSettings', input: { nightlySyncTime: '25:00' }, refusal: invalid('updateSettings') },
  { name: 'launchAtLogin as "yes"', command: 'updateSettings', input: { launchAtLogin: 'yes' }, refusal: invalid('updateSettings') },
  { name: 'preferredSyncHost as 1', command: 'updateSettings', input: { preferredSyncHost: 1 }, refusal: invalid('updateSettings') },
  { name: 'a rate as a string', command: 'updateSettings', input: { connections: { smokeballRatePerSecond: 'fast' } }, refusal: invalid('updateSettings') },
  {
    name: 'a rate of Infinity',
    command: 'updateSettings',
    input: { connections: { smokeballRatePerSecond: Number.POSITIVE_INFINITY } },
    refusal: invalid('updateSettings'),
    json: false,
  },
  {
    name: 'an API URL with javascript:',
    command: 'updateSettings',
    input: { connections: { smokeballApiUrl: 'javascript:alert(1)' } },
    refusal: invalid('updateSettings'),
  },
  {
    name: 'an API URL with file:',
    command: 'updateSettings',
    input: { connections: { caseStatusApiUrl: 'file:///etc/passwd' } },
    refusal: invalid('updateSettings'),
  },
  {
    name: 'a relay URL with ftp:',
    command: 'updateSettings',
    input: { connections: { relayUrl: 'ftp://relay.example/' } },
    refusal: invalid('updateSettings'),
  },
  { name: 'an unknown notifications level', command: 'updateSettings', input: { notifications: 'loud' }, refusal: invalid('updateSettings') },
  { name: 'a stage mapped to a number', command: 'updateSettings', input: { stageMapping: { 'stage-1': 5 } }, refusal: invalid('updateSettings') },
  {
    name: 'an empty status filter',
    command: 'updateSettings',
    input: { matterFilter: { statuses: [], matterTypeIds: [] } },
    refusal: invalid('updateSettings'),
  },
  {
    name: 'an unknown matter status',
    command: 'updateSettings',
    input: { matterFilter: { statuses: ['Open', 'Hacked'], matterTypeIds: [] } },
    refusal: invalid('updateSettings'),
  },
  // Huge values (1 MB): refused by length, never stored or echoed whole.
  { name: 'a 1 MB secret value', command: 'setSecret', input: { name: 'relayToken', value: huge }, refusal: invalid('setSecret') },
  { name: 'a 1 MB URL', command: 'openExternal', input: { url: `https://example.com/${huge}` }, refusal: invalid('openExternal') },
  { name: 'a 1 MB stage id', command: 'updateSettings', input: { stageMapping: { [huge]: 'Negotiation' } }, refusal: invalid('updateSettings') },
  { name: 'a 1 MB key name', command: 'pause', input: { minutes: 30, [huge]: 1 }, refusal: invalid('pause') },
  { name: 'a 1 MB client id', command: 'updateSettings', input: { connections: { smokeballClientId: huge } }, refusal: invalid('updateSettings') },
  {
    name: 'a key with a newline and control characters',
    command: 'updateSettings',
    input: { stageMapping: { 'stage\nInjected: log line\u0000': 7 } },
    refusal: invalid('updateSettings'),
  },
  // Deep nesting.
  { name: 'minutes nested 2,000 levels deep', command: 'pause', input: { minutes: nested(2000, 30) }, refusal: invalid('pause') },
  { name: 'an input nested 2,000 levels deep', command: 'syncNow', input: nested(2000, 1), refusal: invalid('syncNow') },
  { name: 'arrays nested 2,000 levels deep', command: 'getView', input: nestedArray(2000), refusal: invalid('getView') },
  {
    name: 'a stage mapping nested 2,000 levels deep',
    command: 'updateSettings',
    input: { stageMapping: nested(2000, 'x') },
    refusal: invalid('updateSettings'),
  },
  // Prototype pollution attempts (JSON.parse makes "__proto__" an own key, as a real message would).
  {
    name: 'an own "__proto__" key next to minutes',
    command: 'pause',
    input: JSON.parse('{"minutes":30,"__proto__":{"polluted":true}}'),
    refusal: invalid('pause'),
  },
  {
    name: 'an own "__proto__" settings section',
    command: 'updateSettings',
    input: JSON.parse('{"__proto__":{"polluted":true}}'),
    refusal: invalid('updateSettings'),
  },
  {
    name: 'a "constructor.prototype" settings section',
    command: 'updateSettings',
    input: { constructor: { prototype: { polluted: true } } },
    refusal: invalid('updateSettings'),
  },
  {
    name: 'a "__proto__" key in connections',
    command: 'updateSettings',
    input: JSON.parse('{"connections":{"__proto__":{"polluted":true}}}'),
    refusal: invalid('updateSettings'),
  },
  {
    name: 'a "__proto__" key in the matter filter',
    command: 'updateSettings',
    input: JSON.parse('{"matterFilter":{"statuses":["Open"],"matterTypeIds":[],"__proto__":{"polluted":true}}}'),
    refusal: invalid('updateSettings'),
  },
  {
    name: 'a "__proto__" key on setSecret',
    command: 'setSecret',
    input: JSON.parse('{"name":"relayToken","value":"abcdefgh","__proto__":{"polluted":true}}'),
    refusal: invalid('setSecret'),
  },
  // Secret names outside the allow-list (the token set, the client secret, a keychain key as stored).
  {
    name: 'setSecret for the Smokeball token set',
    command: 'setSecret',
    input: { name: 'smokeball.tokens', value: '{"accessToken":"x"}' },
    refusal: invalid('setSecret'),
  },
  { name: 'setSecret for the client secret', command: 'setSecret', input: { name: 'smokeballClientSecret', value: 'abcdefgh' }, refusal: invalid('setSecret') },
  { name: 'setSecret for a keychain key name', command: 'setSecret', input: { name: 'relay.token', value: 'abcdefgh' }, refusal: invalid('setSecret') },
  { name: 'setSecret named "__proto__"', command: 'setSecret', input: { name: '__proto__', value: 'abcdefgh' }, refusal: invalid('setSecret') },
  { name: 'clearSecret for the Smokeball token set', command: 'clearSecret', input: { name: 'smokeball.tokens' }, refusal: invalid('clearSecret') },
  { name: 'clearSecret with a secret name in another case', command: 'clearSecret', input: { name: 'RELAYTOKEN' }, refusal: invalid('clearSecret') },
  // Links that are not web links.
  { name: 'openExternal with javascript:', command: 'openExternal', input: { url: 'javascript:alert(document.cookie)' }, refusal: invalid('openExternal') },
  { name: 'openExternal with file:', command: 'openExternal', input: { url: 'file:///C:/Windows/System32/calc.exe' }, refusal: invalid('openExternal') },
  { name: 'openExternal with data:', command: 'openExternal', input: { url: 'data:text/html,<script>alert(1)</script>' }, refusal: invalid('openExternal') },
  { name: 'openExternal with vbscript:', command: 'openExternal', input: { url: 'vbscript:msgbox(1)' }, refusal: invalid('openExternal') },
  { name: 'openExternal with smb:', command: 'openExternal', input: { url: 'smb://attacker.example/share/x.exe' }, refusal: invalid('openExternal') },
  { name: 'openExternal with an app-launching scheme', command: 'openExternal', input: { url: 'ms-msdt:/id PCWDiagnostic' }, refusal: invalid('openExternal') },
  { name: 'openExternal with no scheme', command: 'openExternal', input: { url: '//evil.example/' }, refusal: invalid('openExternal') },
  { name: 'openExternal with a URL as an object', command: 'openExternal', input: { url: { href: 'https://example.com' } }, refusal: invalid('openExternal') },
];

/** A valid call each transport must still answer after every refusal. */
export const VALID_CALL = { command: 'pause', input: { minutes: 5 } } as const;
