// The service address on the lab's netns hosts, whose bridge is the LAN: the pre-flight (free,
// in use, sudo rule, arping missing), acquire/release moving the address between hosts with the
// other hosts' neighbour caches following the gratuitous ARP, and holders (unknown when cut).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cut, exec as labExec, execOk, probePortFrom, requireNetns, resetHost } from '../../../e2e/lab'
import { lockLabHosts } from '../../../e2e/fixtures/labLock'
import { failure, labContext } from '../../../e2e/support/ssh/lab-fixtures'
import type { SshService } from '../ssh'
import { createServiceAddress, type AddressExec, type ServiceAddress, SUDOERS_FILE } from './index'

const ctx = labContext()
const HOSTS = ['host1', 'host2', 'host3']
const members = HOSTS.map((host) => ({ host }))
const base = ctx.lab.subnet.replace(/\.0\/24$/, '')
const ADDR = `${base}.200` // the service address
const OTHER = `${base}.201` // held by a host outside the cluster
let svc: SshService
let admin: ServiceAddress
let unlock: () => void
const mac: Record<string, string> = {}

const execAs = (user: string): AddressExec => ({ exec: (host, argv, opts) => svc.exec(ctx.target(host, user), argv, opts) })
const log = (msg: string) => console.log(`[address] ${msg}`)

/** Leaves no test address and no test sudo rule on any host. */
async function clean() {
  for (const h of HOSTS) {
    for (const a of [ADDR, OTHER]) await labExec(h, ['ip', '-4', 'addr', 'del', `${a}/24`, 'dev', 'eth0'])
    await labExec(h, ['rm', '-f', SUDOERS_FILE])
  }
}

async function neighbour(host: string, address: string): Promise<string | null> {
  const line = await execOk(host, ['ip', 'neigh', 'show', address, 'dev', 'eth0'])
  return /lladdr (\S+)/.exec(line)?.[1] ?? null
}

// Inside the host: every change of its neighbour entry for $1, for $2 ms, as "epoch-ms lladdr".
const WATCH = 'end=$(( $(date +%s%3N) + $2 )); last=; while [ "$(date +%s%3N)" -lt "$end" ]; do n=$(ip neigh show "$1" dev eth0); [ "$n" = "$last" ] || echo "$(date +%s%3N) $n"; last=$n; sleep 0.01; done'

async function watchNeighbour(host: string, address: string, ms: number): Promise<Array<{ at: number; mac: string | null }>> {
  const out = await execOk(host, ['sh', '-c', WATCH, 'sh', address, String(Math.max(ms, 0))])
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ at: Number(l.split(' ')[0]), mac: /lladdr (\S+)/.exec(l)?.[1] ?? null }))
}

/** Which host's sshd answers on the address (its host key), asked from inside `from`. */
async function sshdBehind(from: string, address: string): Promise<string | undefined> {
  const out = await execOk(from, ['ssh-keyscan', '-T', '2', '-t', 'ed25519', address])
  const key = out.trim().split(/\s+/).slice(1, 3).join(' ')
  return ctx.lab.hosts.find((h) => h.hostKeyPublic.trim().split(/\s+/).slice(0, 2).join(' ') === key)?.name
}

beforeAll(async () => {
  if (ctx.lab.mode !== 'netns') return
  unlock = await lockLabHosts('service address lab test (moves addresses between hosts)')
  svc = ctx.service()
  admin = createServiceAddress(execAs(ctx.lab.users.admin))
  await clean()
  for (const h of HOSTS) mac[h] = (await execOk(h, ['cat', '/sys/class/net/eth0/address'])).trim()
})

afterAll(async () => {
  if (ctx.lab.mode === 'netns') await clean()
  await ctx.closeAll()
  unlock?.()
})

