// ReplicaDesk's block in pg_hba.conf: replication (and pg_rewind's reads of the postgres
// database) only from the members' addresses, with
// scram-sha-256, and the monitoring roles by peer authentication over the Unix socket. The
// block is the same on every member (any of them may become primary) and sits at the top of
// the file (first match wins); everything outside it is the admin's and stays as it is.
import { isIPv4, isIPv6 } from 'node:net'
import { AppError } from '../../../../shared/errors'

export const HBA_BEGIN = '# BEGIN ReplicaDesk (managed: changes inside this block are replaced)'
export const HBA_END = '# END ReplicaDesk'

export function cidr(address: string): string {
  if (isIPv4(address)) return `${address}/32`
  if (isIPv6(address)) return `${address}/128`
  throw new AppError('invalid_input', `${address} is not an IP address; pg_hba.conf lines need one.`)
}

/** Usable source addresses of a host (`hostname -I`): no loopback, no link-local. */
export function hostAddresses(text: string): string[] {
  return [...new Set(text.split(/\s+/).filter((a) => (isIPv4(a) && !a.startsWith('127.')) || (isIPv6(a) && a !== '::1' && !/^fe80:/i.test(a))))]
}

export interface HbaBlockInput {
  replicationRole: string
  /** Source addresses of every member. */
  addresses: readonly string[]
  /** Login users that monitor through the Unix socket (peer), other than postgres. */
  monitorRoles: readonly string[]
}

/** The block's lines, markers included. */
export function hbaBlock(input: HbaBlockInput): string[] {
  const rows: string[][] = []
  for (const role of [...new Set(input.monitorRoles)].filter((r) => r !== 'postgres').sort()) rows.push(['local', 'postgres', role, '', 'peer'])
  for (const a of [...new Set(input.addresses)].sort()) {
    rows.push(['host', 'replication', input.replicationRole, cidr(a), 'scram-sha-256'])
    // pg_rewind (rejoin) reads the new primary's files over a normal connection.
    rows.push(['host', 'postgres', input.replicationRole, cidr(a), 'scram-sha-256'])
  }
  const width = [6, 12, 16, 20]
  const lines = rows.map((r) => r.map((f, i) => (i < 4 ? f.padEnd(width[i]!) : f)).join(' ').replace(/\s+$/, ''))
  return [HBA_BEGIN, ...lines, HBA_END]
}

/** The file with the block replaced (or put at the top); an empty block removes it. */
export function withHbaBlock(file: string, block: readonly string[]): string {
  const out: string[] = []
  let inside = false
  for (const line of file.split('\n')) {
    if (line === HBA_BEGIN) inside = true
    else if (line === HBA_END) inside = false
    else if (!inside) out.push(line)
  }
  const rest = out.join('\n')
  return block.length ? `${block.join('\n')}\n${rest}` : rest
}

/** The block currently in a file (markers included), or [] when there is none. */
export function currentHbaBlock(file: string): string[] {
  const lines = file.split('\n')
  const start = lines.indexOf(HBA_BEGIN)
  const end = lines.indexOf(HBA_END, start + 1)
  return start >= 0 && end > start ? lines.slice(start, end + 1) : []
}

/** Active lines that use `trust` (ReplicaDesk never adds one; tests and checks look for them). */
export const trustLines = (file: string) => file.split('\n').filter((l) => /^\s*[^#\s].*\btrust\s*$/.test(l))
