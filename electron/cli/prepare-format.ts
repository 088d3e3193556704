// The human form of host prepare (each check with what to do) and host clean (what went, what stays).
import { hostCleaned, prepareReport, type HostCleaned, type PrepareReport } from '../../shared/prepare'

const mark = { ok: 'ok     ', missing: 'MISSING', unknown: '?      ' } as const

export function formatPrepare(r: PrepareReport): string {
  const lines = [`${r.host}: login ${r.login} (${r.access === 'postgres' ? 'logs in as postgres' : 'an admin that acts as postgres through sudo -n -u postgres'})`]
  for (const c of r.checks) {
    lines.push(`  ${mark[c.state]} ${c.title}: ${c.detail}`)
    if (c.fix && c.state !== 'ok') lines.push(`          → ${c.fix}`)
  }
  const sudoMissing = r.checks.some((c) => c.state === 'missing' && ['become-postgres', 'root-install', 'root-address'].includes(c.id))
  if (r.sudoRule && sudoMissing) {
    lines.push(`The sudo rule for ${r.login} (${r.sudoRule.file}), only the commands ReplicaDesk runs:`, ...r.sudoRule.lines.map((l) => `          ${l}`))
    if (r.sudoRule.writable) lines.push(`  ReplicaDesk can write it (sudo -n works now): replicadesk host prepare ${r.host} --sudo-rule`)
  }
  lines.push(r.ready ? 'Ready for ReplicaDesk.' : `Not ready: do what the lines marked MISSING say, then \`replicadesk host prepare ${r.host}\` again.`)
  return lines.join('\n')
}

export function formatCleaned(r: HostCleaned): string {
  return [
    `${r.host}: ${r.removed.length ? 'removed' : 'nothing of ReplicaDesk\'s to remove'}`,
    ...r.removed.map((w) => `  - ${w}`),
    'Left in place:',
    ...r.left.map((w) => `  - ${w}`),
  ].join('\n')
}

/** The human form for host.prepare / host.clean replies, or undefined. */
export function formatPrepareReply(method: string, value: unknown): string | undefined {
  if (method === 'host.prepare') {
    const r = prepareReport.safeParse(value)
    return r.success ? formatPrepare(r.data) : undefined
  }
  if (method === 'host.clean') {
    const r = hostCleaned.safeParse(value)
    return r.success ? formatCleaned(r.data) : undefined
  }
  return undefined
}
