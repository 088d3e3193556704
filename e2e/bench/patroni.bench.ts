// Patroni benchmark on the lab (issue 19; prints numbers, not a test). Run: npx tsx e2e/bench/patroni.bench.ts
// Uses the running lab if there is one (REPLICADESK_LAB_STATE), otherwise brings one up and takes
// it down after; holds the lab's hosts lock throughout. The 3-member synchronous cluster of the
// Patroni lab tests is handed over to Patroni + etcd, then under the write probe, unattended:
// power-off of the leader's host → first write acknowledged by the new leader, BENCH_ROUNDS
// rounds (default 5) with ReplicaDesk's timings (config.ts) and as many with Patroni's own
// (ttl 30, loop_wait 10, retry_timeout 10, set through PATCH /config); each round says whether
// the dead host also led etcd (its lease renewal then waits for a new etcd leader) and how many
// acknowledged writes were lost (0 expected). Between rounds the host powers on and its member
// comes back by itself (or is said not to, and started by hand). Then, for scale, in the same
// run, ReplicaDesk's own one-click failover after a power-off (status notices, then the click),
// measured by failover.bench.ts
// (BENCH_MODES=sync BENCH_FAULTS=power-off BENCH_METHODS=session; BENCH_ONE_CLICK=0 skips it;
// it reuses out/ when built: BENCH_NO_BUILD=0 rebuilds it).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { powerOff, powerOn, resetHost } from '../lab'
import { lockLabHosts } from '../fixtures/labLock'
import { buildHaCluster, HA_HOSTS, startProbe } from '../support/postgres/ha-cluster'
import { cleanPatroni, copyUnitLogs, patroniCluster, patroniRunner, patroniWorld } from '../support/patroni/lab'
import { describeReport } from '../probe'
import type { PgCluster } from '../../electron/core/engines/postgres/model'
import { automaticOf, patroniUnit, TIMINGS, votersOf } from '../../electron/core/engines/postgres/patroni/config'
import { expectedFailover, PATRONI_DEFAULT_TIMINGS, type PatroniTimings } from '../../electron/core/engines/postgres/patroni/failover-time'
import { etcdctlArgv, parseEtcdLeader, readPatroniStatus, restCall, type PatroniStatus } from '../../electron/core/engines/postgres/patroni/status'
import { wait } from '../../electron/core/engines/postgres/patroni/wait'
import { ensureLab, envNumber, load, median, sleep } from './roles-common'

const ROUNDS = envNumber('BENCH_ROUNDS', 5)
const CONFIGS: [string, PatroniTimings][] = [
  ['ReplicaDesk defaults', TIMINGS],
  ['Patroni defaults', PATRONI_DEFAULT_TIMINGS],
]

interface Round {
  from: string
  to: string
  /** power-off → first write acknowledged by the new leader, ms. */
  firstAck: number
  etcdLeaderDied: boolean
  acknowledged: number
  lost: number
  problems: string
}

type World = Awaited<ReturnType<typeof patroniWorld>>

async function main() {
  const labDone = await ensureLab()
  const unlock = await lockLabHosts('Patroni bench (power-off rounds)', 900_000)
  const results = new Map<string, Round[]>()
  let oneClick: number[] = []
  console.log(`Patroni bench: ${ROUNDS} power-off rounds per timing set; load avg ${load()}`)
  try {
    const w = await patroniWorld()
    const c = patroniCluster(w)
    const pr = await patroniRunner(w)
    try {
      await cleanPatroni(w, c)
      await buildHaCluster(w, c)
      const handed = await pr.run(pr.kinds.handoverOf(c))
      if (handed.summary.error) throw new Error(`hand-over failed: ${handed.summary.error.message}`)
      console.log(`cluster ${c.id} handed over in ${(handed.ms / 1000).toFixed(1)} s (synchronous, ${c.members.map((m) => `${m.name}@${m.host}`).join(', ')})`)
      for (const [label, t] of CONFIGS) {
        await applyTimings(w, c, t).catch(async (err: Error) => console.log(`[${label}] could not apply the timings: ${err.message}${await diagnose(w, c)}`))
        const e = expectedFailover(t)
        console.log(`\n[${label}] ttl ${t.ttl}, loop_wait ${t.loop_wait}, retry_timeout ${t.retry_timeout}: expected ${e.fromS}–${e.toS} s (typical ${e.typicalS} s) (load avg ${load()})`)
        const rs: Round[] = []
        results.set(label, rs)
        for (let i = 1; i <= ROUNDS; i++) {
          const r = await round(w, c, t).catch(async (err: Error) => {
            console.log(`  round ${i}: stopped: ${err.message}${await diagnose(w, c)}`)
            return undefined
          })
          if (!r) break // the cluster is not back: the next timing set starts from whatever settles
          rs.push(r)
          console.log(`  round ${i}: power-off of ${r.from}'s host${r.etcdLeaderDied ? ' (it led etcd)' : ''} → first ack on ${r.to} after ${(r.firstAck / 1000).toFixed(1)} s; ${r.acknowledged} acknowledged, ${r.lost} lost${r.problems ? `  PROBLEM: ${r.problems}` : ''}`)
        }
      }
    } finally {
      await Promise.all(HA_HOSTS.map((h) => resetHost(h).catch(() => undefined)))
      await cleanPatroni(w, c).catch(() => undefined)
      await w.close()
      await pr.close()
    }
    if (process.env.BENCH_ONE_CLICK !== '0') oneClick = runOneClick()
  } finally {
    unlock()
    await labDone()
  }
  report(results, oneClick)
}