describe('pre-flight', () => {
  it('passes for a free address on the bridge subnet, with each member\'s interface', async (tc) => {
    if (!requireNetns('the service address needs a LAN of netns hosts', { lab: ctx.lab, skip: tc.skip })) return
    const started = Date.now()
    const r = await admin.inspect({ address: ADDR, members })
    log(`inspect of a free address: ${Date.now() - started} ms, of which arping -D ${r.probe.durationMs} ms`)
    expect(r).toMatchObject({ address: ADDR, prefix: 24, subnet: { network: `${base}.0`, prefix: 24, broadcast: `${base}.255` }, heldBy: [] })
    expect(r.members).toEqual(HOSTS.map((host) => ({ host, iface: 'eth0', ownAddress: ctx.host(host).address, mac: mac[host], holds: false, user: ctx.lab.users.admin })))
  })

  it('refuses an address a host outside the cluster holds (arping -D gets its reply); a member holding it is fine', async (tc) => {
    if (!requireNetns('the service address needs a LAN of netns hosts', { lab: ctx.lab, skip: tc.skip })) return
    await execOk('host3', ['ip', '-4', 'addr', 'add', `${OTHER}/24`, 'dev', 'eth0'])
    const started = Date.now()
    const e = await failure(admin.inspect({ address: OTHER, members: [{ host: 'host1' }, { host: 'host2' }] }))
    log(`inspect of an address in use: refused in ${Date.now() - started} ms`)
    expect(e.code).toBe('preflight_failed')
    expect(e.message).toBe(`The service address ${OTHER} is already in use on the LAN. host1 probed it on eth0 (arping -D) and a device with MAC ${mac.host3} answered; pick a free address (check your router's DHCP leases and static addresses) or free that one first.`)
    // With host3 a member, its copy is the cluster's own: probed from host3, nobody else answers.
    const r = await admin.inspect({ address: OTHER, members })
    expect(r.heldBy).toEqual(['host3'])
    expect(r.probe.host).toBe('host3')
  })

  it('names the sudoers line for a login without the rule; with that very line the login can move the address', async (tc) => {
    if (!requireNetns('per-host sudoers need mount namespaces', { lab: ctx.lab, skip: tc.skip })) return
    const pg = createServiceAddress(execAs(ctx.lab.users.postgres))
    const line = 'postgres ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping'
    const e = await failure(pg.inspect({ address: ADDR, members }))
    expect(e.code).toBe('preflight_failed')
    for (const h of HOSTS) {
      expect(e.message).toContain(`${h}: the login postgres may not run /usr/sbin/ip -4 addr add, /usr/sbin/ip -4 addr del, /usr/bin/arping as root without a password (sudo said: sudo: a password is required). On ${h}, add this line with \`sudo visudo -f ${SUDOERS_FILE}\`: ${line}`)
    }
    log(`pre-flight error for postgres: ${e.message.slice(0, 400)}…`)
    await execOk('host2', ['sh', '-c', 'printf "%s\\n" "$1" > "$2" && chmod 0440 "$2" && visudo -c -q -f "$2"', 'sh', line, SUDOERS_FILE])
    expect((await pg.inspect({ address: ADDR, members: [{ host: 'host2' }] })).members[0]!.user).toBe('postgres')
    expect(await pg.acquire('host2', 'eth0', ADDR, 24)).toMatchObject({ added: true, announced: true })
    expect((await pg.release('host2', 'eth0', ADDR)).removed).toEqual([{ iface: 'eth0', cidr: `${ADDR}/24` }])
  })

  it('names the package iputils-arping on a member without arping', async (tc) => {
    if (!requireNetns('hiding arping on one host needs its own mount namespace', { lab: ctx.lab, skip: tc.skip })) return
    await execOk('host3', ['mount', '--bind', '/dev/null', '/usr/bin/arping']) // host3's mount namespace only
    try {
      const e = await failure(admin.inspect({ address: ADDR, members }))
      expect(e.message).toBe(`The service address ${ADDR} cannot be used yet. host3: has no arping; install the Debian package iputils-arping there (apt-get install iputils-arping).`)
      const a = await failure(admin.acquire('host3', 'eth0', ADDR, 24))
      expect(a.message).toBe(`host3: has no arping; install the Debian package iputils-arping there (apt-get install iputils-arping). ${ADDR} was not added.`)
    } finally {
      await execOk('host3', ['umount', '/usr/bin/arping'])
    }
    expect((await admin.holders(HOSTS, ADDR)).map((h) => h.state)).toEqual(['free', 'free', 'free'])
  })
})

