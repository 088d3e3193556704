import { describe, expect, it } from 'vitest'
import { decide, preflightError, sudoersLine, type MemberOutcome } from './decide'
import { parseReading } from './reading'
import type { InspectInput } from './schema'
import { readAnswer, type FakeHost } from '../../../e2e/support/address/read-answer'

const MACS = { host1: '5e:5a:23:fb:1d:69', host2: 'f6:18:33:68:43:5e', host3: 'fe:d3:26:87:39:54' }

/** Three members on 10.77.3.0/24 (.11 … .13), each overridable. */
function outcomes(over: Partial<Record<'host1' | 'host2' | 'host3', FakeHost | Error>> = {}): MemberOutcome[] {
  return (['host1', 'host2', 'host3'] as const).map((host, i) => {
    const o = over[host]
    if (o instanceof Error) return { host, error: o.message }
    const reading = parseReading(host, readAnswer({ addrs: [`eth0 10.77.3.${11 + i}/24`], macs: { eth0: MACS[host] }, ...o }))
    return { host, reading }
  })
}

const input = (address = '10.77.3.200', extra: Partial<InspectInput> = {}): InspectInput => ({
  address,
  members: [{ host: 'host1' }, { host: 'host2' }, { host: 'host3' }],
  ...extra,
})

function problems(i: InspectInput, o: MemberOutcome[]): string[] {
  const d = decide(i, o)
  expect(d.ok).toBe(false)
  return d.ok ? [] : d.problems
}

