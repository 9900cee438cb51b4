/**
 * The module layers and the imports each may make: the diagram in docs/architecture.md, enforced. Each layer lists
 * the layers of ours it must NOT import; a relative import that climbs out of the folder (`../`…) into one of
 * them fails lint. Node built-ins and npm packages are not restricted here.
 *
 *   shared    → nothing of ours
 *   contract  → shared
 *   store     → contract, shared
 *   sync      → store, contract, shared
 *   relay     → shared
 *   sim       → shared
 *   app       → sync, store, contract, shared
 *   host      → app, contract, shared
 *   testbed   → sim, relay, app, sync, store, contract, shared
 *   cli       → any layer
 *   electron  → app, sync, store, contract, shared
 *   renderer  → contract
 *
 * Outside src/sync, the engine is imported only through src/sync/index.ts (its public surface).
 */
const SRC_LAYERS = ['shared', 'contract', 'store', 'sync', 'relay', 'sim', 'app', 'host', 'testbed', 'cli'];

/** What each layer may import, besides itself. */
export const ALLOWED = {
  shared: [],
  contract: ['shared'],
  store: ['contract', 'shared'],
  sync: ['store', 'contract', 'shared'],
  relay: ['shared'],
  sim: ['shared'],
  app: ['sync', 'store', 'contract', 'shared'],
  host: ['app', 'contract', 'shared'],
  testbed: ['sim', 'relay', 'app', 'sync', 'store', 'contract', 'shared'],
  cli: ['shared', 'contract', 'store', 'sync', 'relay', 'sim', 'app', 'host', 'testbed'],
};

const alternation = (names) => names.join('|');

/** A relative import climbing into `src/<name>/` from a file inside `src/<layer>/` (any depth). */
function forbiddenFromSrc(layer) {
  const forbidden = SRC_LAYERS.filter((l) => l !== layer && !ALLOWED[layer].includes(l));
  const patterns = [];
  if (forbidden.length > 0) {
    patterns.push({
      regex: `^(\\.\\./)+(${alternation(forbidden)})/`,
      message: `src/${layer} may import only ${ALLOWED[layer].map((l) => `src/${l}`).join(', ') || 'nothing of ours'} (docs/architecture.md).`,
    });
  }
  // src/sync's public surface is its index: no deep paths into the engine from outside it.
  if (layer !== 'sync' && ALLOWED[layer].includes('sync')) {
    patterns.push({ regex: '^(\\.\\./)+sync/(?!index\\.js$)', message: 'Import the engine through src/sync/index.ts, its public surface.' });
  }
  // Nothing under src/ reaches out to the hosts' shells.
  patterns.push({ regex: '^(\\.\\./)+(electron|renderer)/', message: 'src/ never imports electron/ or renderer/.' });
  return patterns;
}

const electronPackage = { name: 'electron', message: 'src/ is Electron-free; put Electron code in electron/.' };

export const layerConfigs = [
  ...SRC_LAYERS.map((layer) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { paths: [electronPackage], patterns: forbiddenFromSrc(layer) }] },
  })),
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/(relay|sim|host|testbed|cli)/',
              message: 'electron/ may import src/app, src/sync, src/store, src/contract and src/shared only.',
            },
            { regex: '^(\\.\\./)+src/sync/(?!index\\.js$)', message: 'Import the engine through src/sync/index.ts, its public surface.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronPackage],
          patterns: [
            { regex: '^(\\.\\./)+src/(?!contract/)', message: 'The window talks to the core only through the contract (src/contract).' },
            { regex: '^(\\.\\./)+electron/', message: 'The window talks to the core only through the contract (src/contract).' },
          ],
        },
      ],
    },
  },
];
