// The pure pre-flight decision: given what every member said about itself, can the service
// address live on this cluster, on which interface of each member, and what must the user fix
// first. Every problem names its host and says what to do; nothing here runs a command.
import { AppError } from '../../../shared/errors'
import { inSubnet, ipv4ToInt, sameSubnet, subnetOf, subnetText, type Subnet } from './ipv4'
import type { IfaceAddress, MemberReading, SudoCheck } from './reading'
import type { InspectInput } from './schema'

export interface PlacedMember {
  host: string
  iface: string
  /** The member's own address on that interface (never the service address). */
  ownAddress: string
  mac: string | null
  /** It has the service address on some interface now. */
  holds: boolean
  user: string
}

export interface AddressPlan {
  address: string
  /** The prefix acquire adds the address with. */
  prefix: number
  subnet: Subnet
  members: PlacedMember[]
  /** Where the duplicate-address probe runs: a current holder (its own copy never answers), else the first member. */
  probeFrom: { host: string; iface: string }
  heldBy: string[]
}

export type Decision = { ok: true; plan: AddressPlan } | { ok: false; problems: string[] }

/** One member's reading, or why it could not be read. */
export type MemberOutcome = { host: string; reading: MemberReading } | { host: string; error: string }

export const IPUTILS_PACKAGE = 'iputils-arping'
export const SUDOERS_FILE = '/etc/sudoers.d/replicadesk-address'

/**
 * The rule acquire, release and the probe need. `ip` is limited to `addr add`/`addr del`: a bare
 * `NOPASSWD: /usr/sbin/ip` would be a root shell (`ip netns exec`).
 */
export function sudoersLine(user: string, ipPath = '/usr/sbin/ip', arpingPath = '/usr/bin/arping'): string {
  return `${user} ALL=(root) NOPASSWD: ${ipPath} -4 addr add *, ${ipPath} -4 addr del *, ${arpingPath}`
}

const listOf = (addrs: IfaceAddress[]) => addrs.map((a) => `${a.address}/${a.prefix} on ${a.iface}`).join(', ') || 'none'

/** Addresses no LAN host can float: loopback, this-network, multicast and reserved ranges. */
export function addressKindProblem(address: string): string | null {
  const first = ipv4ToInt(address) >>> 24
  if (first === 127) return `${address} is a loopback address; pick a free address on the members' LAN.`
  if (first === 0) return `${address} is not a usable host address; pick a free address on the members' LAN.`
  if (first >= 224) return `${address} is a multicast or reserved address; pick a free address on the members' LAN.`
  return null
}

function sudoProblem(r: MemberReading): string | null {
  if (r.uid === 0 || !r.ipPath || !r.arpingPath) return null
  const s = r.sudo ?? {}
  const checks: Array<[string, SudoCheck | undefined]> = [
    [`${r.ipPath} -4 addr add`, s.ipAdd],
    [`${r.ipPath} -4 addr del`, s.ipDel],
    [r.arpingPath, s.arping],
  ]
  const denied = checks.filter(([, c]) => !c?.ok)
  if (!denied.length) return null
  const why = denied.map(([, c]) => (c && !c.ok ? c.why : '')).find(Boolean) || 'not checked'
  const what = denied.map(([cmd]) => cmd).join(', ')
  const line = sudoersLine(r.user, r.ipPath, r.arpingPath)
  if (/sudo: (not found|command not found)|sudo: No such file/.test(why)) {
    return `${r.host}: sudo is not installed, and the login ${r.user} needs it to run ${what} as root. Install sudo on ${r.host} (apt-get install sudo, as root), then add this line with \`visudo -f ${SUDOERS_FILE}\`: ${line}`
  }
  return `${r.host}: the login ${r.user} may not run ${what} as root without a password (sudo said: ${why}). On ${r.host}, add this line with \`sudo visudo -f ${SUDOERS_FILE}\`: ${line}`
}

function toolProblems(r: MemberReading): string[] {
  const out: string[] = []
  if (!r.ipPath) out.push(`${r.host}: has no "ip" command; install the Debian package iproute2 there.`)
  if (!r.arpingPath) out.push(`${r.host}: has no arping; install the Debian package ${IPUTILS_PACKAGE} there (apt-get install ${IPUTILS_PACKAGE}).`)
  else if (!/iputils/i.test(r.arpingVersion ?? '')) {
    out.push(`${r.host}: ${r.arpingPath} is not iputils' arping (it says "${r.arpingVersion ?? ''}"), whose -D and -U ReplicaDesk relies on; install the Debian package ${IPUTILS_PACKAGE} there and make sure \`arping\` runs it.`)
  }
  return out
}

