// Lint, including the layer rules of DESIGN.md: a wrong import fails `npm run lint`.
import js from '@eslint/js'
import pluginVue from 'eslint-plugin-vue'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'child_process', 'crypto', 'http', 'https', 'stream', 'events', 'url', 'util']
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] })

const noElectron = { group: ['electron'], message: 'core, server and cli run in plain Node: never import electron (DESIGN.md).' }
const noTestSupport = { group: ['**/e2e/**', '**/e2e'], message: 'Production code never imports test support: it lives under e2e/ (test files beside the code may import it).' }
const noEngineInternals = { group: ['**/engines/*/**'], message: 'status/, operations/, ssh/, health/ and address/ are engine-neutral: use the Engine interface (engines/engine.ts), never an engine\'s own files (DESIGN.md).' }
const otherEngine = "One engine never imports another's files (DESIGN.md: engines own their database); move what both need to electron/core/engines/."
const sharedOnly = [
  { group: [...nodeBuiltins, 'electron', 'ssh2', 'pg', 'ws'], message: 'shared/ holds the contract only: no node, electron, ssh2 or pg (DESIGN.md).' },
  { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports nothing from the layers above it.' },
]
const browserOnly = [
  { group: [...nodeBuiltins, 'electron', 'ssh2', 'pg', 'ws'], message: 'renderer/ is browser code (DESIGN.md).' },
  { group: ['**/electron/**'], message: 'renderer/ reaches the core only through the contract client (shared/).' },
]
const tests = ['**/*.test.ts', '**/testing/**']
const nodeLayers = ['electron/core/**', 'electron/server/**', 'electron/cli/**']
const neutralCore = ['electron/core/status/**', 'electron/core/operations/**', 'electron/core/ssh/**', 'electron/core/health/**', 'electron/core/address/**']

const commandLineRules = [
  { selector: "ArrayExpression > Literal[value='-c'] + TemplateLiteral[expressions.length>0]", message: 'A `sh -c` script must be a constant: pass values as positional arguments ("$1"), never inside the script.' },
  { selector: "ArrayExpression > Literal[value='-c'] + BinaryExpression", message: 'A `sh -c` script must be a constant: pass values as positional arguments ("$1"), never concatenated into it.' },
  { selector: "Property[key.name='rawLine']", message: 'Only electron/core/ssh/shell.ts sends a raw command line; everything else goes through quote.ts as an argv.' },
]
const mariaDbWords = '/(CHANGE MASTER|(START|STOP|RESET) SLAVE|SHOW (ALL )?SLAVES? STATUS|gtid_(slave|binlog|current)_pos|rpl_semi_sync|MASTER_GTID_WAIT|mariadb-backup|mariabackup|mbstream|mariadbd|mysqld|mariadb-install-db)/i'
const mariaDbMessage = 'MariaDB SQL, variables and tools belong in electron/core/engines/mariadb/ (DESIGN.md: engines own their database).'
const mariaDbOutsideItsEngine = [
  { selector: `Literal[value=${mariaDbWords}]`, message: mariaDbMessage },
  { selector: `TemplateElement[value.raw=${mariaDbWords}]`, message: mariaDbMessage },
  { selector: "ImportDeclaration[source.value='mysql2'], ImportExpression[source.value='mysql2']", message: mariaDbMessage },
]

const ownStatus = 'Status asks the engine, never the other way round: an engine step imports what it shares with status from the engine root (e.g. gtid.ts, lsn.ts), not from its status/ folder.'
/** An engine's folder: the other engine is out of reach; only the engine's wiring (engine.ts, index.ts) imports its status/ folder. */
function engineRules(engine, otherEngineGroup) {
  const base = [noElectron, noTestSupport, otherEngineGroup]
  const root = `electron/core/engines/${engine}`
  return [
    { files: [`${root}/**`], ignores: tests, rules: restrict(base) },
    { files: [`${root}/*.ts`], ignores: [...tests, `${root}/engine.ts`, `${root}/index.ts`], rules: restrict([...base, { group: ['./status', './status/**'], message: ownStatus }]) },
    { files: [`${root}/*/**`], ignores: [...tests, `${root}/status/**`], rules: restrict([...base, { group: ['../status', '../status/**'], message: ownStatus }]) },
  ]
}

// One entry per file group with every pattern that applies to it (a later entry for the same
// file replaces an earlier one's no-restricted-imports, it does not add to it).
export const layerRules = [
  { files: nodeLayers, rules: restrict([noElectron]) },
  { files: nodeLayers, ignores: tests, rules: restrict([noElectron, noTestSupport]) },
  { files: neutralCore, ignores: tests, rules: restrict([noElectron, noTestSupport, noEngineInternals]) },
  // An engine owns its database: one engine never reaches into another's folder (shared pieces live in engines/).
  ...engineRules('postgres', { group: ['**/mariadb/**', '../mariadb', '../../mariadb'], message: otherEngine }),
  ...engineRules('mariadb', { group: ['**/engines/postgres/**', '../postgres/**', '../../postgres/**', '../postgres', '../../postgres'], message: otherEngine }),
  { files: ['electron/main/**', 'electron/preload/**'], ignores: tests, rules: restrict([noTestSupport]) },
  { files: ['shared/**'], rules: restrict(sharedOnly) },
  { files: ['shared/**'], ignores: tests, rules: restrict([...sharedOnly, noTestSupport]) },
  { files: ['renderer/**'], rules: restrict(browserOnly) },
  { files: ['renderer/**'], ignores: tests, rules: restrict([...browserOnly, noTestSupport]) },
  {
    // Small files with one job, short functions (issue 15): production code only.
    files: ['electron/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.vue'],
    ignores: tests,
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // A remote command line is built only by electron/core/ssh/quote.ts from an argv; a script
    // run with `sh -c` is a constant whose values arrive as positional parameters ($1 …).
    files: ['electron/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**', 'electron/core/ssh/exec.ts', 'electron/core/ssh/shell.ts'],
    rules: { 'no-restricted-syntax': ['error', ...commandLineRules] },
  },
  {
    // MariaDB is spoken only in its engine's folder (DESIGN.md: engines own their database).
    files: ['electron/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**', 'electron/core/ssh/exec.ts', 'electron/core/ssh/shell.ts', 'electron/core/engines/mariadb/**'],
    rules: { 'no-restricted-syntax': ['error', ...commandLineRules, ...mariaDbOutsideItsEngine] },
  },
  {
    // External links leave the app only through electron/main/external-links.ts (http/https only).
    files: ['**/*.ts', '**/*.vue'],
    ignores: ['electron/main/index.ts'],
    rules: { 'no-restricted-properties': ['error', { object: 'shell', property: 'openExternal', message: 'Use makeOpenExternal from electron/main/external-links.ts (http/https links of our own page only).' }] },
  },
]

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  { files: ['renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  ...layerRules,
)
