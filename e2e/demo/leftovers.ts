// The processes of a running demo (its driver and the ReplicaDesk it started), kept in a file
// beside the demo's lab state, so that the next `npm start` can stop a demo whose terminal was
// killed (kill -9 leaves the ReplicaDesk server holding its port) and say so.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { statePath } from '../lab'

/** Beside the demo lab's state file: a test's demo and a developer's never see each other's. */
const file = () => `${statePath()}.processes.json`

export function recordDemoProcesses(pids: number[]): void {
  writeFileSync(file(), JSON.stringify({ pids, marker: 'replicadesk-demo' }))
}

export function forgetDemoProcesses(): void {
  rmSync(file(), { force: true })
}

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
  } catch {
    return ''
  }
}

/** Kills the processes an earlier demo left running (only ours: their command line is checked); returns what it stopped. */
export async function stopLeftoverDemo(): Promise<string[]> {
  let pids: number[] = []
  try {
    pids = (JSON.parse(readFileSync(file(), 'utf8')) as { pids: number[] }).pids.filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid)
  } catch {
    return []
  }
  const ours = pids.map((pid) => ({ pid, cmd: cmdline(pid) })).filter((p) => /replicadesk|out\/(server|main)\/index|e2e\/demo\/cli/.test(p.cmd))
  for (const p of ours) process.kill(p.pid, 'SIGKILL')
  // Bounded: a SIGKILLed process is gone (or a zombie of a dead parent) within a few ticks.
  for (let i = 0; i < 50 && ours.some((p) => cmdline(p.pid) !== ''); i++) await new Promise((r) => setTimeout(r, 20))
  forgetDemoProcesses()
  return ours.map((p) => `pid ${p.pid} (${p.cmd.trim().slice(0, 80)})`)
}
