// The service address (issue 18) from the command line against the lab, whose bridge is the
// LAN: a synchronous three-member cluster (ANY 1) made with the CLI, the postgres login of each
// host given the sudo rule the pre-flight asks for (electron/core/address: sudoersLine).
//   refused before anything changes: an address another lab host answers for (its own, and one
//         added to it by hand), and a member's own address; the record keeps no serviceAddress,
//         no settings operation starts, listen_addresses stays as it was
//   no sudo rule on one host: the pre-flight names that host and the exact sudoers line
//   set: on the primary's host only; a switchover there and back (the primary restarts as a
//         standby, listening on '*'), then a switchover through a running instance under two
//         write probes, per host and one whose only member is the address: no acknowledged
//         write lost, both longest write gaps printed; the address on the new primary's host
//         only (`ip -o -4 addr show` in every host's namespace)
//   fence and rejoin of a standby whose host was given the address by hand (a split address,
//         raised by health): each takes it off that host with its own step
//   removing it: `--service-address none` from the CLI (an empty or other word is refused);
//         through the contract null does the same (what the Redundancy panel sends for an
//         empty field); it comes off every member
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exec, execOk, type LabHost } from '../../e2e/lab'
import { SUDOERS_FILE, sudoersLine } from '../core/address'
import { HeadlessServer } from '../../e2e/fixtures/server'
import { describeReport, setupProbe, WriteProbe, type ProbeAccess, type Report } from '../../e2e/probe'
import { cleanupDataDirs, cliLab, topology as topologyOf, waitFor, type CliLab } from '../../e2e/support/cli/cli-lab'
import { openSession } from './session'
import type { Reply } from '../../shared/wire'

