// `npm start` on Linux as root: the demo cluster, then ReplicaDesk serving it (headless, or
// the Electron window where a binary exists). Ctrl-C or SIGTERM stops ReplicaDesk and removes
// the lab; so does the death of `npm start` itself (the IPC channel to it closes). A demo that
// could not tear down (kill -9) is cleaned up by the next start, which says what it removed.
import { spawn } from 'node:child_process'
import { setUpDemo, tearDownDemo, useDemoLabState } from './demo'
import { forgetDemoProcesses, recordDemoProcesses, stopLeftoverDemo } from './leftovers'

useDemoLabState()
const say = (m: string) => console.log(`[demo] ${m}`)
const [command, ...rest] = process.argv.slice(2)
if (command === 'down') {
  const stopped = await stopLeftoverDemo()
  if (stopped.length) say(`Stopped ${stopped.join(', ')}`)
  await tearDownDemo()
  process.exit(0)
}
const [program, ...args] = rest // the ReplicaDesk to start: executable and its arguments

const stoppedEarlier = await stopLeftoverDemo()
if (stoppedEarlier.length) say(`An earlier demo was still running; stopped ${stoppedEarlier.join(', ')}`)
let demo
try {
  demo = await setUpDemo({ log: say })
} catch (err) {
  console.error(`[demo] ${(err as Error).message}`)
  say('Removing the demo lab…')
  await tearDownDemo().catch((e: Error) => console.error(`[demo] ${e.message}`))
  process.exit(1)
}
say('Cluster "demo" is up: pg1 (primary, host1) → pg2 (replica, host2); host3 is free for another replica.')
const child = spawn(program!, [...args, '--data-dir', demo.dataDir], { stdio: 'inherit', env: { ...process.env, ...demo.env } })
recordDemoProcesses([process.pid, child.pid!])
let stopping = false
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return
  stopping = true
  child.kill(signal)
}
process.on('SIGINT', () => stop('SIGINT'))
process.on('SIGTERM', () => stop('SIGTERM'))
// Started by scripts/start.mjs with an IPC channel: it closes when npm start dies, however.
if (process.connected) process.on('disconnect', () => stop('SIGTERM'))
child.on('exit', async (code) => {
  say('Removing the demo lab…')
  await tearDownDemo().catch((err: Error) => console.error(`[demo] ${err.message}`))
  forgetDemoProcesses()
  process.exit(code ?? 0)
})
