import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import type { Arg, ExecOptions, ExecResult } from '../ssh'
import { READ_SCRIPT } from './reading'
import { ACQUIRE_SCRIPT, HOLDERS_SCRIPT, PROBE_SCRIPT, RELEASE_SCRIPT, type AddressExec } from './remote'
import { createServiceAddress } from './service-address'
import { readAnswer } from '../../../e2e/support/address/read-answer'

interface Call {
  host: string
  argv: readonly Arg[]
  opts?: ExecOptions
}
type Answer = Partial<ExecResult> | Error | 'hang'

/** A fake HostExec: answers by script and host, records every call. */
function fakeExec(answer: (script: string, host: string, args: string[]) => Answer): AddressExec & { calls: Call[] } {
  const calls: Call[] = []
  return {
    calls,
    exec(host, argv, opts) {
      calls.push({ host, argv, opts })
      const a = answer(String(argv[2]), host, argv.slice(4).map(String))
      if (a === 'hang') return new Promise(() => {})
      if (a instanceof Error) return Promise.reject(a)
      return Promise.resolve({ stdout: '', stderr: '', exitCode: 0, durationMs: 5, truncated: { stdout: false, stderr: false }, ...a })
    },
  }
}

const ADDRS: Record<string, string> = { host1: '10.77.3.11', host2: '10.77.3.12', host3: '10.77.3.13' }
const MACS: Record<string, string> = { host1: '5e:5a:23:fb:1d:69', host2: 'f6:18:33:68:43:5e', host3: 'fe:d3:26:87:39:54' }
const reads = (host: string) => ({ stdout: readAnswer({ addrs: [`eth0 ${ADDRS[host]}/24`], macs: { eth0: MACS[host]! } }) })
const members = [{ host: 'host1' }, { host: 'host2' }, { host: 'host3' }]

async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err)
  expect(e).toBeInstanceOf(AppError)
  return e as AppError
}

describe('input is checked before anything runs', () => {
  const exec = fakeExec(() => ({}))
  const sa = createServiceAddress(exec)
  it.each([
    ['an address with a command in it', () => sa.inspect({ address: '1.2.3.4; rm -rf /', members })],
    ['an address with a prefix glued on', () => sa.inspect({ address: '10.77.3.200/24', members })],
    ['a prefix out of range', () => sa.inspect({ address: '10.77.3.200', prefix: 33, members })],
    ['a host name that is an option', () => sa.inspect({ address: '10.77.3.200', members: [{ host: '-oProxyCommand=x' }] })],
    ['the same member twice', () => sa.inspect({ address: '10.77.3.200', members: [{ host: 'host1' }, { host: 'host1' }] })],
    ['an unknown field', () => sa.inspect({ address: '10.77.3.200', members, extra: 1 } as never)],
    ['acquire with an injected address', () => sa.acquire('host1', 'eth0', '1.2.3.4`reboot`', 24)],
    ['acquire with an interface that is an option', () => sa.acquire('host1', '-Ieth1', '10.77.3.200', 24)],
    ['acquire with a shell word as interface', () => sa.acquire('host1', 'eth0;reboot', '10.77.3.200', 24)],
    ['acquire with a fractional prefix', () => sa.acquire('host1', 'eth0', '10.77.3.200', 24.5)],
    ['release with a $() address', () => sa.release('host1', 'eth0', '$(reboot)')],
    ['holders with a bad address', () => sa.holders(['host1'], '10.77.3.300')],
  ])('refuses %s', async (_what, call) => {
    const e = await failure(call())
    expect(e.code).toBe('invalid_input')
    expect(exec.calls).toEqual([])
  })
})

describe('argv: constant scripts, values as positional parameters', () => {
  it('acquire, release, probe and holders pass values only after the script', async () => {
    const exec = fakeExec((script, host) => (script === READ_SCRIPT ? reads(host) : script === ACQUIRE_SCRIPT ? { stdout: 'user rdadmin\nadded\nannounced\n' } : {}))
    const sa = createServiceAddress(exec)
    await sa.inspect({ address: '10.77.3.200', members })
    await sa.acquire('host2', 'eth0', '10.77.3.200', 24)
    await sa.release('host2', 'eth0', '10.77.3.200')
    await sa.holders(['host1'], '10.77.3.200')
    const argvs = exec.calls.map((c) => [c.host, ...c.argv])
    expect(argvs).toEqual([
      ['host1', 'sh', '-c', READ_SCRIPT, 'rd-address', '10.77.3.200', '32'],
      ['host2', 'sh', '-c', READ_SCRIPT, 'rd-address', '10.77.3.200', '32'],
      ['host3', 'sh', '-c', READ_SCRIPT, 'rd-address', '10.77.3.200', '32'],
      ['host1', 'sh', '-c', PROBE_SCRIPT, 'rd-address', 'eth0', '10.77.3.200'],
      ['host2', 'sh', '-c', ACQUIRE_SCRIPT, 'rd-address', 'eth0', '10.77.3.200', '24'],
      ['host2', 'sh', '-c', RELEASE_SCRIPT, 'rd-address', 'eth0', '10.77.3.200'],
      ['host1', 'sh', '-c', HOLDERS_SCRIPT, 'rd-address'],
    ])
    for (const script of [READ_SCRIPT, ACQUIRE_SCRIPT, RELEASE_SCRIPT, PROBE_SCRIPT, HOLDERS_SCRIPT]) expect(script).not.toMatch(/\d+\.\d+\.\d+\.\d+|eth0/)
    // Every call is bounded; root goes through `sudo -n` inside the script, never the SSH layer's sudo.
    expect(exec.calls.every((c) => (c.opts?.timeoutMs ?? 0) > 0 && c.opts?.sudo === undefined)).toBe(true)
  })
})

