// `npm start` on Linux as root: the demo cluster, then ReplicaDesk serving it (headless, or
// the Electron window where a binary exists). Ctrl-C stops ReplicaDesk and removes the lab.
import { spawn } from 'node:child_process'
import { setUpDemo, tearDownDemo } from './demo'

const [command, ...rest] = process.argv.slice(2)
if (command === 'down') {
  await tearDownDemo()
  process.exit(0)
}
const [program, ...args] = rest // the ReplicaDesk to start: executable and its arguments
const demo = await setUpDemo({ log: (m) => console.log(`[demo] ${m}`) })
console.log('[demo] Cluster "demo" is up: pg1 (primary, host1) → pg2 (replica, host2); host3 is free for another replica.')
const child = spawn(program!, [...args, '--data-dir', demo.dataDir], { stdio: 'inherit', env: { ...process.env, ...demo.env } })
let stopping = false
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return
  stopping = true
  child.kill(signal)
}
process.on('SIGINT', () => stop('SIGINT'))
process.on('SIGTERM', () => stop('SIGTERM'))
child.on('exit', async (code) => {
  console.log('[demo] Removing the demo lab…')
  await tearDownDemo().catch((err: Error) => console.error(`[demo] ${err.message}`))
  process.exit(code ?? 0)
})
