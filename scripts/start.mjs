// Quick start, first command: install, build, then open ReplicaDesk — the desktop window
// where an Electron binary exists, else headless web mode with its URL printed. On Linux as
// root it first brings up the demo cluster (a local 3-host lab, a primary and a replica) and
// opens ReplicaDesk on it; `npm start -- --no-demo` (or any --data-dir) skips the demo.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { electronBinary, ensureBuild, ensureNodeModules, root } from './ensure.mjs'

ensureNodeModules()
ensureBuild()

const args = process.argv.slice(2)
const electron = electronBinary()
const app = electron.path
  ? [electron.path, join(root, 'out', 'main', 'index.js')]
  : [process.execPath, join(root, 'out', 'server', 'index.mjs')]
if (!electron.path) console.log(`No Electron window here (${electron.missing}); starting headless web mode instead.`)

const wantsDemo = !args.includes('--no-demo') && !args.some((a) => a.startsWith('--data-dir'))
const canDemo = process.platform === 'linux' && process.getuid?.() === 0
if (wantsDemo && !canDemo) {
  console.log('The demo cluster needs Linux and root (it makes network namespaces with sshd and PostgreSQL 15); starting ReplicaDesk on your own data dir instead.')
}
const appArgs = args.filter((a) => a !== '--no-demo')
const child =
  wantsDemo && canDemo
    ? // node with tsx as a loader (not the tsx launcher): the demo is our direct child, and the IPC
      // channel tells it when we die, even by kill -9, so it removes its lab.
      spawn(process.execPath, ['--import', 'tsx', join(root, 'e2e', 'demo', 'cli.ts'), 'start', ...app, ...appArgs], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
    : spawn(app[0], [...app.slice(1), ...appArgs], { stdio: 'inherit' })

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
