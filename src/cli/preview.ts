import { NOT_SYNCED_LABELS, NOT_TEXTABLE_LABELS, type SyncPreview } from '../contract/preview.js';
import { KeytarSecretStore } from '../app/keychain.js';
import { previewSync } from '../sync/index.js';
import { openInstallStack } from './install-stack.js';
import { openConfiguredStack } from './sync.js';

/** The preview as lines of text: the same numbers the window's preview shows. */
export function formatPreview(p: SyncPreview): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `Preview of the ${p.firstImport ? 'first import' : 'next full sync'} (nothing was written)`,
    `Cases: ${n(p.cases.create)} to create, ${n(p.cases.update)} to update, ${n(p.cases.close)} to close, ${n(p.cases.unchanged)} unchanged`,
  ];
  if (p.cases.closeNeedsConfirmation)
    lines.push(`  Closing ${n(p.cases.close)} cases needs a person's confirmation first (more than the mass-closure threshold)`);
  lines.push(
    `Clients: ${n(p.clients.create)} to create, ${n(p.clients.update)} to update`,
    `Clients Case Status will text: ${n(p.clientsTexted)} (new cases and ${n(p.stageChanges)} stage changes)`,
    `Clients Case Status cannot text: ${n(p.notTextableClients.length)}`,
    ...p.notTextable.filter((g) => g.count > 0).map((g) => `  ${NOT_TEXTABLE_LABELS[g.reason]}: ${n(g.count)}`),
    `Matters that will not sync: ${n(p.notSynced.reduce((a, g) => a + g.count, 0))}`,
    ...p.notSynced.filter((g) => g.count > 0).map((g) => `  ${NOT_SYNCED_LABELS[g.reason]}: ${n(g.count)}${g.detail ? ` (${g.detail})` : ''}`),
    `Cases written without a stage (stage not mapped): ${n(p.stageNotMapped)}`,
    ...p.stages
      .filter((s) => s.unmapped)
      .map((s) => `  "${s.name}" in ${s.practiceArea}: ${n(s.matters)} matters${s.suggested ? `, suggested: ${s.suggested}` : ''}`),
    `Requests made: ${n(p.requests.smokeball)} to Smokeball, ${n(p.requests.caseStatus)} to Case Status`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * `preview`: the dry run with the state in --data (read only), against the servers of a `sync` config file
 * (secrets from the environment) or, without one, as the install in --data is set up (its settings and keychain).
 */
export async function runPreview(o: { config?: unknown; dataDir: string; json: boolean }): Promise<number> {
  const stack =
    o.config !== undefined ? await openConfiguredStack(o.config, o.dataDir) : await openInstallStack({ dataDir: o.dataDir, secrets: new KeytarSecretStore() });
  try {
    const preview = await previewSync({ smokeball: stack.smokeball, caseStatus: stack.caseStatus, store: stack.store, config: stack.engine.config });
    process.stdout.write(o.json ? `${JSON.stringify(preview, null, 2)}\n` : formatPreview(preview));
    return 0;
  } finally {
    stack.close();
  }
}
