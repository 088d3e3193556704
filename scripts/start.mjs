// Quick start, first command: install, build, then open ReplicaDesk — the desktop window
// where an Electron binary exists, else headless web mode with its URL printed.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { electronBinary, ensureBuild, ensureNodeModules, root } from './ensure.mjs'

ensureNodeModules()
ensureBuild()

const passThrough = process.argv.slice(2)
const electron = electronBinary()
const child = electron.path
  ? spawn(electron.path, [join(root, 'out', 'main', 'index.js'), ...passThrough], { stdio: 'inherit' })
  : (console.log(`No Electron window here (${electron.missing}); starting headless web mode instead.`),
    spawn(process.execPath, [join(root, 'out', 'server', 'index.mjs'), ...passThrough], { stdio: 'inherit' }))

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
