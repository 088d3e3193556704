// Failover from the command line through a running ReplicaDesk (warm connections, live
// status), under the write probe, on a synchronous three-member cluster (ANY 1):
//   cut   the primary's cable → shown down → the plan says zero loss → failover → heal: the
//         old primary is fenced as soon as it is seen, never acknowledges a write as a second
//         primary, and rejoin brings it back as a replica
//   kill  the primary's host → failover → no acknowledged write lost; restart + rejoin
//   split brain (a standby promoted by hand) blocks other operations until fenced
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cut, exec, heal, kill, resetHost, restart, type LabHost } from '../../e2e/lab'
import { HeadlessServer } from '../../e2e/fixtures/server'
import { describeReport, setupProbe, WriteProbe, type ProbeAccess } from '../../e2e/probe'
import { cleanupDataDirs, cliLab, topology as topologyOf, waitFor, type CliLab } from './testing/cli-lab'

let t: CliLab
let hosts: LabHost[]
let server: HeadlessServer
let access: ProbeAccess
const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`
const members = ['f1', 'f2', 'f3']
const hostOf = (m: string) => hosts[members.indexOf(m)]!
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))


const topology = () => topologyOf(hosts, members)

const status = async () => JSON.parse((await t.cli('status', 'ha', '--json')).out) as { primary: string | null; splitBrain: unknown; members: { name: string; state: string; writable: boolean | null }[] }
const record = async () => (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as { id: string; fenced: string[] }[]).find((c) => c.id === 'ha')!

beforeAll(async () => {
  t = await cliLab()
  hosts = t.hosts
  await cleanupDataDirs(hosts, members.map(dirOf))
  expect((await t.cli('cluster', 'create', 'ha', '--member', 'f1', '--host', 'h1', '--pgdata', dirOf('f1'), '--sync')).code).toBe(0)
  for (const m of ['f2', 'f3']) expect((await t.cli('replica', 'add', 'ha', m, '--host', `h${members.indexOf(m) + 1}`, '--pgdata', dirOf(m), '--sync')).err).toBe('')
  access = await setupProbe({ members: members.map((m) => ({ name: m, host: hostOf(m).name, address: hostOf(m).address, port: 5432 })), primary: 'f1' })
  server = await HeadlessServer.start(t.dataDir)
  await waitFor('status through the instance', status, (s) => s.primary === 'f1' && s.members.every((m) => m.state === 'up'))
}, 180_000)

afterAll(async () => {
  await server?.stop()
  await Promise.all(hosts.map((h) => resetHost(h.name)))
  await cleanupDataDirs(hosts, members.map(dirOf))
})

async function underProbe<T>(finalPrimary: () => Promise<string>, body: (probe: WriteProbe) => Promise<T>) {
  const probe = await WriteProbe.start({ members: access.members, password: access.password, writeTimeoutMs: 3000 })
  let result: T
  try {
    result = await body(probe)
  } finally {
    await probe.stop()
  }
  const report = await probe.verify(await finalPrimary())
  expect(report.lost, describeReport(report)).toEqual([])
  expect(report.phantom, describeReport(report)).toEqual([])
  return { result, report, probe }
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
        await heal('host1')
        const fenced = await waitFor('f1 fenced after heal', async () => (await exec('host1', ['sh', '-c', `test -f ${dirOf('f1')}/postmaster.pid && echo running || echo stopped`], { user: 'postgres' })).stdout.trim(), (v) => v === 'stopped', 20_000)
        console.log(`[cut] f1 stopped by the fence watcher ${fenced.ms.toFixed(0)} ms after heal`)
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
  it(`kill of the primary's host, ${rounds} time(s): failover loses no acknowledged write; the old primary rejoins`, async () => {
    const timings: string[] = []
    for (let i = 0; i < rounds; i++) {
      const old = (await topology()).primaries[0]!
      let tKill = 0
      let newPrimary = ''
      const { report, probe } = await underProbe(
        async () => newPrimary,
        async (live) => {
          await sleep(300)
          tKill = performance.now()
          await kill(hostOf(old).name)
          await waitFor(`${old} shown down`, status, (s) => s.members.find((m) => m.name === old)!.state === 'down', 5000)
          const ran = await t.cli('failover', 'ha', '--yes', '--json')
          expect(ran.err).toBe('')
          const op = JSON.parse(ran.out)
          expect(op.status).toBe('succeeded')
          expect(op.params.assessment.loss.kind).toBe('none')
          newPrimary = op.params.to
          await waitFor('the new primary acknowledges', async () => live.firstAckAfter(newPrimary, tKill), (v) => v !== undefined)
          await sleep(300)
        },
      )
      expect(report.overlaps, describeReport(report)).toEqual([])
      const first = probe.firstAckAfter(newPrimary, tKill)!
      timings.push(`${old}→${newPrimary} first write ${first.ms.toFixed(0)} ms after the kill`)
      await restart(hostOf(old).name)
      const rejoined = await t.cli('rejoin', 'ha', old, '--yes')
      expect(rejoined.err).toBe('')
      const top = await waitFor('all stream again', topology, (v) => v.streaming.length === 2)
      expect(top.value.primaries).toEqual([newPrimary])
      expect((await record()).fenced).toEqual([])
    }
    console.log(`[kill] ${timings.join('; ')}`)
  }, 600_000)

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
