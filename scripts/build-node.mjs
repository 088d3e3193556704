// Bundles the plain-Node entry points (CLI, headless server) with esbuild; packages stay external.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

await build({
  absWorkingDir: root,
  entryPoints: { 'cli/index': 'electron/cli/bin.ts', 'server/index': 'electron/server/bin.ts' },
  outdir: 'out',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  define: { __REPLICADESK_VERSION__: JSON.stringify(version) },
  logLevel: 'warning',
})