/** Which interface of this member carries the service address's subnet, or what is wrong. */
function place(host: string, lanAddress: string | undefined, r: MemberReading, address: string): { own: IfaceAddress } | { problem: string } {
  const mine = r.addresses
  if (lanAddress) {
    if (lanAddress === address) return { problem: `${host}: ${address} is its own LAN address; the service address must be a free one.` }
    const own = mine.find((a) => a.address === lanAddress)
    if (!own) return { problem: `${host}: ${lanAddress} is not on any of its interfaces (it has ${listOf(mine)}); correct the member's LAN address.` }
    const net = subnetOf(own.address, own.prefix)
    if (!inSubnet(address, net)) return { problem: `${host}: its LAN address ${own.address}/${own.prefix} on ${own.iface} is on ${subnetText(net)}, which does not contain ${address}; pick an address in that subnet.` }
    return { own }
  }
  const onSubnet = mine.filter((a) => a.prefix < 31 && a.iface !== 'lo' && inSubnet(address, subnetOf(a.address, a.prefix)))
  const candidates = onSubnet.filter((a) => a.address !== address)
  if (!candidates.length) {
    if (onSubnet.length) return { problem: `${host}: ${address} is its own address (the only one it has on that subnet); the service address must be a free one.` }
    return { problem: `${host}: none of its interfaces is on a subnet that contains ${address} (it has ${listOf(mine)}); pick an address on the members' LAN.` }
  }
  const ifaces = [...new Set(candidates.map((a) => a.iface))]
  if (ifaces.length > 1) return { problem: `${host}: ${ifaces.join(' and ')} are all on subnets that contain ${address}; give the member's LAN address so ReplicaDesk knows which one to use.` }
  return { own: candidates.find((a) => !a.secondary) ?? candidates[0]! }
}

function clusterProblems(input: InspectInput, placed: PlacedMember[], subnets: Subnet[]): { problems: string[]; subnet?: Subnet; prefix?: number } {
  const first = subnets[0]!
  if (!subnets.every((s) => sameSubnet(s, first))) {
    const each = placed.map((m, i) => `${m.host} ${m.iface} ${subnetText(subnets[i]!)}`).join(', ')
    return { problems: [`The members are not on one shared subnet (${each}); a service address can only move between members of the same LAN segment.`] }
  }
  const problems: string[] = []
  if (input.address === first.network) problems.push(`${input.address} is the network address of ${subnetText(first)}; pick a host address in it.`)
  if (input.address === first.broadcast) problems.push(`${input.address} is the broadcast address of ${subnetText(first)}; pick a host address in it.`)
  const owner = placed.find((m) => m.ownAddress === input.address)
  if (owner) problems.push(`${input.address} is ${owner.host}'s own address; the service address must be a free one.`)
  const prefix = input.prefix ?? first.prefix
  if (prefix !== first.prefix && prefix !== 32) problems.push(`The address was given as /${prefix}, but the members' subnet is ${subnetText(first)}: use /${first.prefix} (or /32).`)
  return { problems, subnet: first, prefix }
}

export function decide(input: InspectInput, outcomes: MemberOutcome[]): Decision {
  const kind = addressKindProblem(input.address)
  if (kind) return { ok: false, problems: [kind] }
  const problems: string[] = []
  const placed: PlacedMember[] = []
  const subnets: Subnet[] = []
  for (const member of input.members) {
    const o = outcomes.find((x) => x.host === member.host)
    if (!o || 'error' in o) {
      // The reason already says what to do (reach the host, fix the login …).
      problems.push(`${member.host}: could not be read: ${o && 'error' in o ? o.error : 'no answer; check that it is up and reachable.'}`)
      continue
    }
    const r = o.reading
    problems.push(...toolProblems(r))
    const sudo = sudoProblem(r)
    if (sudo) problems.push(sudo)
    if (!r.ipPath) continue
    const where = place(member.host, member.lanAddress, r, input.address)
    if ('problem' in where) {
      problems.push(where.problem)
      continue
    }
    const { own } = where
    const holds = r.addresses.some((a) => a.address === input.address)
    placed.push({ host: member.host, iface: own.iface, ownAddress: own.address, mac: r.macs[own.iface] ?? null, holds, user: r.user })
    subnets.push(subnetOf(own.address, own.prefix))
  }
  if (placed.length === input.members.length) {
    const c = clusterProblems(input, placed, subnets)
    problems.push(...c.problems)
    if (!problems.length && c.subnet && c.prefix) {
      const heldBy = placed.filter((m) => m.holds).map((m) => m.host)
      const from = placed.find((m) => m.holds) ?? placed[0]!
      return { ok: true, plan: { address: input.address, prefix: c.prefix, subnet: c.subnet, members: placed, probeFrom: { host: from.host, iface: from.iface }, heldBy } }
    }
  }
  return { ok: false, problems }
}

export function preflightError(address: string, problems: string[]): AppError {
  return new AppError('preflight_failed', `The service address ${address} cannot be used yet. ${problems.join(' ')}`, { address, problems })
}