describe('inspect', () => {
  it('returns the plan once the probe found the address free', async () => {
    const exec = fakeExec((script, host) => (script === READ_SCRIPT ? reads(host) : { exitCode: 0 }))
    const r = await createServiceAddress(exec).inspect({ address: '10.77.3.200', members })
    expect(r).toMatchObject({ address: '10.77.3.200', prefix: 24, probe: { host: 'host1', iface: 'eth0' }, heldBy: [] })
  })

  it('does not probe when the pre-flight already failed', async () => {
    const exec = fakeExec((script, host) => (script === READ_SCRIPT ? (host === 'host2' ? { stdout: readAnswer({ user: 'postgres', uid: 101, addrs: ['eth0 10.77.3.12/24'], sudo: 'sudo: a password is required' }) } : reads(host)) : {}))
    const e = await failure(createServiceAddress(exec).inspect({ address: '10.77.3.200', members }))
    expect(e.code).toBe('preflight_failed')
    expect(e.message).toContain('host2: the login postgres may not run')
    expect(e.message).toContain('postgres ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping')
    expect(exec.calls.map((c) => c.argv[2])).not.toContain(PROBE_SCRIPT)
  })

  it('refuses an address another device answers for, with its MAC', async () => {
    const exec = fakeExec((script, host) => (script === READ_SCRIPT ? reads(host) : { exitCode: 1, stdout: 'ARPING 10.77.3.200 from 0.0.0.0 eth0\nUnicast reply from 10.77.3.200 [AA:BB:CC:00:11:22]  0.541ms\nSent 1 probes (1 broadcast(s))\nReceived 1 response(s)\n' }))
    const e = await failure(createServiceAddress(exec).inspect({ address: '10.77.3.200', members }))
    expect(e.code).toBe('preflight_failed')
    expect(e.message).toBe(`The service address 10.77.3.200 is already in use on the LAN. host1 probed it on eth0 (arping -D) and a device with MAC aa:bb:cc:00:11:22 answered; pick a free address (check your router's DHCP leases and static addresses) or free that one first.`)
  })

  it('names the member when the answer comes from one (two holders)', async () => {
    const exec = fakeExec((script, host) => (script === READ_SCRIPT ? reads(host) : { exitCode: 1, stdout: `Unicast reply from 10.77.3.200 [${MACS.host3!.toUpperCase()}]  0.5ms\n` }))
    const e = await failure(createServiceAddress(exec).inspect({ address: '10.77.3.200', members }))
    expect(e.message).toContain('host3 (a member, MAC fe:d3:26:87:39:54) answered: it holds the address too')
  })

  it('says which package to install when the probe finds no arping', async () => {
    const exec = fakeExec((script, host) => (script === READ_SCRIPT ? reads(host) : { exitCode: 12, stderr: 'arping: not found' }))
    const e = await failure(createServiceAddress(exec).inspect({ address: '10.77.3.200', members }))
    expect(e.message).toBe('host1: has no arping; install the Debian package iputils-arping there (apt-get install iputils-arping). Nothing was changed.')
  })

  it('reports an unreachable member by name, within the read timeout', async () => {
    const exec = fakeExec((script, host) => (host === 'host3' ? 'hang' : reads(host)))
    const started = Date.now()
    const e = await failure(createServiceAddress(exec, { readTimeoutMs: 200 }).inspect({ address: '10.77.3.200', members }))
    expect(Date.now() - started).toBeLessThan(3000)
    expect(e.message).toContain('host3: could not be read: host3 did not answer within 200 ms while reading its network interfaces; check that it is up and reachable.')
  })
})

