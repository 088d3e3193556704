// MariaDB role changes on the lab (prints numbers; not a test). Run: npx tsx e2e/bench/mariadb-roles.bench.ts
// Uses the running lab if there is one (REPLICADESK_LAB_STATE), otherwise brings one up and takes
// it down after. Three plain members m1..m3 (all semi-sync replicas), built through the engine;
// the write probe (an id every 20 ms into whichever member is writable) runs throughout. Per
// mode (async, semi-sync) and round:
//   switchover  m1 → m2 → m1 by the engine (the operations runner in this process: lease,
//               journal, checks) and the same SQL scripted bare over the same warm SSH
//               connections (no lease, no journal, no reads): the write gap of each (the
//               probe's longest gap between acknowledged writes around it), and the ratio
//   failover    kill -9 of the primary's mariadbd → the first acknowledged write on the new
//               primary: by the engine (readPositions, assessment, failover) and bare (the
//               candidate applies what it received, the others follow it, it is promoted); the
//               killed member is rebuilt afterwards (removed, added again)
// Targets: each ≤ 500 ms. Env: BENCH_ROUNDS (default 3), BENCH_MODES (async,semi).
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { labDown, labUp, statePath } from '../lab'
import { MariaWriteProbe, setupMariaProbe, type MariaProbeAccess } from '../support/mariadb/probe'
import { buildRolesCluster, mariadbdPid, probeMembers, rolesCluster, rolesNow } from '../support/mariadb/roles-cluster'
import { makeReplicaWorld, type ReplicaWorld } from '../support/mariadb/replica-world'
import { assessMariaFailover, assessMariaSwitchover } from '../../electron/core/engines/mariadb/assess'
import { fenceMarker } from '../../electron/core/engines/mariadb/fence'
import type { MariaCluster } from '../../electron/core/engines/mariadb/model'
import { MariaNode } from '../../electron/core/engines/mariadb/node'
import { follow, promote, readRole, receivedGtid } from '../../electron/core/engines/mariadb/roles'
import { lit, runSql, sqlValue } from '../../electron/core/engines/mariadb/sql'
import type { Attempt } from '../probe/types'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const MODES = (process.env.BENCH_MODES ?? 'async,semi').split(',')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length ? (s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2) : NaN
}

/** The longest time between consecutive acknowledged writes that overlaps [from, to]. */
function gapAround(attempts: readonly Attempt[], from: number, to: number): number {
  const acks = attempts.filter((a) => a.outcome === 'acknowledged').map((a) => a.doneAt!).sort((a, b) => a - b)
  let best = 0
  for (let i = 1; i < acks.length; i++) if (acks[i]! >= from && acks[i - 1]! <= to) best = Math.max(best, acks[i]! - acks[i - 1]!)
  return best
}

const node = (w: ReplicaWorld, c: MariaCluster, name: string) => new MariaNode(w.hosts, c.members.find((m) => m.name === name)!)

/** The switchover's SQL, bare: read-only + position, wait, the others follow, promote, the old primary follows. */
async function bareSwitchover(w: ReplicaWorld, c: MariaCluster, from: string, to: string): Promise<void> {
  const F = node(w, c, from)
  const T = node(w, c, to)
  const others = c.members.filter((m) => m.name !== from && m.name !== to).map((m) => node(w, c, m.name))
  const [row] = (await runSql(F, 'SET GLOBAL read_only = ON;\nSELECT @@GLOBAL.gtid_binlog_pos;')).slice(-1)
  let waiting = true
  const diag = process.env.BENCH_DIAG
    ? (async () => {
        const t0 = performance.now()
        while (waiting) {
          const [f, t] = await Promise.all([readRole(F), readRole(T)])
          console.log(`    +${(performance.now() - t0).toFixed(0)} target ${row?.[0]} F bin ${f.facts?.gtidBinlogPos} noTx? T slave ${t.facts?.gtidSlavePos} io ${t.facts?.slaves[0]?.gtidIoPos} ${t.facts?.slaves[0]?.ioRunning}/${t.facts?.slaves[0]?.sqlRunning}`)
          await sleep(150)
        }
      })()
    : undefined
  await sqlValue(T, `SELECT MASTER_GTID_WAIT(${lit(row?.[0] ?? '')}, 60)`)
  waiting = false
  await diag
  await Promise.all(others.map((n) => follow(c, n, T.member)))
  await promote(T)
  await follow(c, F, T.member)
}

