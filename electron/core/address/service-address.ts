// The service address's building blocks: inspect (pre-flight: shared subnet, sudo rule, free on
// the LAN), acquire, release and holders. Engine-neutral: they know hosts, interfaces and IPv4,
// never a database. Operations decide when to call them.
import { AppError, toErrorData } from '../../../shared/errors'
import { decide, IPUTILS_PACKAGE, preflightError, SUDOERS_FILE, sudoersLine, type AddressPlan, type MemberOutcome } from './decide'
import { parseAddrLines, parseReading, READ_SCRIPT } from './reading'
import { ACQUIRE_SCRIPT, EXIT, HOLDERS_SCRIPT, PROBE_SCRIPT, RELEASE_SCRIPT, runOn, sh, tail, type AddressExec } from './remote'
import { holdersSchema, inspectInputSchema, parseOrThrow, placementSchema, releaseSchema, type InspectInput } from './schema'

export interface ServiceAddressOptions {
  /** Reading a member (inspect). Default 5 s. */
  readTimeoutMs?: number
  /** The duplicate-address probe (~2 s when the address is free). Default 8 s. */
  probeTimeoutMs?: number
  /** acquire / release. Default 5 s. */
  changeTimeoutMs?: number
  /** One member's answer in holders. Default 3 s. */
  holdersTimeoutMs?: number
}

export interface InspectResult extends AddressPlan {
  /** The duplicate-address probe that found the address free. */
  probe: { host: string; iface: string; durationMs: number }
}

export interface AcquireResult {
  host: string
  iface: string
  address: string
  prefix: number
  /** false: the interface had it already. */
  added: boolean
  /** The gratuitous ARP burst (3 packets over ~2 s) was started; it runs on after the call returns. */
  announced: boolean
  durationMs: number
}

export interface ReleaseResult {
  host: string
  address: string
  /** Where it was removed from; empty when the host did not have it. */
  removed: Array<{ iface: string; cidr: string }>
  durationMs: number
}

export interface HolderState {
  host: string
  /** unknown: the member did not answer (it may still hold the address). */
  state: 'holds' | 'free' | 'unknown'
  ifaces: string[]
  error?: string
}

export interface ServiceAddress {
  inspect(input: InspectInput): Promise<InspectResult>
  acquire(host: string, iface: string, address: string, prefix: number): Promise<AcquireResult>
  release(host: string, iface: string, address: string): Promise<ReleaseResult>
  holders(hosts: readonly string[], address: string): Promise<HolderState[]>
}

