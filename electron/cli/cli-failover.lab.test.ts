// Failover from the command line through a running ReplicaDesk (warm connections, live
// status), under the write probe, on a synchronous three-member cluster (ANY 1):
//   cut   the primary's cable → shown down → the plan says zero loss → failover → heal: the
//         old primary is fenced as soon as it is seen, never acknowledges a write as a second
//         primary, and rejoin brings it back as a replica
//   postmaster-kill, host-kill, power-off (e2e/probe/faults.ts), one test each: the fault on
//         the primary → failover (power-off: once status shows it down, detection included)
//         → no acknowledged write lost, never two members acknowledging at once, nothing
//         acknowledged by the old primary after the fault; the old primary, fenced and then
//         started by hand as a standby, is never a candidate (the plan excludes it with the
//         core's reason, --to it is refused); rejoin brings it back
//   split brain (a standby promoted by hand) blocks other operations until fenced
// The cluster has a service address (issue 18): a second write probe connects only to it, like
// an app; after every failover it writes again through the address, and its first write is
// reported beside the per-host probe's. A healed cut primary gives the address up (measured).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cut, exec, execOk, heal, resetHost, type LabHost } from '../../e2e/lab'
import { SUDOERS_FILE, sudoersLine } from '../core/address'
import { HeadlessServer } from '../../e2e/fixtures/server'
import { arm, describeReport, FAULT_KINDS, setupProbe, WriteProbe, type FaultKind, type ProbeAccess } from '../../e2e/probe'
import { cleanupDataDirs, cliLab, topology as topologyOf, waitFor, type CliLab } from '../../e2e/support/cli/cli-lab'

