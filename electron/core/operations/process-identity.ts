// Which process runs an operation, in a form that survives pid reuse: the pid plus a start
// id (Linux: boot id + the process's start time in clock ticks). A journal entry whose
// process is gone, or whose pid now belongs to another process, was interrupted.
import { readFileSync } from 'node:fs'

export interface ProcessIdentity {
  pid: number
  /** Empty where the platform gives no start time; then only the pid is compared. */
  startId: string
}

function readStartId(pid: number): string {
  if (process.platform !== 'linux') return ''
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const startTime = fields[19] // field 22 of the whole line
    return startTime ? `${boot}:${startTime}` : ''
  } catch {
    return ''
  }
}

let self: ProcessIdentity | undefined

export function currentProcess(): ProcessIdentity {
  self ??= { pid: process.pid, startId: readStartId(process.pid) }
  return self
}

export function isSameProcess(a: ProcessIdentity, b: ProcessIdentity): boolean {
  return a.pid === b.pid && a.startId === b.startId
}

export function isAlive(owner: ProcessIdentity): boolean {
  if (isSameProcess(owner, currentProcess())) return true
  try {
    process.kill(owner.pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  if (!owner.startId) return true
  const now = readStartId(owner.pid)
  // No start id readable (process gone meanwhile): dead; a different one: the pid was reused.
  return now === owner.startId
}
