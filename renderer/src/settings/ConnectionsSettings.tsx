import { useState } from 'react';
import type { SecretName } from '../../../src/contract/commands.js';
import type { Connections, NetworkSettings as NetworkSettingsValue } from '../../../src/contract/settings.js';
import type { ConnectionsView } from '../../../src/contract/view.js';
import { errorText, useApp, useView } from '../app-context.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { useCommand, useOpenLink } from '../use-command.js';
import { Field, SaveBar, useDraft, useSaveSettings } from './form-helpers.js';

/** Connections are edited as text (numbers included) and converted on save, so the core's validation has the last word. */
type Draft = Record<keyof Connections, string>;

const toDraft = (c: Connections): Draft => ({
  smokeballApiUrl: c.smokeballApiUrl,
  smokeballAuthUrl: c.smokeballAuthUrl,
  smokeballClientId: c.smokeballClientId,
  smokeballRatePerSecond: String(c.smokeballRatePerSecond),
  smokeballBurst: String(c.smokeballBurst),
  caseStatusApiUrl: c.caseStatusApiUrl,
  caseStatusRatePerSecond: String(c.caseStatusRatePerSecond),
  caseStatusBurst: String(c.caseStatusBurst),
  relayUrl: c.relayUrl,
});

const number = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));

const fromDraft = (d: Draft): Connections => ({
  smokeballApiUrl: d.smokeballApiUrl.trim(),
  smokeballAuthUrl: d.smokeballAuthUrl.trim(),
  smokeballClientId: d.smokeballClientId.trim(),
  smokeballRatePerSecond: number(d.smokeballRatePerSecond),
  smokeballBurst: number(d.smokeballBurst),
  caseStatusApiUrl: d.caseStatusApiUrl.trim(),
  caseStatusRatePerSecond: number(d.caseStatusRatePerSecond),
  caseStatusBurst: number(d.caseStatusBurst),
  relayUrl: d.relayUrl.trim(),
});

type FieldSpec = { key: keyof Connections; label: string; type?: 'url' | 'text'; inputMode?: 'decimal' | 'numeric' | 'url'; hint?: string; advanced?: true };

/**
 * The addresses and the client id come with the app (src/app/build-config.ts): they sit under Advanced, folded, for
 * support. The firm's contracted Smokeball rate is the one an office manager may need, so it stays in view.
 */
const FIELDS: FieldSpec[] = [
  { key: 'smokeballApiUrl', label: 'Smokeball API address', type: 'url', inputMode: 'url', advanced: true },
  { key: 'smokeballAuthUrl', label: 'Smokeball sign-in address', type: 'url', inputMode: 'url', advanced: true },
  { key: 'smokeballClientId', label: 'Smokeball client id', advanced: true, hint: "Empty: the app's own client id." },
  {
    key: 'smokeballRatePerSecond',
    label: 'Smokeball requests per second',
    inputMode: 'decimal',
    hint: "Your firm's contracted Smokeball rate. Smokeball's published default is 5.",
  },
  { key: 'smokeballBurst', label: 'Smokeball requests at once', inputMode: 'numeric', advanced: true },
  { key: 'caseStatusApiUrl', label: 'Case Status API address', type: 'url', inputMode: 'url', advanced: true },
  {
    key: 'caseStatusRatePerSecond',
    label: 'Case Status requests per second',
    inputMode: 'decimal',
    hint: "Case Status's documented limit is 10.",
    advanced: true,
  },
  { key: 'caseStatusBurst', label: 'Case Status requests at once', inputMode: 'numeric', advanced: true },
  {
    key: 'relayUrl',
    label: 'Real-time relay address',
    type: 'url',
    inputMode: 'url',
    hint: 'Leave empty to turn real-time updates off. Sync now and the nightly reconcile still run.',
    advanced: true,
  },
];