const REPLY = /reply from (\d+(?:\.\d+){3}) \[([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\]/i

function missingArping(host: string, after: string): AppError {
  return new AppError('preflight_failed', `${host}: has no arping; install the Debian package ${IPUTILS_PACKAGE} there (apt-get install ${IPUTILS_PACKAGE}). ${after}`, { host, package: IPUTILS_PACKAGE })
}

/** A root command refused by sudo, with the rule to add; null when stderr is not sudo's. */
function sudoRefusal(host: string, user: string, stderr: string, after: string): AppError | null {
  if (!/^sudo: /m.test(stderr)) return null
  return new AppError('ssh_sudo_password', `${host}: sudo refused a root command (${tail(stderr)}). ${after} On ${host}, add this line with \`sudo visudo -f ${SUDOERS_FILE}\`: ${sudoersLine(user || 'USER')}`, { host, user })
}

// A change that got no answer may or may not have happened.
const UNKNOWN_OUTCOME = 'Whether the change happened is unknown: read the holders before going on.'

const userOf = (stdout: string) => /^user (\S+)/m.exec(stdout)?.[1] ?? ''

/** What the probe's answer means: free (returns), in use or could not probe (throws). */
function judgeProbe(plan: AddressPlan, r: { exitCode: number | null; stdout: string; stderr: string }): void {
  const { host, iface } = plan.probeFrom
  if (r.exitCode === 0) return
  const reply = REPLY.exec(r.stdout)
  if (r.exitCode === 1 && reply) {
    const mac = reply[2]!.toLowerCase()
    const member = plan.members.find((m) => m.mac === mac)
    const who = member
      ? `${member.host} (a member, MAC ${mac}) answered: it holds the address too; remove it there if it is not the primary`
      : `a device with MAC ${mac} answered; pick a free address (check your router's DHCP leases and static addresses) or free that one first`
    throw new AppError('preflight_failed', `The service address ${plan.address} is already in use on the LAN. ${host} probed it on ${iface} (arping -D) and ${who}.`, { address: plan.address, mac, member: member?.host })
  }
  if (r.exitCode === EXIT.noArping || r.exitCode === 127) throw missingArping(host, 'Nothing was changed.')
  const user = plan.members.find((m) => m.host === host)?.user ?? ''
  const refused = sudoRefusal(host, user, r.stderr, 'The duplicate-address probe could not run; nothing was changed.')
  if (refused) throw refused
  throw new AppError('command_failed', `${host}: the duplicate-address probe (arping -D on ${iface}) failed (exit ${r.exitCode}): ${tail(r.stderr || r.stdout)}. Nothing was changed.`, { host, iface })
}

export function createServiceAddress(exec: AddressExec, opts: ServiceAddressOptions = {}): ServiceAddress {
  const readMs = opts.readTimeoutMs ?? 5000
  const probeMs = opts.probeTimeoutMs ?? 8000
  const changeMs = opts.changeTimeoutMs ?? 5000
  const holdersMs = opts.holdersTimeoutMs ?? 3000

  async function read(host: string, address: string, prefix: number | undefined): Promise<MemberOutcome> {
    try {
      const r = await runOn(exec, host, sh(READ_SCRIPT, address, String(prefix ?? 32)), readMs, 'reading its network interfaces')
      const reading = parseReading(host, r.stdout)
      if (r.exitCode !== 0 || reading.uid < 0) return { host, error: `unexpected answer (exit ${r.exitCode}): ${tail(r.stderr || r.stdout)}` }
      return { host, reading }
    } catch (err) {
      return { host, error: toErrorData(err).message }
    }
  }

  return {
    async inspect(raw) {
      const input = parseOrThrow(inspectInputSchema, raw, 'Service address')
      const outcomes = await Promise.all(input.members.map((m) => read(m.host, input.address, input.prefix)))
      const decision = decide(input, outcomes)
      if (!decision.ok) throw preflightError(input.address, decision.problems)
      const { plan } = decision
      const started = Date.now()
      const r = await runOn(exec, plan.probeFrom.host, sh(PROBE_SCRIPT, plan.probeFrom.iface, plan.address), probeMs, `checking that ${plan.address} is free (arping -D)`)
      judgeProbe(plan, r)
      return { ...plan, probe: { ...plan.probeFrom, durationMs: Date.now() - started } }
    },

    async acquire(host, iface, address, prefix) {
      const p = parseOrThrow(placementSchema, { host, iface, address, prefix }, 'Service address to acquire')
      const started = Date.now()
      const r = await runOn(exec, p.host, sh(ACQUIRE_SCRIPT, p.iface, p.address, String(p.prefix)), changeMs, `adding ${p.address}/${p.prefix} to ${p.iface}`, UNKNOWN_OUTCOME)
      if (r.exitCode === EXIT.noArping) throw missingArping(p.host, `${p.address} was not added.`)
      if (r.exitCode === EXIT.noInterface) throw new AppError('command_failed', `${p.host}: has no interface ${p.iface} (${tail(r.stderr)}); run the pre-flight again to find the interface on the members' subnet. ${p.address} was not added.`, { host: p.host, iface: p.iface })
      if (r.exitCode !== 0) {
        const after = `${p.address} was not added to ${p.iface}.`
        throw sudoRefusal(p.host, userOf(r.stdout), r.stderr, after) ?? new AppError('command_failed', `${p.host}: ip addr add ${p.address}/${p.prefix} dev ${p.iface} failed (exit ${r.exitCode}): ${tail(r.stderr)}. ${after}`, { host: p.host })
      }
      const lines = r.stdout.split('\n')
      return { ...p, added: lines.includes('added'), announced: lines.includes('announced'), durationMs: Date.now() - started }
    },

    async release(host, iface, address) {
      const p = parseOrThrow(releaseSchema, { host, iface, address }, 'Service address to release')
      const started = Date.now()
      const r = await runOn(exec, p.host, sh(RELEASE_SCRIPT, p.iface, p.address), changeMs, `removing ${p.address}`, UNKNOWN_OUTCOME)
      if (r.exitCode !== 0) {
        const after = `${p.host} may still hold ${p.address}.`
        throw sudoRefusal(p.host, userOf(r.stdout), r.stderr, after) ?? new AppError('command_failed', `${p.host}: ip addr del ${p.address} failed (exit ${r.exitCode}): ${tail(r.stderr)}. ${after}`, { host: p.host })
      }
      const removed = r.stdout
        .split('\n')
        .map((l) => /^removed (\S+) (\S+)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ iface: m[1]!, cidr: m[2]! }))
      return { host: p.host, address: p.address, removed, durationMs: Date.now() - started }
    },

    async holders(hosts, address) {
      const p = parseOrThrow(holdersSchema, { hosts: [...hosts], address }, 'Service address holders')
      return Promise.all(
        p.hosts.map(async (host): Promise<HolderState> => {
          try {
            const r = await runOn(exec, host, sh(HOLDERS_SCRIPT), holdersMs, `reading who holds ${p.address}`)
            if (r.exitCode !== 0) return { host, state: 'unknown', ifaces: [], error: `${host}: ip -o -4 addr show failed (exit ${r.exitCode}): ${tail(r.stderr)}` }
            const ifaces = parseAddrLines(r.stdout).filter((a) => a.address === p.address).map((a) => a.iface)
            return { host, state: ifaces.length ? 'holds' : 'free', ifaces }
          } catch (err) {
            return { host, state: 'unknown', ifaces: [], error: toErrorData(err).message }
          }
        }),
      )
    },
  }
}