let t: CliLab
let hosts: LabHost[]
let server: HeadlessServer
let access: ProbeAccess
/** The cluster's service address (the lab subnet's .200). */
let vip = ''
/** Lab hosts whose interfaces carry the service address now. */
const holders = async () => (await Promise.all(hosts.map(async (h) => ((await exec(h.name, ['ip', '-o', '-4', 'addr', 'show']).catch(() => ({ stdout: '' }))).stdout.includes(` ${vip}/`) ? h.name : null)))).filter(Boolean) // a killed host: nothing to ask
const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`
const members = ['f1', 'f2', 'f3']
const hostOf = (m: string) => hosts[members.indexOf(m)]!
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** A user's hand start as a standby: standby.signal (the fence wrote it where the host answered), pg_ctl. */
const HAND_START = ': > "$1/standby.signal"; exec /usr/lib/postgresql/15/bin/pg_ctl -D "$1" -l "$2" -w start'
const writableOn = async (m: string) => (await exec(hostOf(m).name, ['psql', '-X', '-At', '-h', '/var/run/postgresql', '-d', 'postgres', '-c', 'SELECT NOT pg_is_in_recovery() AND NOT current_setting($$transaction_read_only$$)::bool'], { user: 'postgres', timeoutMs: 5000 })).stdout.trim()
const syncNamesOn = async (m: string) => (await exec(hostOf(m).name, ['psql', '-X', '-At', '-h', '/var/run/postgresql', '-d', 'postgres', '-c', 'SHOW synchronous_standby_names'], { user: 'postgres', timeoutMs: 5000 })).stdout.trim()
const inRecovery = async (m: string) => (await exec(hostOf(m).name, ['psql', '-X', '-At', '-h', '/var/run/postgresql', '-d', 'postgres', '-c', 'SELECT pg_is_in_recovery()'], { user: 'postgres', timeoutMs: 5000 })).stdout.trim()


const topology = () => topologyOf(hosts, members)

const status = async () => JSON.parse((await t.cli('status', 'ha', '--json')).out) as { primary: string | null; lastPrimary?: { member: string } | null; splitBrain: unknown; members: { name: string; state: string; writable: boolean | null }[] }
const record = async () => (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as { id: string; fenced: string[] }[]).find((c) => c.id === 'ha')!

beforeAll(async () => {
  t = await cliLab()
  hosts = t.hosts
  await cleanupDataDirs(hosts, members.map(dirOf))
  expect((await t.cli('cluster', 'create', 'ha', '--member', 'f1', '--host', 'h1', '--pgdata', dirOf('f1'), '--sync')).code).toBe(0)
  for (const m of ['f2', 'f3']) expect((await t.cli('replica', 'add', 'ha', m, '--host', `h${members.indexOf(m) + 1}`, '--pgdata', dirOf(m), '--sync')).err).toBe('')
  // The narrow rule the service address's pre-flight asks for (ip addr add/del, arping), on each host.
  for (const h of hosts) await execOk(h.name, ['sh', '-c', 'printf "%s\n" "$1" > "$2" && chmod 440 "$2"', 'sh', sudoersLine('postgres'), SUDOERS_FILE])
  vip = hosts[0]!.address.replace(/\.\d+$/, '.200')
  const set = await t.cli('settings', 'ha', '--service-address', vip, '--yes')
  expect(set.err).toBe('')
  // The primary listens on '*' after a restart: a switchover there and back restarts it as a standby.
  for (const to of ['f2', 'f1']) expect((await t.cli('switchover', 'ha', '--to', to, '--yes')).err).toBe('')
  expect(await holders()).toEqual(['host1'])
  access = await setupProbe({ members: members.map((m) => ({ name: m, host: hostOf(m).name, address: hostOf(m).address, port: 5432 })), primary: 'f1' })
  server = await HeadlessServer.start(t.dataDir)
  await waitFor('status through the instance', status, (s) => s.primary === 'f1' && s.members.every((m) => m.state === 'up'))
}, 180_000)

afterAll(async () => {
  await server?.stop()
  await Promise.all(hosts.map((h) => resetHost(h.name)))
  await cleanupDataDirs(hosts, members.map(dirOf))
})

/** The per-host probe, and beside it one that knows only the service address (as an app does). */
async function underProbe<T>(finalPrimary: () => Promise<string>, body: (probe: WriteProbe, app: WriteProbe) => Promise<T>) {
  const probe = await WriteProbe.start({ members: access.members, password: access.password, writeTimeoutMs: 3000 })
  const app = await WriteProbe.start({ members: [{ name: 'vip', address: vip, port: 5432 }], password: access.password, writeTimeoutMs: 3000 })
  let result: T
  try {
    result = await body(probe, app)
  } finally {
    await Promise.all([probe.stop(), app.stop()])
  }
  const report = await probe.verify(await finalPrimary())
  expect(report.lost, describeReport(report)).toEqual([])
  expect(report.phantom, describeReport(report)).toEqual([])
  // Through the address: every write it acknowledged is on the primary it leads to now.
  const appReport = await app.verify('vip')
  expect(appReport.lost, `through ${vip}: ${describeReport(appReport)}`).toEqual([])
  return { result, report, probe, app, appReport }
}

describe('replicadesk failover against the lab, through a running instance', () => {
  it('cut of the primary: zero expected loss, failover, then heal: fenced at once, rejoined as a replica', async () => {
    let tFailover = 0
    const { report, probe } = await underProbe(
      async () => (await topology()).primaries[0]!,
      async (live) => {
        await sleep(300)
        await cut('host1')
        const down = await waitFor('f1 shown down', status, (s) => s.members.find((m) => m.name === 'f1')!.state === 'down', 10_000)
        console.log(`[cut] f1 shown down ${down.ms.toFixed(0)} ms after the cut`)
        const plan = JSON.parse((await t.cli('failover', 'ha', '--dry-run', '--json')).out)
        expect(plan.plan.assessment).toMatchObject({ from: 'f1', loss: { kind: 'none', bytes: 0 } })
        tFailover = performance.now()
        const ran = await t.cli('failover', 'ha', '--yes', '--json')
        expect(ran.err).toBe('')
        const op = JSON.parse(ran.out)
        expect(op.status).toBe('succeeded')
        expect((await record()).fenced).toEqual(['f1'])
        const newPrimary = (op.params as { to: string }).to
        await waitFor('the new primary acknowledges', async () => live.firstAckAfter(newPrimary, tFailover), (v) => v !== undefined)
        // The old primary comes back on the network still running as a primary: fenced at once.
        // Both watched at once from the heal: when the address left host1, and when f1's server stopped.
        await heal('host1')
        const [gaveUp, fenced] = await Promise.all([
          waitFor(`${vip} off host1 after heal`, holders, (h) => !h.includes('host1'), 20_000, 20),
          waitFor('f1 fenced after heal', async () => (await exec('host1', ['sh', '-c', `test -f ${dirOf('f1')}/postmaster.pid && echo running || echo stopped`], { user: 'postgres' })).stdout.trim(), (v) => v === 'stopped', 20_000, 20),
        ])
        console.log(`[cut] host1 held ${vip} beside the new primary for ${gaveUp.ms.toFixed(0)} ms after heal (status period 1000 ms); f1 stopped by the fence watcher ${fenced.ms.toFixed(0)} ms after heal`)
        // About 0.6 s here (the machine's ARP re-probe of host1, the reconnect, one sample, the
        // fence); one more status tick than needed (an event announced before its snapshot) made it 1.5 s.
        expect(gaveUp.ms).toBeLessThan(2500)
        expect(await holders()).toEqual([hostOf(newPrimary).name])
        await sleep(300)
      },
    )
    // Never a write acknowledged by the old primary after the failover started.
    const lateAcks = probe.attempts.filter((a) => a.member === 'f1' && a.outcome === 'acknowledged' && (a.doneAt ?? 0) > tFailover)
    expect(lateAcks, describeReport(report)).toEqual([])
    console.log(`[cut] ${describeReport(report)}`)

    const rejoined = await t.cli('rejoin', 'ha', 'f1', '--yes')
    expect(rejoined.err).toBe('')
    expect(rejoined.code).toBe(0)
    const top = await waitFor('f1 streams again', topology, (v) => v.streaming.length === 2)
    expect(top.value.primaries).toHaveLength(1)
    expect((await record()).fenced).toEqual([])
  }, 240_000)

  const rounds = process.env.SOAK ? Number(process.env.ROLE_ROUNDS ?? 5) : 1
  /** Slack over the issue's targets for a shared 2-core machine; the figures are printed. */
  const POWER_OFF_LIMIT_MS = 2500 * 2
  for (const fault of FAULT_KINDS) {
    it(`${fault} of the primary, ${rounds} time(s): no acknowledged write lost; the fenced old primary, started by hand as a standby, is never promoted; it rejoins`, async () => {
      const timings: string[] = []
      for (let i = 0; i < rounds; i++) timings.push(await faultRound(fault))
      console.log(`[${fault}] ${timings.join('; ')}`)
    }, 600_000)
  }

  /** One round: the fault, the failover under the probe, the fenced member started by hand and refused, the rejoin. */
  async function faultRound(fault: FaultKind): Promise<string> {
    const old = (await topology()).primaries[0]!
    const armed = await arm(fault, hostOf(old).name, dirOf(old))
    let t0 = 0
    let shown = NaN
    let newPrimary = ''
    let recovered = false
    try {
      return await round()
    } finally {
      if (!recovered) await armed.recover().catch(() => undefined)
    }

    async function round(): Promise<string> {
      const { report, probe, appReport } = await underProbe(
        async () => newPrimary,
        async (live, app) => {
          await sleep(300)
          t0 = performance.now()
          await armed.inject()
            // power-off: nobody tells the instance, its status (every 1 s) has to see it; otherwise
          // the failover is asked for at once (the survivors are read, the fence tries the old one).
          if (fault === 'power-off') shown = (await waitFor(`${old} shown down`, status, (s) => s.members.find((m) => m.name === old)!.state === 'down', 10_000, 20)).ms
          const ran = await t.cli('failover', 'ha', '--yes', '--json')
          expect(ran.err).toBe('')
          const op = JSON.parse(ran.out)
          expect(op.status, ran.out).toBe('succeeded')
          expect(op.params.assessment.loss.kind).toBe('none')
          newPrimary = op.params.to
          await waitFor('the new primary acknowledges', async () => live.firstAckAfter(newPrimary, t0), (v) => v !== undefined)
          await waitFor(`a write through ${vip} after the promotion`, async () => app.firstAckAfter('vip', t0 + live.firstAckAfter(newPrimary, t0)!.ms), (v) => v !== undefined, 15_000)
          await sleep(300)
        },
      )
      // A dead host keeps its interfaces' configuration (in the lab as on a box that hangs): the others never hold it.
      expect((await holders()).filter((h) => h !== hostOf(old).name)).toEqual([hostOf(newPrimary).name])
      expect(report.overlaps, describeReport(report)).toEqual([])
      // Never a write acknowledged by the old primary once the new one acknowledged one. (Commits
      // in flight at the fault may finish for a few ms, e.g. on a killed postmaster's orphaned
      // backends: acknowledged, they must be on the new primary, which `lost` checks.)
      const first = probe.firstAckAfter(newPrimary, t0)!.ms
      const late = probe.attempts.filter((a) => a.member === old && a.outcome === 'acknowledged' && (a.doneAt ?? 0) > t0 + first)
      expect(late, describeReport(report)).toEqual([])
      if (fault === 'power-off') expect(first, `power-off → first acknowledged write on ${newPrimary}`).toBeLessThan(POWER_OFF_LIMIT_MS)
      expect((await record()).fenced).toEqual([old])

      // The host back; the user starts the fenced old primary by hand, as a standby. A host that
      // boots may start its PostgreSQL as it was, a primary: the fence watcher stops it first.
      await armed.recover()
      recovered = true
      await sleep(1500)
      await waitFor(`${old} not writable (fenced if it came back as a primary)`, () => writableOn(old), (v) => v !== 't', 20_000)
      const gaveUp = await waitFor(`${vip} off ${hostOf(old).name} once it is back`, holders, (h) => !h.includes(hostOf(old).name), 20_000)
      console.log(`[${fault}] ${hostOf(old).name} gave ${vip} up ${gaveUp.ms.toFixed(0)} ms after it was seen back`)
      await exec(hostOf(old).name, ['sh', '-c', HAND_START, 'sh', dirOf(old), `/var/log/postgresql/replicadesk-${old}.log`], { user: 'postgres' })
      await waitFor(`${old} runs in recovery`, () => inRecovery(old), (v) => v === 't', 20_000)
      // Streaming by hand, it must never confirm a commit: the new primary does not name it.
      expect(await syncNamesOn(newPrimary)).not.toContain(`"${old}"`)
      // The plan names the primary of this moment as the one a failover replaces: once status knows it.
      await waitFor(`status knows ${newPrimary} as the primary`, status, (s) => s.primary === newPrimary && (!s.lastPrimary || s.lastPrimary.member === newPrimary), 20_000)
      const planned = await t.cli('failover', 'ha', '--dry-run', '--json')
      const plan = JSON.parse(planned.out) as { plan?: { assessment: { to: string; candidates: { name: string; excluded?: string }[] } } }
      if (!plan.plan) throw new Error(`failover --dry-run gave no plan: ${planned.out} ${planned.err}`)
      expect(plan.plan.assessment.to).not.toBe(old)
      expect(plan.plan.assessment.candidates.find((c) => c.name === old)?.excluded).toMatch(/^fenced: .*rejoin it first$/)
      const refused = await t.cli('failover', 'ha', '--yes', '--to', old)
      expect(refused.code).toBe(1)
      expect(refused.err).toMatch(new RegExp(`${old} cannot be promoted: fenced: .*rejoin it first`))
      expect((await topology()).primaries).toEqual([newPrimary])

      const rejoined = await t.cli('rejoin', 'ha', old, '--yes')
      expect(rejoined.err).toBe('')
      const top = await waitFor('all stream again', topology, (v) => v.streaming.length === 2)
      expect(top.value.primaries).toEqual([newPrimary])
      expect((await record()).fenced).toEqual([])
      await waitFor(`${newPrimary} names ${old} as synchronous again`, () => syncNamesOn(newPrimary), (v) => v.includes(`"${old}"`), 10_000)
      return `${old}→${newPrimary} first write ${first.toFixed(0)} ms after the ${fault} ; longest write gap ${report.longestGap?.ms.toFixed(0)} ms per host, ${appReport.longestGap?.ms.toFixed(0)} ms through the service address${Number.isFinite(shown) ? ` (shown down at ${shown.toFixed(0)} ms)` : ''}; ${report.splits.length} split ticks seen by the probe's watcher`
    }
  }

  it('a standby promoted by hand is a split brain: other operations are refused until it is fenced', async () => {
    const primary = (await topology()).primaries[0]!
    const rogue = members.find((m) => m !== primary)!
    await exec(hostOf(rogue).name, ['/usr/lib/postgresql/15/bin/pg_ctl', '-D', dirOf(rogue), 'promote', '-w'], { user: 'postgres' })
    await waitFor('split brain shown', status, (s) => s.splitBrain !== null, 10_000)
    const refused = await t.cli('switchover', 'ha', '--yes')
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/Split brain in cluster ha: .* both accept writes\. Fence/)
    const fenced = await t.cli('fence', 'ha', rogue, '--yes')
    expect(fenced.err).toBe('')
    expect((await record()).fenced).toEqual([rogue])
    await waitFor('split brain over', status, (s) => s.splitBrain === null, 10_000)
    expect((await topology()).primaries).toEqual([primary])
    const rejoined = await t.cli('rejoin', 'ha', rogue, '--yes')
    expect(rejoined.err).toBe('')
    await waitFor('all stream again', topology, (v) => v.streaming.length === 2)
    expect((await record()).fenced).toEqual([])
  }, 240_000)
})