/** PATCH /config with the timings, then long enough for every member to take a lease with the new ttl. */
async function applyTimings(w: World, c: PgCluster, t: PatroniTimings) {
  const s = await settled(w, c)
  const r = await restCall(w.hosts, c, s.leader!, 'PATCH', '/config', t)
  if (r.status !== 200) throw new Error(`PATCH /config answered ${r.status}: ${r.body}`)
  await sleep(2 * Math.max(t.loop_wait, TIMINGS.loop_wait, PATRONI_DEFAULT_TIMINGS.loop_wait) * 1000 + 2000)
}

/**
 * Three running members, a synchronous standby, a leader: the cluster back to normal. A member
 * whose Patroni did not start again (the hand-over's drop-in restarts it on failure, e.g. when its
 * etcd did not answer yet) is started by hand after 90 s, and that is printed.
 */
async function settled(w: World, c: PgCluster): Promise<PatroniStatus> {
  const normal = (limitMs: number) =>
    wait(limitMs, async () => {
      const x = await readPatroniStatus(w.hosts, c, { timeoutS: 2 })
      return x.leader && x.members.length === c.members.length && x.members.every((m) => m.state === 'running') && x.members.some((m) => m.role === 'sync_standby') ? x : undefined
    }, 500)
  const s = await normal(90_000)
  if (s) return s
  for (const m of c.members) {
    if ((await w.tryRoot(m.host, ['systemctl', 'is-active', patroniUnit(c, m)])).code === 0) continue
    console.log(`    ${m.name} did NOT come back by itself: its Patroni did not start again (the hand-over's drop-in restarts it on failure: look at its unit log): started by hand`)
    await w.asRoot(m.host, ['systemctl', 'start', patroniUnit(c, m)])
  }
  const again = await normal(120_000)
  if (!again) throw new Error('the cluster did not settle (three running members, a synchronous standby) within 210 s')
  return again
}

/** What Patroni says of each member, and where the unit logs were copied (for a round that did not end). */
async function diagnose(w: World, c: PgCluster): Promise<string> {
  const dir = join(tmpdir(), `replicadesk-patroni-bench-${process.pid}`)
  await copyUnitLogs(w, c, dir).catch(() => undefined)
  const s = await readPatroniStatus(w.hosts, c, { timeoutS: 2 }).catch((e: Error) => e.message)
  return `\n    Patroni: ${typeof s === 'string' ? s : s.members.map((m) => `${m.name} ${m.role} ${m.state}`).join(', ')}; unit logs in ${dir}`
}

/** The voter (host name) that leads etcd now, asked on `fromHost`. */
async function etcdLeader(w: World, c: PgCluster, fromHost: string): Promise<string | null> {
  const r = await w.hosts.exec(fromHost, etcdctlArgv(c, 2, 'endpoint', 'status', '-w', 'json'), { sudo: 'postgres', timeoutMs: 15_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) })
  return parseEtcdLeader(r.stdout, votersOf(c, automaticOf(c)))
}

