// Bundles the plain-Node entry points (CLI, headless server) with esbuild; packages stay external.
// The CLI's entry holds only the thin `status` path (node builtins, nothing shared to load);
// out/cli/full.mjs, the full CLI, is loaded when that path does not answer. The entry is built
// twice: index.cjs for bin/replicadesk.cjs (Node starts CommonJS ~6 ms sooner than an ES
// module) and index.mjs for those who import it.
import { readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

const common = {
  absWorkingDir: root,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  define: { __REPLICADESK_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
}

// bin.ts's import('./full') stays a separate file, loaded only when needed.
const fullApart = {
  name: 'full-cli-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/full$/ }, (args) => (args.importer.endsWith(join('electron', 'cli', 'bin.ts')) ? { path: './full.mjs', external: true } : undefined))
  },
}

rmSync(join(root, 'out', 'cli', 'chunks'), { recursive: true, force: true }) // left by an earlier split build
await build({
  ...common,
  entryPoints: { 'server/index': 'electron/server/bin.ts', 'cli/full': 'electron/cli/full.ts', 'cli/index': 'electron/cli/bin.ts' },
  outdir: 'out',
  plugins: [fullApart],
})
await build({ ...common, format: 'cjs', outExtension: { '.js': '.cjs' }, entryPoints: { 'cli/index': 'electron/cli/bin.ts' }, outdir: 'out', plugins: [fullApart] })