describe('acquire and release', () => {
  it('reports added, present and the announcement', async () => {
    let out = 'user rdadmin\nadded\nannounced\n'
    const sa = createServiceAddress(fakeExec(() => ({ stdout: out })))
    expect(await sa.acquire('host1', 'eth0', '10.77.3.200', 24)).toMatchObject({ host: 'host1', iface: 'eth0', address: '10.77.3.200', prefix: 24, added: true, announced: true })
    out = 'user rdadmin\npresent\nannounced\n'
    expect(await sa.acquire('host1', 'eth0', '10.77.3.200', 24)).toMatchObject({ added: false, announced: true })
  })

  it('maps sudo refusal to the rule to add, naming host and user', async () => {
    const sa = createServiceAddress(fakeExec(() => ({ exitCode: 11, stdout: 'user postgres\n', stderr: 'sudo: a password is required\n' })))
    const e = await failure(sa.acquire('host2', 'eth0', '10.77.3.200', 24))
    expect(e.code).toBe('ssh_sudo_password')
    expect(e.message).toBe('host2: sudo refused a root command (sudo: a password is required). 10.77.3.200 was not added to eth0. On host2, add this line with `sudo visudo -f /etc/sudoers.d/replicadesk-address`: postgres ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping')
  })

  it('maps a missing arping and a missing interface before anything was added', async () => {
    let code = 12
    const sa = createServiceAddress(fakeExec(() => ({ exitCode: code, stderr: code === 13 ? 'Device "eth7" does not exist.' : 'arping: not found' })))
    expect((await failure(sa.acquire('host1', 'eth0', '10.77.3.200', 24))).message).toBe('host1: has no arping; install the Debian package iputils-arping there (apt-get install iputils-arping). 10.77.3.200 was not added.')
    code = 13
    expect((await failure(sa.acquire('host1', 'eth7', '10.77.3.200', 24))).message).toMatch(/^host1: has no interface eth7 \(Device "eth7" does not exist\.\); run the pre-flight again/)
  })

  it('times out naming the host when it never answers', async () => {
    const sa = createServiceAddress(fakeExec(() => 'hang'), { changeTimeoutMs: 100 })
    const e = await failure(sa.acquire('host1', 'eth0', '10.77.3.200', 24))
    expect(e.code).toBe('ssh_timeout')
    expect(e.message).toBe('host1 did not answer within 100 ms while adding 10.77.3.200/24 to eth0; check that it is up and reachable. Whether the change happened is unknown: read the holders before going on.')
  })

  it('names the host in an SSH error that only knew the address', async () => {
    const sa = createServiceAddress(fakeExec(() => new AppError('ssh_auth', 'Authentication to postgres@10.77.3.11:22 was refused.')))
    const e = await failure(sa.release('host1', 'eth0', '10.77.3.200'))
    expect(e.code).toBe('ssh_auth')
    expect(e.message).toBe('host1: Authentication to postgres@10.77.3.11:22 was refused. (while removing 10.77.3.200)')
  })

  it('release lists where the address was removed; absent is an empty list', async () => {
    let out = 'user rdadmin\nremoved eth0 10.77.3.200/24\n'
    const sa = createServiceAddress(fakeExec(() => ({ stdout: out })))
    expect((await sa.release('host1', 'eth0', '10.77.3.200')).removed).toEqual([{ iface: 'eth0', cidr: '10.77.3.200/24' }])
    out = 'user rdadmin\n'
    expect((await sa.release('host1', 'eth0', '10.77.3.200')).removed).toEqual([])
  })
})

describe('holders', () => {
  it('says holds, free, or unknown for a member that does not answer in time (never "free")', async () => {
    const exec = fakeExec((_s, host) => {
      if (host === 'host1') return { stdout: '2: eth0    inet 10.77.3.11/24 scope global eth0\\\n2: eth0    inet 10.77.3.200/24 scope global secondary eth0\\\n' }
      if (host === 'host2') return { stdout: '2: eth0    inet 10.77.3.12/24 scope global eth0\\\n' }
      return 'hang'
    })
    const started = Date.now()
    const r = await createServiceAddress(exec, { holdersTimeoutMs: 150 }).holders(['host1', 'host2', 'host3'], '10.77.3.200')
    expect(Date.now() - started).toBeLessThan(2000)
    expect(r).toEqual([
      { host: 'host1', state: 'holds', ifaces: ['eth0'] },
      { host: 'host2', state: 'free', ifaces: [] },
      { host: 'host3', state: 'unknown', ifaces: [], error: 'host3 did not answer within 150 ms while reading who holds 10.77.3.200; check that it is up and reachable.' },
    ])
  })

  it('counts a failed read as unknown', async () => {
    const r = await createServiceAddress(fakeExec(() => new AppError('ssh_connect', 'connect ECONNREFUSED 10.77.3.11:22'))).holders(['host1'], '10.77.3.200')
    expect(r[0]).toMatchObject({ host: 'host1', state: 'unknown' })
    expect(r[0]!.error).toMatch(/^host1: connect ECONNREFUSED/)
  })
})