export function ConnectionsSettings() {
  const view = useView();
  const { draft, setDraft, dirty, reset, markSaved } = useDraft<Draft>(toDraft(view.settings.connections));
  const state = useSaveSettings((saved) => markSaved(toDraft(saved.connections)));
  const field = (f: FieldSpec) => (
    <Field
      key={f.key}
      id={f.key}
      label={f.label}
      type={f.type ?? 'text'}
      inputMode={f.inputMode}
      hint={f.hint}
      value={draft[f.key]}
      onChange={(v) => setDraft({ ...draft, [f.key]: v })}
      error={state.fieldErrors[`connections.${f.key}`]}
    />
  );

  return (
    <div className="settings-stack">
      <SmokeballAccount connections={view.connections} />
      <form
        className="settings-form"
        noValidate
        aria-labelledby="connections-title"
        onSubmit={(e) => {
          e.preventDefault();
          void state.save({ connections: fromDraft(draft) });
        }}
      >
        <h2 id="connections-title">Connections</h2>
        <div className="field-grid">{FIELDS.filter((f) => !f.advanced).map(field)}</div>
        {/* Opened by itself when a field inside it is refused, so the message is not hidden. */}
        <details className="advanced" open={FIELDS.some((f) => f.advanced && state.fieldErrors[`connections.${f.key}`]) || undefined}>
          <summary>Advanced</summary>
          <p className="hint">The app comes with these; change them only when support asks you to.</p>
          <div className="field-grid">{FIELDS.filter((f) => f.advanced).map(field)}</div>
        </details>
        <SaveBar state={state} dirty={dirty} onReset={reset} label="Save connections" />
      </form>
      <section className="settings-form" aria-labelledby="secrets-title">
        <h2 id="secrets-title">Keys</h2>
        <p className="hint">Keys are kept in this computer's keychain. They are never shown again once saved; enter a new one to replace it.</p>
        <SecretField name="smokeballApiKey" label="Smokeball API key" isSet={view.connections.smokeball.apiKeySet} />
        <SecretField name="caseStatusApiKey" label="Case Status API key" isSet={view.connections.caseStatus.apiKeySet} />
        <SecretField name="relayToken" label="Relay token" isSet={view.connections.relay.tokenSet} />
      </section>
      <NetworkSettings />
      <SendDiagnostics />
    </div>
  );
}

function SmokeballAccount({ connections }: { connections: ConnectionsView }) {
  const view = useView();
  const { run, busy } = useCommand();
  const openLink = useOpenLink();
  const [confirmSignOut, setConfirmSignOut] = useState(false);
  const sb = connections.smokeball;
  const state = sb.signedIn ? 'Signed in' : sb.signInPending ? 'Waiting for you to finish signing in in the browser…' : 'Not signed in';

  const signIn = async () => {
    const result = await run('signIn', {}, () => 'Finish signing in in the browser window that opened.');
    // Electron's main process opens the browser itself; the headless host asks the window to.
    if (result && view.host === 'headless') await openLink(result.authorizeUrl);
  };

  return (
    <section className="settings-form" aria-labelledby="account-title">
      <h2 id="account-title">Smokeball account</h2>
      <p className="account-state">
        <span className={`dot dot-${sb.signedIn ? 'ok' : 'bad'}`} aria-hidden="true" />
        <span id="smokeball-state">{state}</span>
      </p>
      {!sb.clientIdSet && <p className="hint">No Smokeball client id is set for this build: enter one under Advanced below.</p>}
      <div className="button-row">
        {sb.signedIn ? (
          <button type="button" onClick={() => setConfirmSignOut(true)} disabled={busy !== null}>
            Sign out…
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => void signIn()}
            disabled={busy !== null || !sb.clientIdSet}
            aria-describedby="smokeball-state"
          >
            Sign in to Smokeball
          </button>
        )}
      </div>
      <ConfirmDialog
        open={confirmSignOut}
        title="Sign out of Smokeball?"
        confirmLabel="Sign out"
        danger
        onClose={() => setConfirmSignOut(false)}
        onConfirm={() => {
          setConfirmSignOut(false);
          void run('signOut', {}, () => 'Signed out of Smokeball. Syncing stops until someone signs in again.');
        }}
      >
        <p>Syncing stops until someone signs in again. Nothing already in Case Status is changed.</p>
      </ConfirmDialog>
    </section>
  );
}

