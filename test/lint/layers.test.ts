import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JS config module, no types
import { ALLOWED, layerConfigs } from '../../eslint.layers.js';

/**
 * The layer rules of eslint.config.js, run through ESLint's Node API on fixture sources: each forbidden edge of the
 * diagram in docs/architecture.md fails lint, and each allowed one passes. The fixtures are text only (never
 * written), linted as if they were at the given path.
 */
const repoRoot = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser } }, ...(layerConfigs as Linter.Config[])],
});

async function importErrors(filePath: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${specifier}';\nexport const y = x;\n`, { filePath: join(repoRoot, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer lint', () => {
  it('refuses each forbidden import named in the issue', async () => {
    expect(await importErrors('src/relay/verify.ts', '../sim/smokeball/webhooks.js')).toHaveLength(1);
    expect(await importErrors('src/sync/realtime/types.ts', '../../relay/server.js')).toHaveLength(1);
    expect(await importErrors('src/sync/engine/engine.ts', '../../app/app-core.js')).toHaveLength(1);
    expect(await importErrors('src/sync/engine/engine.ts', '../../host/ws-session.js')).toHaveLength(1);
    expect(await importErrors('src/app/app-core.ts', '../sim/smokeball/server.js')).toHaveLength(1);
    expect(await importErrors('src/shared/async.ts', '../sync/ports.js')).toHaveLength(1);
    expect(await importErrors('renderer/src/format.ts', '../../src/sync/status.js')).toHaveLength(1);
    expect(await importErrors('renderer/src/components/AttentionList.tsx', '../../../src/app/tray-state.js')).toHaveLength(1);
    expect(await importErrors('electron/main.ts', '../src/sim/smokeball/server.js')).toHaveLength(1);
    expect(await importErrors('src/app/app-core.ts', 'electron')).toHaveLength(1);
    expect((await importErrors('src/relay/verify.ts', '../sim/x.js'))[0]).toContain('src/relay may import only src/shared');
    // The engine from outside: only through its index.
    expect(await importErrors('src/app/app-core.ts', '../sync/engine/engine.js')).toHaveLength(1);
    expect(await importErrors('electron/main.ts', '../src/sync/ports.js')).toHaveLength(1);
  });

  it('allows what the diagram allows, inside a layer and down to the layers below', async () => {
    expect(await importErrors('src/sync/realtime/types.ts', '../../shared/relay-wire.js')).toEqual([]);
    expect(await importErrors('src/sync/engine/engine.ts', '../smokeball/client.js')).toEqual([]);
    expect(await importErrors('src/relay/storage/open.ts', '../../shared/logger.js')).toEqual([]);
    expect(await importErrors('src/app/app-core.ts', '../sync/index.js')).toEqual([]);
    expect(await importErrors('electron/main.ts', '../src/sync/index.js')).toEqual([]);
    expect(await importErrors('src/testbed/demo.ts', '../relay/index.js')).toEqual([]);
    expect(await importErrors('renderer/src/format.ts', '../../src/contract/view.js')).toEqual([]);
    expect(await importErrors('electron/main.ts', '../src/app/app-core.js')).toEqual([]);
    expect(await importErrors('src/cli/serve.ts', '../testbed/demo.js')).toEqual([]);
  });

  it('checks every pair of src/ layers against the table', async () => {
    const layers = Object.keys(ALLOWED as Record<string, string[]>);
    for (const from of layers) {
      for (const to of layers) {
        if (from === to) continue;
        const allowed = (ALLOWED as Record<string, string[]>)[from]!.includes(to);
        const errors = await importErrors(`src/${from}/some/deep/file.ts`, `../../../${to}/index.js`);
        expect(errors.length, `src/${from} → src/${to}`).toBe(allowed ? 0 : 1);
      }
    }
  });
});