const CLUSTER = 'adr'
const members = ['a1', 'a2', 'a3']
const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`
const IFACE = 'eth0'
/** The rule as a user reads it in the README, written out (not computed) so a change to it shows here. */
const RULE = 'postgres ALL=(root) NOPASSWD: /usr/sbin/ip -4 addr add *, /usr/sbin/ip -4 addr del *, /usr/bin/arping'

let t: CliLab
let hosts: LabHost[]
/** The lab host outside the cluster (the sudo-password one): "another device on the LAN". */
let outsider: LabHost
let vip = ''
/** An address added by hand to the outsider's interface. */
let handHeld = ''
let server: HeadlessServer | undefined
let access: ProbeAccess | undefined

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const hostOf = (m: string) => hosts[members.indexOf(m)]!
const recordOf = (m: string) => `h${members.indexOf(m) + 1}`
const topology = () => topologyOf(hosts, members)

/** Lab hosts (of the cluster) whose interfaces carry `address` now, read in each host's namespace. */
async function holders(address = vip): Promise<string[]> {
  const seen = await Promise.all(hosts.map(async (h) => ((await execOk(h.name, ['ip', '-o', '-4', 'addr', 'show'])).includes(` inet ${address}/`) ? h.name : null)))
  return seen.filter((h): h is string => h !== null)
}

const listenAddresses = () => Promise.all(hosts.map((h) => t.psql(h, 5432, 'SHOW listen_addresses')))

interface ClusterRecord {
  id: string
  fenced: string[]
  serviceAddress?: { address: string; prefix: number; interfaces: Record<string, string> }
}
const record = async () => (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as ClusterRecord[]).find((c) => c.id === CLUSTER)!
const settingsOps = async () => (JSON.parse((await t.cli('operation', 'list', '--cluster', CLUSTER, '--json')).out) as { kind: string }[]).filter((o) => o.kind === 'pg-settings')

interface Op {
  status: string
  steps: { id: string; status: string; title: string }[]
}
/** An operation through the CLI that must succeed; its summary and the progress lines it printed. */
async function opOk(...argv: string[]): Promise<{ op: Op; progress: string }> {
  const r = await t.cli(...argv, '--yes', '--json')
  expect(r.err, `replicadesk ${argv.join(' ')}`).toBe('')
  const op = JSON.parse(r.out) as Op
  expect(op.status, r.out).toBe('succeeded')
  return { op, progress: r.progress }
}

const writeRule = (h: LabHost) => execOk(h.name, ['sh', '-c', 'printf "%s\\n" "$1" > "$2" && chmod 0440 "$2" && visudo -c -q -f "$2"', 'sh', sudoersLine('postgres'), SUDOERS_FILE])
const dropRule = (h: LabHost) => execOk(h.name, ['rm', '-f', SUDOERS_FILE])
/** Takes `address` off every interface of `host` (as root); absent is fine. */
const dropAddress = (host: string, address: string) => exec(host, ['ip', '-4', 'addr', 'del', `${address}/24`, 'dev', IFACE])

beforeAll(async () => {
  t = await cliLab()
  hosts = t.hosts
  outsider = t.lab.hosts.find((h) => !hosts.includes(h))!
  expect(outsider, 'the lab has a host outside the three members').toBeDefined()
  const base = hosts[0]!.address.replace(/\.\d+$/, '')
  vip = `${base}.210`
  handHeld = `${base}.211`
  await cleanupDataDirs(hosts, members.map(dirOf))
  for (const h of [...hosts, outsider]) for (const a of [vip, handHeld]) await dropAddress(h.name, a)
  for (const h of hosts) await dropRule(h)
  expect((await t.cli('cluster', 'create', CLUSTER, '--member', 'a1', '--host', 'h1', '--pgdata', dirOf('a1'), '--sync')).code).toBe(0)
  for (const m of ['a2', 'a3']) expect((await t.cli('replica', 'add', CLUSTER, m, '--host', recordOf(m), '--pgdata', dirOf(m), '--sync')).err).toBe('')
  await waitFor('a2 and a3 stream from a1', topology, (v) => v.primaries.join() === 'a1' && v.streaming.length === 2)
}, 180_000)

afterAll(async () => {
  await server?.stop()
  await access?.teardown().catch(() => undefined)
  await cleanupDataDirs(hosts, members.map(dirOf))
  for (const h of [...hosts, outsider]) for (const a of [vip, handHeld]) await dropAddress(h.name, a)
  for (const h of hosts) await dropRule(h)
})

describe('replicadesk settings --service-address against the lab', () => {
  it('an address in use on the LAN, or a member\'s own, is refused before anything changes', async () => {
    for (const h of hosts) await writeRule(h)
    const listenBefore = await listenAddresses()
    const outsiderMac = (await execOk(outsider.name, ['cat', `/sys/class/net/${IFACE}/address`])).trim()

    /** Asks for `address`; the refusal must name it, and nothing may have changed. */
    const refused = async (address: string) => {
      const started = performance.now()
      const r = await t.cli('settings', CLUSTER, '--service-address', address, '--yes')
      const ms = performance.now() - started
      expect(r.code, r.out + r.err).toBe(1)
      expect(r.err).toContain(address)
      expect((await record()).serviceAddress).toBeUndefined()
      expect(await settingsOps()).toEqual([])
      expect(await listenAddresses()).toEqual(listenBefore)
      expect(await holders(address)).toEqual(hosts.filter((h) => h.address === address).map((h) => h.name))
      return { err: r.err, ms }
    }

    // Another host's own address: its kernel answers the duplicate-address probe.
    const own = await refused(outsider.address)
    expect(own.err).toContain(`The service address ${outsider.address} is already in use on the LAN. h1 probed it on ${IFACE} (arping -D) and a device with MAC ${outsiderMac} answered; pick a free address`)
    console.log(`[in use] ${outsider.name}'s own address refused in ${own.ms.toFixed(0)} ms: ${own.err}`)

    // An address added by hand (as root) to that host's interface.
    await execOk(outsider.name, ['ip', '-4', 'addr', 'add', `${handHeld}/24`, 'dev', IFACE])
    try {
      const hand = await refused(handHeld)
      expect(hand.err).toContain(`The service address ${handHeld} is already in use on the LAN.`)
      expect(hand.err).toContain(`a device with MAC ${outsiderMac} answered`)
      console.log(`[in use] ${handHeld} (added by hand on ${outsider.name}) refused in ${hand.ms.toFixed(0)} ms`)
    } finally {
      await dropAddress(outsider.name, handHeld)
    }

    // A member's own LAN address.
    const member = await refused(hosts[2]!.address)
    expect(member.err).toContain(`h3: ${hosts[2]!.address} is its own LAN address; the service address must be a free one.`)
  }, 120_000)

  it('without the sudo rule on one host, the pre-flight names that host and the line to add', async () => {
    for (const h of hosts) await writeRule(h)
    await dropRule(hosts[2]!)
    try {
      const r = await t.cli('settings', CLUSTER, '--service-address', vip, '--yes')
      expect(r.code, r.out + r.err).toBe(1)
      expect(sudoersLine('postgres')).toBe(RULE)
      expect(r.err).toContain(`The service address ${vip} cannot be used yet.`)
      expect(r.err).toContain('h3: the login postgres may not run /usr/sbin/ip -4 addr add, /usr/sbin/ip -4 addr del, /usr/bin/arping as root without a password')
      expect(r.err).toContain(`On h3, add this line with \`sudo visudo -f ${SUDOERS_FILE}\`: ${RULE}`)
      // Only the host without the rule is named.
      expect(r.err).not.toMatch(/\bh[12]: /)
      console.log(`[sudo] ${r.err}`)
      expect((await record()).serviceAddress).toBeUndefined()
      expect(await settingsOps()).toEqual([])
      expect(await holders()).toEqual([])
    } finally {
      await writeRule(hosts[2]!)
    }
  }, 60_000)

  it('set: on the primary only; after a switchover there and back, a switchover under two write probes loses nothing and moves the address to the new primary only', async () => {
    const set = await opOk('settings', CLUSTER, '--service-address', vip)
    expect(set.op.steps.find((s) => s.id === 'address')?.status).toBe('done')
    expect((await record()).serviceAddress).toEqual({ address: vip, prefix: 24, interfaces: { h1: IFACE, h2: IFACE, h3: IFACE } })
    expect(await holders()).toEqual(['host1'])
    // The standbys restarted listening everywhere; the primary keeps its value until it is restarted.
    const listen = await listenAddresses()
    console.log(`[set] listen_addresses after the setting: ${listen.join(', ')}`)
    expect(listen.slice(1)).toEqual(['*', '*'])
    const health = await t.cli('health', CLUSTER, '--json')
    expect(JSON.parse(health.out).serviceAddress, health.out).toEqual({ address: vip, holders: ['h1'], unknown: [] })

    for (const to of ['a2', 'a1']) {
      await opOk('switchover', CLUSTER, '--to', to)
      expect(await holders()).toEqual([hostOf(to).name])
    }
    expect(await listenAddresses()).toEqual(['*', '*', '*'])
    await waitFor('a2 and a3 stream from a1', topology, (v) => v.primaries.join() === 'a1' && v.streaming.length === 2)

    access = await setupProbe({ members: members.map((m) => ({ name: m, host: hostOf(m).name, address: hostOf(m).address, port: 5432 })), primary: 'a1' })
    server = await HeadlessServer.start(t.dataDir)
    try {
      const status = async () => JSON.parse((await t.cli('status', CLUSTER, '--json')).out) as { primary: string | null; members: { state: string }[] }
      await waitFor('status through the instance', status, (s) => s.primary === 'a1' && s.members.every((m) => m.state === 'up'))

      const rounds = process.env.SOAK ? Number(process.env.ROLE_ROUNDS ?? 5) : 1
      const lines: string[] = []
      for (let i = 0; i < rounds; i++) {
        const from = (await topology()).primaries[0]!
        const to = from === 'a1' ? 'a2' : 'a1'
        lines.push(await switchoverUnderProbes(from, to))
      }
      for (const l of lines) console.log(`[switchover] ${l}`)
    } finally {
      await server.stop()
      server = undefined
    }
  }, 300_000)

  /** One switchover from → to through the running instance, a per-host probe and an address-only probe writing. */
  async function switchoverUnderProbes(from: string, to: string): Promise<string> {
    const perHost = await WriteProbe.start({ members: access!.members, password: access!.password, writeTimeoutMs: 3000 })
    const app = await WriteProbe.start({ members: [{ name: 'vip', address: vip, port: 5432 }], password: access!.password, writeTimeoutMs: 3000 })
    let t0 = 0
    let opMs = 0
    try {
      await sleep(500)
      t0 = performance.now()
      await opOk('switchover', CLUSTER, '--to', to)
      opMs = performance.now() - t0
      await waitFor(`${to} acknowledges a write`, async () => perHost.firstAckAfter(to, t0), (v) => v !== undefined, 15_000)
      // The address probe cannot tell the servers apart: a write after the switchover ended is the new primary's.
      await waitFor(`a write through ${vip} after the switchover`, async () => app.firstAckAfter('vip', t0 + opMs), (v) => v !== undefined, 15_000)
      await sleep(500)
    } finally {
      await Promise.all([perHost.stop(), app.stop()])
    }
    const report: Report = await perHost.verify(to)
    expect(report.lost, describeReport(report)).toEqual([])
    expect(report.phantom, describeReport(report)).toEqual([])
    expect(report.overlaps, describeReport(report)).toEqual([])
    const appReport: Report = await app.verify('vip')
    expect(appReport.lost, `through ${vip}: ${describeReport(appReport)}`).toEqual([])
    expect(appReport.phantom, `through ${vip}: ${describeReport(appReport)}`).toEqual([])
    expect(appReport.acknowledged).toBeGreaterThan(0)
    expect(await holders()).toEqual([hostOf(to).name])
    expect((await topology()).primaries).toEqual([to])
    return `${from}→${to}: operation ${opMs.toFixed(0)} ms; longest write gap ${report.longestGap?.ms.toFixed(0)} ms per host (${report.acknowledged} acknowledged, ${report.uncertain} uncertain), ${appReport.longestGap?.ms.toFixed(0)} ms through ${vip} (${appReport.acknowledged} acknowledged, ${appReport.uncertain} uncertain); no acknowledged write lost; ${vip} on ${hostOf(to).name} only`
  }

  /** A checkpoint on the primary, replayed by the standby, then a restartpoint there: its control file is on the primary's timeline. */
  async function restartpointOn(standby: string, primary: string): Promise<void> {
    await t.psql(hostOf(primary), 5432, 'CHECKPOINT')
    const lsn = await t.psql(hostOf(primary), 5432, 'SELECT checkpoint_lsn FROM pg_control_checkpoint()')
    const tli = await t.psql(hostOf(primary), 5432, 'SELECT timeline_id FROM pg_control_checkpoint()')
    await waitFor(`${standby} replays past ${lsn}`, () => t.psql(hostOf(standby), 5432, `SELECT pg_last_wal_replay_lsn() > '${lsn}'::pg_lsn`), (v) => v === 't', 20_000)
    await t.psql(hostOf(standby), 5432, 'CHECKPOINT')
    expect(await t.psql(hostOf(standby), 5432, 'SELECT timeline_id FROM pg_control_checkpoint()')).toBe(tli)
  }

  it('fence and rejoin of a standby whose host was given the address by hand take it off (a split address until then)', async () => {
    const primary = (await topology()).primaries[0]!
    const standby = members.find((m) => m !== primary && hostOf(m).name === 'host3') ?? members.find((m) => m !== primary)!
    const sh = hostOf(standby).name
    const ph = hostOf(primary).name
    expect(await holders()).toEqual([ph])

    await execOk(sh, ['ip', '-4', 'addr', 'add', `${vip}/24`, 'dev', IFACE])
    expect((await holders()).sort()).toEqual([ph, sh].sort())
    const split = await t.cli('health', CLUSTER, '--json')
    expect(split.code).toBe(5)
    const verdict = JSON.parse(split.out) as { serviceAddress: { holders: string[] }; findings: { id: string; severity: string; text: string }[] }
    expect([...verdict.serviceAddress.holders].sort()).toEqual([recordOf(primary), recordOf(standby)].sort())
    const finding = verdict.findings.find((f) => f.id.startsWith('split-address:'))
    expect(finding, JSON.stringify(verdict.findings)).toMatchObject({ severity: 'critical' })
    console.log(`[split] ${finding!.id}: ${finding!.text}`)

    // pg_rewind (PostgreSQL 15.18) takes a stopped standby whose last restartpoint is on an older
    // timeline than its minimum recovery point for a diverged one, and the rejoin fails
    // ("could not find previous WAL record"; reported). A checkpoint on the primary, replayed,
    // and a restartpoint on the standby avoid that: the test is about the address.
    await restartpointOn(standby, primary)
    const fenced = await opOk('fence', CLUSTER, standby)
    // The fence's own step took it off (done, not skipped: the address was there).
    expect(fenced.op.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['fence:done', 'address:done'])
    expect(await holders()).toEqual([ph])
    expect((await record()).fenced).toEqual([standby])
    console.log(`[fence] progress: ${fenced.progress.trim().split('\n').join(' | ')}; ${vip} now on ${(await holders()).join(', ')}`)

    // Fenced, and given it by hand again: the rejoin takes it off before the member starts as a standby.
    await execOk(sh, ['ip', '-4', 'addr', 'add', `${vip}/24`, 'dev', IFACE])
    expect((await holders()).sort()).toEqual([ph, sh].sort())
    const rejoined = await opOk('rejoin', CLUSTER, standby)
    const ids = rejoined.op.steps.map((s) => s.id)
    expect(rejoined.op.steps.find((s) => s.id === 'address')?.status).toBe('done')
    expect(ids.indexOf('address')).toBeLessThan(ids.indexOf('start'))
    expect(await holders()).toEqual([ph])
    await waitFor(`${standby} streams again`, topology, (v) => v.primaries.join() === primary && v.streaming.length === 2)
    expect((await record()).fenced).toEqual([])

    // A fence of a standby that does not hold it: the step has nothing to do.
    const plain = await opOk('fence', CLUSTER, standby)
    expect(plain.op.steps.find((s) => s.id === 'address')?.status).toMatch(/done|skipped/)
    expect(await holders()).toEqual([ph])
    await opOk('rejoin', CLUSTER, standby)
    await waitFor(`${standby} streams again`, topology, (v) => v.streaming.length === 2)
  }, 240_000)

  it('removing the setting: --service-address none from the CLI, null through the contract; it comes off every member', async () => {
    const primaryHost = hostOf((await topology()).primaries[0]!).name
    const tried: string[] = []
    for (const value of ['', 'null']) {
      const r = await t.cli('settings', CLUSTER, '--service-address', value, '--yes')
      tried.push(`"${value}" → exit ${r.code}: ${r.err.split('\n')[0]}`)
      expect(r.code).not.toBe(0)
      expect((await record()).serviceAddress?.address).toBe(vip)
    }
    console.log(`[remove] refused through the CLI: ${tried.join('; ')}`)
    expect(await holders()).toEqual([primaryHost])
    const removed = await t.cli('settings', CLUSTER, '--service-address', 'none', '--yes')
    expect(removed.err).toBe('')
    expect((await record()).serviceAddress).toBeUndefined()
    expect(await holders()).toEqual([])
    expect((await t.cli('settings', CLUSTER, '--service-address', vip, '--yes')).err).toBe('')
    expect(await holders()).toEqual([primaryHost])

    // What the Redundancy panel sends for an emptied field, through a running instance.
    server = await HeadlessServer.start(t.dataDir)
    try {
      const session = await openSession(t.dataDir)
      let reply: Reply
      try {
        reply = await session.call('cluster.settings', { cluster: CLUSTER, serviceAddress: null, yes: true })
      } finally {
        await session.close()
      }
      if (!reply.ok) throw new Error(`cluster.settings with serviceAddress null: ${JSON.stringify(reply.error)}`)
      const id = (reply.value as { operation: { id: string } }).operation.id
      const ops = async () => JSON.parse((await t.cli('operation', 'list', '--cluster', CLUSTER, '--json')).out) as { id: string; status: string; steps: { id: string; status: string }[] }[]
      const done = await waitFor('the removal ends', async () => (await ops()).find((o) => o.id === id), (o) => !!o && /succeeded|failed|interrupted/.test(o.status), 120_000, 500)
      expect(done.value!.status).toBe('succeeded')
      expect(done.value!.steps.find((s) => s.id === 'address')?.status).toBe('done')
      expect((await record()).serviceAddress).toBeUndefined()
      expect(await holders()).toEqual([])
      // listen_addresses is a restart setting: what runs now, and what the configuration files say for the next start.
      const next = await Promise.all(hosts.map((h) => t.psql(h, 5432, "SELECT coalesce((SELECT setting || ' (' || sourcefile || ')' FROM pg_file_settings WHERE name = 'listen_addresses' ORDER BY seqno DESC LIMIT 1), 'default')")))
      console.log(`[remove] through the contract: succeeded in ${done.ms.toFixed(0)} ms; listen_addresses running: ${(await listenAddresses()).join(', ')}; at the next start: ${next.join(', ')}`)
    } finally {
      await server.stop()
      server = undefined
    }
  }, 180_000)
})