/** A write-only key field: it says whether a key is saved, never what it is. */
function SecretField({ name, label, isSet }: { name: SecretName; label: string; isSet: boolean }) {
  const { bridge, notify } = useApp();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const id = `secret-${name}`;

  const save = async () => {
    setSaving(true);
    try {
      await bridge.invoke('setSecret', { name, value });
      setValue('');
      setError(null);
      notify('info', `${label} saved.`);
    } catch (e) {
      setError(errorText(e).replace(/^Invalid input for setSecret: value: /, ''));
    } finally {
      setSaving(false);
    }
  };
  const clear = async () => {
    try {
      await bridge.invoke('clearSecret', { name });
      notify('info', `${label} removed.`);
    } catch (e) {
      notify('error', errorText(e));
    }
  };

  return (
    <form
      className={`secret-field${error ? ' field-invalid' : ''}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor={id}>{label}</label>
      <span className={`badge ${isSet ? 'badge-ok' : 'badge-muted'}`} id={`${id}-state`}>
        {isSet ? 'Saved' : 'Not set'}
      </span>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        value={value}
        placeholder={isSet ? 'Enter a new key to replace it' : 'Paste the key'}
        aria-describedby={error ? `${id}-state ${id}-error` : `${id}-state`}
        aria-invalid={error ? true : undefined}
        onChange={(e) => setValue(e.target.value)}
      />
      <div className="button-row">
        <button type="submit" disabled={saving || value.trim() === ''}>
          {saving ? 'Saving…' : 'Save key'}
        </button>
        {isSet && (
          <button type="button" onClick={() => void clear()}>
            Remove
          </button>
        )}
      </div>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * The firm's proxy user (password in the keychain) and extra root certificates. The proxy address itself is the
 * system's (PAC, WPAD or manual), so there is nothing to enter for it here.
 */
function NetworkSettings() {
  const view = useView();
  const { draft, setDraft, dirty, reset, markSaved } = useDraft<NetworkSettingsValue>(view.settings.network);
  const state = useSaveSettings((saved) => markSaved(saved.network));
  const caError = state.fieldErrors['network.extraCaPem'];
  return (
    <div className="settings-stack">
      <form
        className="settings-form"
        noValidate
        aria-labelledby="network-title"
        onSubmit={(e) => {
          e.preventDefault();
          void state.save({ network: { proxyUsername: draft.proxyUsername.trim(), extraCaPem: draft.extraCaPem.trim() } });
        }}
      >
        <h2 id="network-title">Network</h2>
        <p className="hint">Requests follow this computer's proxy settings. Fill these in only if IT asks you to.</p>
        <Field
          id="proxyUsername"
          label="Proxy user name"
          value={draft.proxyUsername}
          onChange={(v) => setDraft({ ...draft, proxyUsername: v })}
          error={state.fieldErrors['network.proxyUsername']}
          hint="For a proxy that asks for a user name and password."
        />
        <div className={`field${caError ? ' field-invalid' : ''}`}>
          <label htmlFor="extraCaPem">Extra root certificates (PEM)</label>
          <textarea
            id="extraCaPem"
            rows={5}
            spellCheck={false}
            value={draft.extraCaPem}
            onChange={(e) => setDraft({ ...draft, extraCaPem: e.target.value })}
            aria-describedby={caError ? 'extraCaPem-error' : 'extraCaPem-hint'}
            aria-invalid={caError ? true : undefined}
          />
          <p className="hint" id="extraCaPem-hint">
            For a firm whose network inspects encrypted traffic: paste its root certificate. The computer's own certificate store is trusted already.
          </p>
          {caError && (
            <p className="field-error" id="extraCaPem-error" role="alert">
              {caError}
            </p>
          )}
        </div>
        <SaveBar state={state} dirty={dirty} onReset={reset} label="Save network settings" />
      </form>
      <section className="settings-form" aria-labelledby="proxy-secret-title">
        <h2 id="proxy-secret-title">Proxy password</h2>
        <SecretField name="proxyPassword" label="Proxy password" isSet={view.connections.proxy?.passwordSet ?? false} />
      </section>
    </div>
  );
}

/** "Send diagnostics": a zip for support. Client details stay out unless the box is ticked. */
function SendDiagnostics() {
  const { run, busy } = useCommand();
  const [includeClientDetails, setInclude] = useState(false);
  return (
    <section className="settings-form" aria-labelledby="diagnostics-title">
      <h2 id="diagnostics-title">Support</h2>
      <p className="hint">
        Saves a zip for support: the last 7 days of logs, versions, settings and a summary of the sync state. It never holds keys or passwords.
      </p>
      <label className="checkbox">
        <input type="checkbox" checked={includeClientDetails} onChange={(e) => setInclude(e.target.checked)} /> Include client details (names of clients,
        matters and documents in items needing attention and recent activity)
      </label>
      <div className="button-row">
        <button
          type="button"
          disabled={busy !== null}
          onClick={() => void run('exportDiagnostics', { includeClientDetails }, (r) => `Diagnostics saved to ${r.file}`)}
        >
          Send diagnostics…
        </button>
      </div>
    </section>
  );
}
