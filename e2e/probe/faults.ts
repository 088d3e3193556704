// The three faults a failover is measured against (lab tests and the failover bench), each
// by the name every role-change test and bench prints:
//   postmaster-kill  kill -9 of the primary's postmaster only; the host, its sshd and the
//                    other processes live on (the most common crash)
//   host-kill        every process of the host killed; its kernel still answers (TCP resets)
//   power-off        every process killed and the link down: nothing answers (a dead box)
// `arm` does the reading a fault needs beforehand (the postmaster's pid), so that the clock
// starts at the fault itself; its `recover` brings the host back (PostgreSQL not started).
import { existsSync } from 'node:fs'
import { exec, kill, powerOff, powerOn, restart } from '../lab'

export const FAULT_KINDS = ['postmaster-kill', 'host-kill', 'power-off'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export function faultKinds(list: readonly string[]): FaultKind[] {
  const bad = list.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k))
  if (bad.length) throw new Error(`unknown fault kind(s) ${bad.join(', ')}: use ${FAULT_KINDS.join(', ')}`)
  return list as FaultKind[]
}

/** The postmaster's pid, from its pid file (read inside the host). */
export async function postmasterPid(host: string, dataDir: string): Promise<number> {
  const r = await exec(host, ['head', '-n', '1', `${dataDir}/postmaster.pid`], { user: 'postgres' })
  const pid = Number(r.stdout.trim())
  if (r.code !== 0 || !Number.isInteger(pid) || pid <= 1) throw new Error(`no postmaster pid on ${host} in ${dataDir}: ${r.stderr || r.stdout}`)
  return pid
}

export interface ArmedFault {
  kind: FaultKind
  /** The fault itself; resolves once it is done. */
  inject(): Promise<void>
  /**
   * The host back after the fault: booted (sshd), link up; PostgreSQL stays as the fault left
   * it. After a postmaster-kill: until the killed postmaster is reaped (the lab's PID 1 reaps
   * every ~1.5 s; until then postgres --single, which pg_rewind runs, refuses the pid file).
   */
  recover(): Promise<void>
}

/** Reads what the fault needs (so that a clock can start at the fault itself). */
export async function arm(kind: FaultKind, host: string, dataDir: string): Promise<ArmedFault> {
  if (kind === 'postmaster-kill') {
    const pid = await postmasterPid(host, dataDir)
    // The lab's hosts share the machine's pid namespace: the postmaster is signalled from here.
    return { kind, inject: async () => void process.kill(pid, 'SIGKILL'), recover: () => reaped(pid) }
  }
  if (kind === 'host-kill') return { kind, inject: () => kill(host), recover: () => restart(host) }
  return { kind, inject: () => powerOff(host), recover: () => powerOn(host) }
}

async function reaped(pid: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (existsSync(`/proc/${pid}`)) {
    if (Date.now() > until) throw new Error(`the killed postmaster ${pid} was not reaped within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
