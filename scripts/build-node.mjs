// Bundles the plain-Node entry points (CLI, headless server) with esbuild; the server's packages
// stay external, the full CLI carries them (see below).
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

// The full CLI carries its packages inside (one file loads ~35 ms sooner than zod, ssh2 and pg
// resolved file by file from node_modules). Native add-ons stay where npm built them, loaded
// by package path at run time; ssh2 runs without them when they are missing.
const nativeByPackagePath = {
  name: 'native-by-package-path',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const pkg = args.resolveDir.split(`${join('node_modules')}/`).pop()
      return { path: `${pkg}/${args.path.replace(/^\.\//, '')}`, external: true }
    })
  },
}
// CommonJS packages inside an ES module want require, __filename and __dirname (ssh2's poly1305).
const requireInEsm = [
  "import { createRequire as __rdCreateRequire } from 'node:module';",
  "import { fileURLToPath as __rdFileURLToPath } from 'node:url';",
  "import { dirname as __rdDirname } from 'node:path';",
  'const require = __rdCreateRequire(import.meta.url);',
  'const __filename = __rdFileURLToPath(import.meta.url);',
  'const __dirname = __rdDirname(__filename);',
].join(' ')

rmSync(join(root, 'out', 'cli', 'chunks'), { recursive: true, force: true }) // left by an earlier split build
await build({
  ...common,
  entryPoints: { 'server/index': 'electron/server/bin.ts', 'cli/index': 'electron/cli/bin.ts' },
  outdir: 'out',
  plugins: [fullApart],
})
await build({
  ...common,
  packages: undefined,
  external: ['cpu-features', 'pg-native'],
  banner: { js: requireInEsm },
  entryPoints: { full: 'electron/cli/full.ts' },
  outdir: 'out/cli',
  // The core and the WebSocket client in chunks of their own: a CLI that talks to a running
  // instance never parses the core, a standalone one never the client.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [nativeByPackagePath],
})
await build({ ...common, format: 'cjs', outExtension: { '.js': '.cjs' }, entryPoints: { 'cli/index': 'electron/cli/bin.ts' }, outdir: 'out', plugins: [fullApart] })