describe('decide: where the service address lives', () => {
  it('places a free address on every member\'s interface of the shared subnet and probes from the first member', () => {
    const d = decide(input(), outcomes())
    expect(d).toEqual({
      ok: true,
      plan: {
        address: '10.77.3.200',
        prefix: 24,
        subnet: { network: '10.77.3.0', prefix: 24, broadcast: '10.77.3.255' },
        members: [
          { host: 'host1', iface: 'eth0', ownAddress: '10.77.3.11', mac: MACS.host1, holds: false, user: 'rdadmin' },
          { host: 'host2', iface: 'eth0', ownAddress: '10.77.3.12', mac: MACS.host2, holds: false, user: 'rdadmin' },
          { host: 'host3', iface: 'eth0', ownAddress: '10.77.3.13', mac: MACS.host3, holds: false, user: 'rdadmin' },
        ],
        probeFrom: { host: 'host1', iface: 'eth0' },
        heldBy: [],
      },
    })
  })

  it('finds the interface per member (names may differ) and skips other subnets and loopback', () => {
    const d = decide(input(), outcomes({ host2: { addrs: ['wlan0 192.168.8.4/24', 'enp3s0 10.77.3.12/24'], macs: { enp3s0: MACS.host2 } } }))
    expect(d.ok && d.plan.members.map((m) => m.iface)).toEqual(['eth0', 'enp3s0', 'eth0'])
  })

  it('probes from a member that already holds the address (its own copy never answers) and says who holds it', () => {
    const d = decide(input(), outcomes({ host2: { addrs: ['eth0 10.77.3.12/24', 'eth0 10.77.3.200/24 secondary'] } }))
    expect(d.ok && d.plan.probeFrom).toEqual({ host: 'host2', iface: 'eth0' })
    expect(d.ok && d.plan.heldBy).toEqual(['host2'])
    expect(d.ok && d.plan.members[1]!.ownAddress).toBe('10.77.3.12')
  })

  it('uses the given LAN address to choose between two interfaces on the subnet', () => {
    const two: FakeHost = { addrs: ['eth0 10.77.3.12/24', 'eth1 10.77.3.99/24'] }
    expect(problems(input(), outcomes({ host2: two })).join()).toMatch(/host2: eth0 and eth1 are all on subnets that contain 10\.77\.3\.200; give the member's LAN address/)
    const d = decide(input('10.77.3.200', { members: [{ host: 'host1' }, { host: 'host2', lanAddress: '10.77.3.99' }, { host: 'host3' }] }), outcomes({ host2: two }))
    expect(d.ok && d.plan.members[1]).toMatchObject({ iface: 'eth1', ownAddress: '10.77.3.99' })
  })

  it('adds with the subnet prefix, or /32 when asked; any other prefix is refused', () => {
    expect(decide(input('10.77.3.200', { prefix: 32 }), outcomes())).toMatchObject({ ok: true, plan: { prefix: 32 } })
    expect(problems(input('10.77.3.200', { prefix: 16 }), outcomes())).toEqual([`The address was given as /16, but the members' subnet is 10.77.3.0/24: use /24 (or /32).`])
  })
})

describe('decide: refusals name the host and what to do', () => {
  it('refuses members that do not share one subnet', () => {
    const p = problems(input(), outcomes({ host3: { addrs: ['eth0 10.77.3.13/16'] } }))
    expect(p).toEqual(['The members are not on one shared subnet (host1 eth0 10.77.3.0/24, host2 eth0 10.77.3.0/24, host3 eth0 10.77.0.0/16); a service address can only move between members of the same LAN segment.'])
  })

  it('refuses an address outside every member\'s subnet, listing what each has', () => {
    const p = problems(input('10.77.4.200'), outcomes())
    expect(p).toHaveLength(3)
    expect(p[0]).toBe(`host1: none of its interfaces is on a subnet that contains 10.77.4.200 (it has 127.0.0.1/8 on lo, 10.77.3.11/24 on eth0); pick an address on the members' LAN.`)
  })

  it('refuses the network and the broadcast address', () => {
    expect(problems(input('10.77.3.0'), outcomes())).toEqual(['10.77.3.0 is the network address of 10.77.3.0/24; pick a host address in it.'])
    expect(problems(input('10.77.3.255'), outcomes())).toEqual(['10.77.3.255 is the broadcast address of 10.77.3.0/24; pick a host address in it.'])
  })

  it('refuses a member\'s own address, found by itself or given as its LAN address', () => {
    expect(problems(input('10.77.3.12'), outcomes())).toEqual(['host2: 10.77.3.12 is its own address (the only one it has on that subnet); the service address must be a free one.'])
    const given = input('10.77.3.12', { members: [{ host: 'host1' }, { host: 'host2', lanAddress: '10.77.3.12' }, { host: 'host3' }] })
    expect(problems(given, outcomes())).toEqual(['host2: 10.77.3.12 is its own LAN address; the service address must be a free one.'])
  })

  it('refuses a LAN address the member does not have', () => {
    const i = input('10.77.3.200', { members: [{ host: 'host1', lanAddress: '10.77.3.50' }, { host: 'host2' }, { host: 'host3' }] })
    expect(problems(i, outcomes())).toEqual(['host1: 10.77.3.50 is not on any of its interfaces (it has 127.0.0.1/8 on lo, 10.77.3.11/24 on eth0); correct the member\'s LAN address.'])
  })

  it('refuses loopback, multicast and this-network addresses before reading anything', () => {
    expect(problems(input('127.0.0.5'), [])).toEqual([`127.0.0.5 is a loopback address; pick a free address on the members' LAN.`])
    expect(problems(input('224.0.0.18'), [])[0]).toMatch(/multicast or reserved/)
    expect(problems(input('0.1.2.3'), [])[0]).toMatch(/not a usable host address/)
  })

  it('names the exact sudoers line for the login user of each host that lacks the rule', () => {
    const p = problems(input(), outcomes({ host1: { user: 'postgres', uid: 101, sudo: 'sudo: a password is required' }, host3: { user: 'dba', uid: 1002, sudo: 'sudo: a password is required' } }))
    expect(p).toEqual([
      'host1: the login postgres may not run /usr/sbin/ip -4 addr add, /usr/sbin/ip -4 addr del, /usr/bin/arping as root without a password (sudo said: sudo: a password is required). On host1, add this line with `sudo visudo -f /etc/sudoers.d/replicadesk-address`: postgres ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping',
      'host3: the login dba may not run /usr/sbin/ip -4 addr add, /usr/sbin/ip -4 addr del, /usr/bin/arping as root without a password (sudo said: sudo: a password is required). On host3, add this line with `sudo visudo -f /etc/sudoers.d/replicadesk-address`: dba ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping',
    ])
  })

  it('names only the command that is missing, with the paths found on that host', () => {
    const text = readAnswer({ user: 'postgres', uid: 101, ip: '/sbin/ip', addrs: ['eth0 10.77.3.11/24'] }).replace('sudo arping ok', 'sudo arping no sudo: a password is required')
    const o = outcomes()
    o[0] = { host: 'host1', reading: parseReading('host1', text) }
    expect(problems(input(), o)).toEqual([
      'host1: the login postgres may not run /usr/bin/arping as root without a password (sudo said: sudo: a password is required). On host1, add this line with `sudo visudo -f /etc/sudoers.d/replicadesk-address`: postgres ALL=(root) NOPASSWD: /sbin/ip -4 addr add *, /sbin/ip -4 addr del *, /usr/bin/arping',
    ])
  })

  it('says to install sudo when it is missing', () => {
    const p = problems(input(), outcomes({ host2: { user: 'postgres', uid: 101, sudo: 'sh: 1: sudo: not found' } }))
    expect(p[0]).toMatch(/^host2: sudo is not installed, and the login postgres needs it .* Install sudo on host2 .*: postgres ALL=\(root\) NOPASSWD: /)
  })

  it('needs no sudo rule for a root login', () => {
    expect(decide(input(), outcomes({ host1: { user: 'root', uid: 0 } })).ok).toBe(true)
  })

  it('names the package iputils-arping when arping is missing, and refuses another arping', () => {
    expect(problems(input(), outcomes({ host3: { arping: null } }))).toEqual(['host3: has no arping; install the Debian package iputils-arping there (apt-get install iputils-arping).'])
    expect(problems(input(), outcomes({ host3: { arping: '/usr/sbin/arping', arpingVersion: 'ARPing 2.23, by Thomas Habets <thomas@habets.se>' } }))[0]).toMatch(
      /^host3: \/usr\/sbin\/arping is not iputils' arping \(it says "ARPing 2\.23.*install the Debian package iputils-arping there/,
    )
  })

  it('names iproute2 when ip is missing', () => {
    expect(problems(input(), outcomes({ host2: { ip: null } }))).toEqual(['host2: has no "ip" command; install the Debian package iproute2 there.'])
  })

  it('refuses when a member could not be read, with the reason', () => {
    const p = problems(input(), outcomes({ host2: new Error('host2 did not answer within 5000 ms while reading its network interfaces; check that it is up and reachable.') }))
    expect(p).toEqual(['host2: could not be read: host2 did not answer within 5000 ms while reading its network interfaces; check that it is up and reachable.'])
  })

  it('gathers every problem into one pre-flight error', () => {
    const e = preflightError('10.77.3.200', ['a.', 'b.'])
    expect(e.code).toBe('preflight_failed')
    expect(e.message).toBe('The service address 10.77.3.200 cannot be used yet. a. b.')
    expect(e.detail).toEqual({ address: '10.77.3.200', problems: ['a.', 'b.'] })
  })

  it('writes the sudoers rule with ip limited to addr add/del (a bare ip rule is a root shell)', () => {
    expect(sudoersLine('postgres')).toBe('postgres ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping')
  })
})