async function round(w: World, c: PgCluster, t: PatroniTimings): Promise<Round> {
  const s = await settled(w, c)
  const from = s.leader!
  const host = c.members.find((m) => m.name === from)!.host
  const other = c.members.find((m) => m.host !== host)!.host
  const ledEtcd = (await etcdLeader(w, c, other)) === host
  const probe = await startProbe(c, from)
  let to = ''
  let firstAck = NaN
  let powered = false
  try {
    await sleep(1000)
    const t0 = performance.now()
    await powerOff(host)
    powered = true
    const survivors = w.engine.parseCluster({ ...c, members: c.members.filter((m) => m.name !== from) })
    const limit = (t.ttl + 30) * 1000
    to = (await wait(limit, async () => {
      const x = await readPatroniStatus(w.hosts, survivors, { timeoutS: 2 })
      return x.leader && x.leader !== from ? x.leader : undefined
    }, 200)) ?? ''
    if (!to) throw new Error(`no new leader within ${limit / 1000} s of the power-off`)
    firstAck = (await wait(30_000, async () => probe.probe.firstAckAfter(to, t0), 50))?.ms ?? NaN
    await sleep(1000)
    await probe.probe.stop({ drainMs: 3500 })
    const rep = await probe.probe.verify(to)
    const problems = rep.lost.length || rep.phantom.length || rep.overlaps.length || rep.splits.length ? describeReport(rep).replace(/\n/g, '; ') : ''
    return { from, to, firstAck, etcdLeaderDied: ledEtcd, acknowledged: rep.acknowledged, lost: rep.lost.length, problems }
  } finally {
    await probe.teardown().catch(() => undefined) // the dead host's access line stays until cleanup
    if (powered) await powerOn(host) // its enabled units start: the member comes back by itself
  }
}

/** ReplicaDesk's one-click failover after a power-off, from failover.bench.ts in a child process: ms per round. */
function runOneClick(): number[] {
  const root = join(import.meta.dirname, '..', '..')
  const env = { ...process.env, BENCH_MODES: 'sync', BENCH_FAULTS: 'power-off', BENCH_METHODS: 'session', BENCH_ROUNDS: String(ROUNDS), BENCH_NO_BUILD: process.env.BENCH_NO_BUILD ?? (existsSync(join(root, 'out')) ? '1' : '0') }
  console.log(`\n[ReplicaDesk one-click] failover.bench.ts, sync, power-off, warm session, ${ROUNDS} rounds (load avg ${load()})`)
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'e2e', 'bench', 'failover.bench.ts')], { cwd: root, env, encoding: 'utf8', timeout: 1_800_000, maxBuffer: 64 * 1024 * 1024 })
  const lines = `${r.stdout}\n${r.stderr}`.split('\n')
  const rounds = lines.filter((l) => /\[power-off\] round \d+ session/.test(l))
  for (const l of rounds) console.log(l)
  for (const l of lines.filter((x) => /PROBLEM|Targets|No acknowledged write lost|stopped by an error/.test(x))) console.log(`  ${l.trim()}`)
  if (r.status !== 0 || !rounds.length) console.log(`  failover.bench.ts exited ${r.status}: ${lines.slice(-15).join('\n  ')}`)
  return rounds.map((l) => Number(/first ack (\d+) ms/.exec(l)?.[1])).filter(Number.isFinite)
}

function report(results: Map<string, Round[]>, oneClick: number[]) {
  const s1 = (ms: number) => (ms / 1000).toFixed(1)
  console.log('\nPower-off of the leader → first acknowledged write on the new leader (unattended), synchronous mode')
  const medians = new Map<string, number>()
  for (const [label, rs] of results) {
    const xs = rs.map((r) => r.firstAck).filter(Number.isFinite)
    medians.set(label, median(xs))
    const lost = rs.map((r) => r.lost)
    console.log(`  ${label.padEnd(22)} median ${s1(median(xs))} s (min ${s1(Math.min(...xs))}, max ${s1(Math.max(...xs))}; n ${xs.length}); lost per round: ${lost.join(', ')}; rounds where the dead host led etcd: ${rs.filter((r) => r.etcdLeaderDied).length}`)
  }
  if (oneClick.length) console.log(`  ${'ReplicaDesk one-click'.padEnd(22)} median ${s1(median(oneClick))} s (min ${s1(Math.min(...oneClick))}, max ${s1(Math.max(...oneClick))}; n ${oneClick.length}; status notices, then the click: no human in it)`)
  const rd = medians.get(CONFIGS[0]![0])
  const pd = medians.get(CONFIGS[1]![0])
  if (rd !== undefined && pd !== undefined) console.log(`  ratio Patroni defaults / ReplicaDesk defaults: ${(pd / rd).toFixed(2)}×`)
  if (rd !== undefined && oneClick.length) console.log(`  ratio ReplicaDesk defaults (unattended) / one-click: ${(rd / median(oneClick)).toFixed(1)}×`)
  if (rd !== undefined) console.log(`  target ≤ 12 s with ReplicaDesk's defaults: ${rd <= 12_000 ? 'met' : 'NOT met'} (median)`)
  const problems = [...results.values()].flat().filter((r) => r.problems)
  console.log(problems.length ? `PROBLEMS:\n${problems.map((r) => `  ${r.from} → ${r.to}: ${r.problems}`).join('\n')}` : 'Zero acknowledged writes lost, nothing phantom, never two writable members, in every Patroni round.')
  console.log(`load avg at the end ${load()} (2 cores shared with other work: noisy)`)
}

await main()
process.exit(0)