/** The failover's SQL, bare, after the primary died: apply what the candidate received, the others follow it, promote. */
async function bareFailover(w: ReplicaWorld, c: MariaCluster, dead: string, to: string): Promise<void> {
  const T = node(w, c, to)
  const others = c.members.filter((m) => m.name !== dead && m.name !== to).map((m) => node(w, c, m.name))
  const t = await readRole(T)
  await sqlValue(T, `SELECT MASTER_GTID_WAIT(${lit(receivedGtid(t) ?? '')}, 60)`)
  await Promise.all(others.map((n) => follow(c, n, T.member)))
  await promote(T)
}

/** The killed member back as a replica: its datadir, fence marker and server removed, then added again. */
async function rebuild(w: ReplicaWorld, c: MariaCluster, name: string): Promise<void> {
  const m = c.members.find((x) => x.name === name)!
  await w.asRoot(m.host, ['sh', '-c', `rm -rf -- ${m.dataDir} ${fenceMarker(m)}`])
  const r = await w.run(w.engine.addReplica({ cluster: c, member: name }))
  if (r.summary.status !== 'succeeded') throw new Error(`rebuild of ${name}: ${r.summary.error?.message}`)
}

async function main() {
  const ownLab = !existsSync(statePath())
  if (ownLab) await labUp({ hosts: 3, log: () => undefined })
  const w = await makeReplicaWorld()
  const rows: string[] = []
  try {
    for (const mode of MODES) {
      const semi = mode === 'semi'
      let c = rolesCluster(w, semi ? 'bs' : 'ba', semi)
      await buildRolesCluster(w, c)
      console.log(`mariadb-roles bench (${mode}): lab ${w.lab.prefix}, ${ROUNDS} rounds; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)
      let access: MariaProbeAccess = await setupMariaProbe({ members: probeMembers(c), primary: 'm1', lab: w.lab })
      let probe = await MariaWriteProbe.start({ members: access.members, password: access.password })
      const sw = { engine: [] as number[], bare: [] as number[], op: [] as number[] }
      await sleep(500)
      for (let i = 0; i < ROUNDS; i++) {
        for (const how of i % 2 ? (['bare', 'engine'] as const) : (['engine', 'bare'] as const)) {
          for (const [from, to] of [['m1', 'm2'], ['m2', 'm1']] as const) {
            if (process.env.BENCH_DIAG) {
              for (const m of c.members) console.log(`  ${m.name}: ${(await runSql(node(w, c, m.name), "SELECT GROUP_CONCAT(VARIABLE_NAME, '=', VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME LIKE 'RPL_SEMI_SYNC%STATUS' OR VARIABLE_NAME LIKE 'RPL_SEMI_SYNC_MASTER_CLIENTS' OR VARIABLE_NAME LIKE 'RPL_SEMI_SYNC_MASTER_NO_TX'")).map((r) => r.join(' ')).join(' ')}`)
            }
            const t0 = performance.now()
            if (how === 'engine') {
              const a = assessMariaSwitchover(c, await w.engine.readPositions(c), to)
              const r = await w.run(w.engine.switchover({ cluster: c, from, to, assessment: a }))
              if (r.summary.status !== 'succeeded') throw new Error(`switchover ${from} → ${to}: ${r.summary.error?.message}`)
              if (process.env.BENCH_DIAG) console.log(`  ${from} → ${to}: ${r.summary.steps.map((x) => `${x.id} ${Date.parse(x.endedAt ?? '') - Date.parse(x.startedAt ?? '')}`).join(', ')}`)
              sw.op.push(r.ms)
            } else await bareSwitchover(w, c, from, to)
            const t1 = performance.now()
            await sleep(400)
            sw[how].push(gapAround(probe.attempts, t0, t1))
          }
        }
      }
      await probe.stop()
      const sr = await probe.analyse('m1')
      rows.push(`${mode} switchover write gap: engine ${sw.engine.map((x) => x.toFixed(0)).join(' ')} (median ${median(sw.engine).toFixed(0)} ms), bare ${sw.bare.map((x) => x.toFixed(0)).join(' ')} (median ${median(sw.bare).toFixed(0)} ms), ratio ${(median(sw.engine) / median(sw.bare)).toFixed(2)}; whole operation median ${median(sw.op).toFixed(0)} ms; probe: lost ${sr.lost.length}, phantom ${sr.phantom.length}, overlaps ${sr.overlaps.length} (target gap ≤ 500 ms)`)
      console.log(rows.at(-1))

      const fo = { engine: [] as number[], bare: [] as number[], op: [] as number[] }
      let primary = 'm1'
      for (let i = 0; i < ROUNDS; i++) {
        for (const how of i % 2 ? (['bare', 'engine'] as const) : (['engine', 'bare'] as const)) {
          await access.teardown(primary).catch(() => undefined)
          access = await setupMariaProbe({ members: probeMembers(c), primary, lab: w.lab })
          probe = await MariaWriteProbe.start({ members: access.members, password: access.password })
          await sleep(400)
          const pid = await mariadbdPid(w, c, primary)
          const before = (await w.engine.readPositions(c)).find((s) => s.member === primary)!.facts!
          process.kill(pid, 'SIGKILL')
          const tKill = performance.now()
          let to: string
          if (how === 'engine') {
            const seen = await w.engine.readPositions(c, 2000)
            const a = assessMariaFailover({ cluster: c, from: primary, seen, lastPrimary: { member: primary, gtid: before.gtidBinlogPos, at: new Date().toISOString(), semiSyncOn: before.semiMasterOn } })
            to = a.to
            const r = await w.run(w.engine.failover({ cluster: c, from: primary, to, assessment: a }))
            if (r.summary.status !== 'succeeded') throw new Error(`failover: ${r.summary.error?.message}`)
            fo.op.push(r.ms)
          } else {
            to = c.members.find((m) => m.name !== primary)!.name
            await bareFailover(w, c, primary, to)
          }
          let first = probe.firstAckAfter(to, tKill)
          for (let k = 0; k < 200 && !first; k++) {
            await sleep(10)
            first = probe.firstAckAfter(to, tKill)
          }
          fo[how].push(first?.ms ?? NaN)
          await probe.stop()
          const fr = await probe.analyse(to)
          if (fr.lost.length && semi) console.log(`  ${how} failover lost ${fr.lost.length} acknowledged writes under semi-sync`)
          await rebuild(w, c, primary)
          primary = to
          c = { ...c, fenced: [] }
        }
      }
      await access.teardown(primary).catch(() => undefined)
      rows.push(`${mode} failover kill -9 → first acknowledged write: engine ${fo.engine.map((x) => x.toFixed(0)).join(' ')} (median ${median(fo.engine).toFixed(0)} ms), bare ${fo.bare.map((x) => x.toFixed(0)).join(' ')} (median ${median(fo.bare).toFixed(0)} ms), ratio ${(median(fo.engine) / median(fo.bare)).toFixed(2)}; engine operation median ${median(fo.op).toFixed(0)} ms (target ≤ 500 ms)`)
      console.log(rows.at(-1))
      console.log(`  roles at the end: ${JSON.stringify((await rolesNow(w, c)).replicating)}`)
    }
    console.log(`\n${rows.join('\n')}`)
  } finally {
    await w.close()
    if (ownLab) await labDown()
  }
}

await main()
