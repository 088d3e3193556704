// Chroot safety: a lab host must see the caller's `/`. Entering a mount namespace resets a
// process's root to that namespace's root, so a lab run inside a chroot would otherwise run every
// host command (and every SSH command) on the real machine's filesystem. Every entry into a host
// keeps the holder's root and working dir (nsenter -r -w), and boot refuses a host whose view of
// `/` differs from the caller's.
import { statSync } from 'node:fs'
import { LabError, run } from './run'

/** dev:ino of a process's root as seen from this process (stat follows /proc/PID/root). */
export function rootId(pid: number | 'self'): string {
  const s = statSync(`/proc/${pid}/root/`)
  return `${s.dev}:${s.ino}`
}

/** nsenter arguments that enter a host's net, mount and UTS namespaces keeping its holder's root and cwd. */
export const enterArgs = (holderPid: number) => ['-t', String(holderPid), '-n', '-m', '-u', '-r', '-w']

/**
 * Throws unless the host's processes and a command entered the way exec enters (nsenter) see the
 * same `/` as this process. Called at every boot and sshd start, before anything uses the host.
 */
export async function assertSameRoot(host: string, holderPid: number, pids: number[]) {
  const mine = rootId('self')
  const seen: string[] = []
  for (const pid of [holderPid, ...pids]) {
    const id = rootId(pid)
    if (id !== mine) seen.push(`pid ${pid} sees ${id}`)
  }
  const entered = (await run('nsenter', [...enterArgs(holderPid), '--', 'stat', '-c', '%d:%i', '/'])).stdout.trim()
  if (entered !== mine) seen.push(`nsenter sees ${entered}`)
  if (seen.length) {
    throw new LabError(
      `${host}: its view of / is not the caller's (${mine}; ${seen.join(', ')}): ` +
        'the lab would write outside this root (a chroot escape), so it refuses to start',
    )
  }
}
