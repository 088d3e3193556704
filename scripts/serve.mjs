// `npm run serve -- [--port P] [--data-dir D] …`: headless web mode, built first if needed.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ensureBuild, ensureNodeModules, root } from './ensure.mjs'

ensureNodeModules()
ensureBuild()
const child = spawn(process.execPath, [join(root, 'out', 'server', 'index.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
