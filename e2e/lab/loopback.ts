// Loopback mode, for machines that refuse network namespaces: one sshd per host on
// 127.0.0.1:2201…, all sharing the machine's filesystem, hostname and network. Only SSH-level
// faults (kill/restart of a host's sshd and its sessions) exist here.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { sshdConfigPath, sshdLogPath, sshdPidPath, sudoersText } from './host-files'
import { alive, descendantsOf, killUntilGone } from './procs'
import { LabError, run, waitFor } from './run'
import type { LabHost } from './state'

/** 2201, 2202, … skipping ports something already listens on (another lab, perhaps). */
export function loopbackPorts(count: number): number[] {
  const ports: number[] = []
  for (let p = 2201; ports.length < count && p < 65535; p++) if (!listening(p)) ports.push(p)
  return ports
}
/** The machine's sudoers file for the admin user, one per run (no '.' in it: sudo would skip it). */
export const loopbackSudoers = (prefix: string) => `/etc/sudoers.d/replicadesk-lab-${prefix}`

export function writeLoopbackSudoers(prefix: string) {
  // One sudoers for all hosts here, so no host can ask for a password.
  const text = `# ReplicaDesk lab (loopback mode); removed by npm run lab -- down\n${sudoersText(false)}`
  writeFileSync(loopbackSudoers(prefix), text, { mode: 0o440 })
}

export function sshdPid(h: LabHost): number | undefined {
  try {
    const pid = Number(readFileSync(sshdPidPath(h.dir), 'utf8').trim())
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return cmdline.includes(sshdConfigPath(h.dir)) ? pid : undefined
  } catch {
    return undefined
  }
}

function listening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .some((l) => {
      const f = l.trim().split(/\s+/)
      return f[1]?.endsWith(hex) && f[3] === '0A'
    })
}

export async function startSshd(h: LabHost) {
  if (sshdPid(h)) return
  if (listening(h.port)) throw new LabError(`${h.name}: port ${h.port} on 127.0.0.1 is taken by another program`)
  rmSync(sshdPidPath(h.dir), { force: true })
  await run('/usr/sbin/sshd', ['-f', sshdConfigPath(h.dir), '-E', sshdLogPath(h.dir)])
  await waitFor(`sshd on 127.0.0.1:${h.port}`, () => listening(h.port) && sshdPid(h) !== undefined)
}

/** Kills the host's sshd and every session under it (processes that left the tree survive). */
export async function killHost(h: LabHost) {
  const pid = sshdPid(h)
  if (!pid) return
  const tree = descendantsOf([pid])
  const left = await killUntilGone(() => alive(descendantsOf(tree)))
  if (left.length) throw new LabError(`${h.name}: processes survive kill -9: ${left.join(' ')}`)
}