describe('moving the address', () => {
  it('acquire on host1 → clients reach host1; release, acquire on host2 → a third host\'s neighbour entry follows at once and stays', async (tc) => {
    if (!requireNetns('the service address needs a LAN of netns hosts', { lab: ctx.lab, skip: tc.skip })) return
    const t0 = Date.now()
    const a1 = await admin.acquire('host1', 'eth0', ADDR, 24)
    log(`acquire on host1: ${a1.durationMs} ms (one SSH round trip; the ARP burst runs on detached)`)
    expect(a1).toMatchObject({ host: 'host1', added: true, announced: true })
    expect(await probePortFrom('host2', ADDR, 22)).toBe('open')
    expect(await sshdBehind('host2', ADDR)).toBe('host1')
    expect(await neighbour('host2', ADDR)).toBe(mac.host1)
    expect(await probePortFrom('host3', ADDR, 22)).toBe('open')
    expect(await neighbour('host3', ADDR)).toBe(mac.host1) // before the move
    expect(await admin.holders(HOSTS, ADDR)).toEqual([
      { host: 'host1', state: 'holds', ifaces: ['eth0'] },
      { host: 'host2', state: 'free', ifaces: [] },
      { host: 'host3', state: 'free', ifaces: [] },
    ])
    expect((await admin.acquire('host1', 'eth0', ADDR, 24)).added).toBe(false) // already there: fine

    // host3 watches its own entry and sends nothing: only gratuitous ARP can change it. The
    // watch outlasts host1's burst (packets ~0, 1, 2 s after t0), which must not pull it back.
    const watching = watchNeighbour('host3', ADDR, t0 + 2700 - Date.now())
    expect((await admin.release('host1', 'eth0', ADDR)).removed).toEqual([{ iface: 'eth0', cidr: `${ADDR}/24` }])
    const t1 = Date.now()
    const a2 = await admin.acquire('host2', 'eth0', ADDR, 24)
    const changes = await watching
    const followed = changes.find((c) => c.at >= t1 && c.mac === mac.host2)
    log(`acquire on host2 ${t1 - t0} ms after host1's: ${a2.durationMs} ms; host3's neighbour entry pointed to host2 ${followed ? followed.at - t1 : '—'} ms after the call started; host3's entry over time: ${changes.map((c) => `${c.at - t0} ms ${c.mac}`).join(', ')}`)
    expect(followed, 'host3 followed the gratuitous ARP').toBeDefined()
    expect(followed!.at - t1).toBeLessThan(1000) // the first announcement, not the 2nd (1 s) or a re-ARP (≥ 5 s)
    expect(changes.filter((c) => c.at > followed!.at).map((c) => c.mac)).not.toContain(mac.host1)
    expect(await neighbour('host3', ADDR)).toBe(mac.host2)
    expect(await probePortFrom('host3', ADDR, 22)).toBe('open')
    expect(await sshdBehind('host3', ADDR)).toBe('host2')
    expect(await admin.holders(HOSTS, ADDR)).toEqual([
      { host: 'host1', state: 'free', ifaces: [] },
      { host: 'host2', state: 'holds', ifaces: ['eth0'] },
      { host: 'host3', state: 'free', ifaces: [] },
    ])

    expect((await admin.release('host2', 'eth0', ADDR)).removed).toHaveLength(1)
    expect((await admin.release('host2', 'eth0', ADDR)).removed).toEqual([]) // absent: fine
    expect((await admin.holders(HOSTS, ADDR)).map((h) => h.state)).toEqual(['free', 'free', 'free'])
  })

  it('holders: a member that does not answer is unknown, not free, within the timeout', async (tc) => {
    if (!requireNetns('cutting a host needs its own link', { lab: ctx.lab, skip: tc.skip })) return
    const quick = createServiceAddress(execAs(ctx.lab.users.admin), { holdersTimeoutMs: 1500 })
    await execOk('host3', ['ip', '-4', 'addr', 'add', `${ADDR}/24`, 'dev', 'eth0'])
    await cut('host3')
    try {
      const started = Date.now()
      const r = await quick.holders(HOSTS, ADDR)
      const ms = Date.now() - started
      log(`holders with host3 cut: ${ms} ms`)
      expect(ms).toBeLessThan(2500)
      expect(r.map((h) => h.state)).toEqual(['free', 'free', 'unknown'])
      expect(r[2]!.error).toBe(`host3 did not answer within 1500 ms while reading who holds ${ADDR}; check that it is up and reachable.`)
    } finally {
      await resetHost('host3')
    }
  })
})
