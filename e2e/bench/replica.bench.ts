// Adding a PostgreSQL replica: ReplicaDesk's engine (the whole journaled operation: lease,
// pre-flight, access, slot, pg_basebackup with progress, start, wait until streaming, slots,
// synchronous settings) versus a bare script doing pg_basebackup, start and wait-until-streaming
// on the same data. The engine is timed until the operation is reported succeeded, and until
// runOperation returns (after the cluster lease is released on the members); the bare script
// from its first command until the primary shows it streaming. Both over the same warm SSH
// connections. Prints numbers; not a test. Run: npx tsx e2e/bench/replica.bench.ts
// Uses the running lab if there is one, otherwise brings one up and takes it down after.
// Env: BENCH_ROUNDS (default 5 of each, alternating), BENCH_SCALE (pgbench scale, default 15).
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { labDown, labUp, statePath } from '../lab'
import { confLine, conninfo } from '../../electron/core/engines/postgres/conf'
import { cleanupMembers, makeWorld, type World } from '../support/postgres/lab-world'
import type { PgClusterInput, PgMemberInput } from '../../electron/core/engines/postgres/model'
import type { OperationSummary } from '../../shared/operations'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SCALE = Number(process.env.BENCH_SCALE ?? 15)
const PG = '/usr/lib/postgresql/15/bin'
const PORT = 5432

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`

async function main() {
  const ownLab = !existsSync(statePath())
  if (ownLab) await labUp({ hosts: 3, log: () => undefined })
  const w = await makeWorld({ host1: 'postgres', host2: 'postgres', host3: 'postgres' })
  const member = (name: string, host: string, extra: Partial<PgMemberInput> = {}): PgMemberInput => ({ name, host, address: w.host(host).address, port: PORT, dataDir: `/var/lib/postgresql/rdbench/${name}`, layout: 'plain', access: 'postgres', ...extra })
  const db1 = member('db1', 'host1')
  const db2 = member('db2', 'host2')
  const cluster = (members: PgMemberInput[]): PgClusterInput => ({ id: 'bench', major: '15', members })
  const all = w.engine.parseCluster(cluster([db1, db2])).members
  try {
    await cleanupMembers(w, all)
    const created = await w.run(w.engine.createCluster({ cluster: w.engine.parseCluster(cluster([db1])), primary: 'db1', mode: 'init' }))
    if (created.summary.status !== 'succeeded') throw new Error(`create failed: ${created.summary.error?.message}`)
    await w.asRoot('host1', [`${PG}/pgbench`, '-i', '-q', '-s', String(SCALE), '-h', '/var/run/postgresql', '-p', String(PORT), 'postgres'], 'postgres')
    await w.psql('host1', PORT, 'CHECKPOINT')
    const size = await w.psql('host1', PORT, "SELECT pg_size_pretty(sum(pg_database_size(oid))) FROM pg_database")
    console.log(`replica bench: lab ${w.lab.prefix}, primary db1 on host1 with ${size} (pgbench -s ${SCALE}), replica on host2, ${ROUNDS} rounds each, alternating`)

    const engine: number[] = []
    const engineReturned: number[] = []
    const bare: number[] = []
    const stepTimes: Record<string, number[]> = {}
    let progressGaps: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of round % 2 ? (['bare', 'engine'] as const) : (['engine', 'bare'] as const)) {
        if (which === 'engine') {
          const { ms, reportedMs, summary, gaps } = await engineAdd(w, cluster([db1, db2]))
          engine.push(reportedMs)
          engineReturned.push(ms)
          progressGaps = progressGaps.concat(gaps)
          for (const s of summary.steps) (stepTimes[s.id] ??= []).push(Date.parse(s.endedAt!) - Date.parse(s.startedAt!))
          // Back to a cluster of one, access included: the next engine add does everything again.
          const removed = await w.run(w.engine.removeReplica({ cluster: w.engine.parseCluster(cluster([db1, db2])), member: 'db2', deleteData: true }))
          if (removed.summary.status !== 'succeeded') throw new Error(`remove failed: ${removed.summary.error?.message}`)
        } else {
          // The bare script needs replication access; it gets it untimed (the engine's add times its own).
          await grantAccessUntimed(w, cluster([db1, db2]))
          bare.push(await bareAdd(w, db1, db2))
          await bareTeardown(w, db2)
          const removed = await w.run(w.engine.removeReplica({ cluster: w.engine.parseCluster(cluster([db1, db2])), member: 'db2', deleteData: true }))
          if (removed.summary.status !== 'succeeded') throw new Error(`remove failed: ${removed.summary.error?.message}`)
        }
      }
    }
    const min = (xs: number[]) => Math.min(...xs)
    console.log(`  engine, until reported    ${engine.map(sec).join('  ')}   median ${sec(median(engine))}, best ${sec(min(engine))}`)
    console.log(`  engine, lease released    ${engineReturned.map(sec).join('  ')}   median ${sec(median(engineReturned))}, best ${sec(min(engineReturned))}`)
    console.log(`  bare script               ${bare.map(sec).join('  ')}   median ${sec(median(bare))}, best ${sec(min(bare))}`)
    // Round by round (each round runs both, back to back) cancels some of the machine's drift.
    const paired = (xs: number[]) => median(xs.map((x, i) => x / bare[i]!)).toFixed(3)
    const ratio = (xs: number[]) => `median of round ratios ${paired(xs)}, of medians ${(median(xs) / median(bare)).toFixed(3)}, of bests ${(min(xs) / min(bare)).toFixed(3)}`
    console.log(`  engine / bare, until reported: ${ratio(engine)}`)
    console.log(`  engine / bare, until the lease is released: ${ratio(engineReturned)}   (target <= 1.05)`)
    console.log(`  engine overhead, median of rounds: ${Math.round(median(engine.map((x, i) => x - bare[i]!)))} ms`)
    console.log(`  load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores; other work on the machine adds noise)`)
    console.log(`  engine steps (median ms): ${Object.entries(stepTimes).map(([k, v]) => `${k} ${Math.round(median(v))}`).join(', ')}`)
    if (progressGaps.length) console.log(`  progress events during the copy: max gap ${Math.max(...progressGaps)} ms over ${progressGaps.length + 1} events`)
  } finally {
    await cleanupMembers(w, all)
    await w.close()
    if (ownLab) await labDown()
  }
}

async function engineAdd(w: World, c: PgClusterInput): Promise<{ ms: number; reportedMs: number; summary: OperationSummary; gaps: number[] }> {
  const def = w.engine.addReplica({ cluster: w.engine.parseCluster(c), member: 'db2' })
  const { summary, ms, reportedMs, events } = await w.run(def)
  if (summary.status !== 'succeeded') throw new Error(`engine add failed: ${summary.error?.message}`)
  const at = events.flatMap((e) => (e.type === 'progress' && e.progress.stepId === 'base-backup' ? [Date.parse(e.progress.at)] : []))
  return { ms, reportedMs, summary, gaps: at.slice(1).map((t, i) => t - at[i]!) }
}

/** The access an admin would set up once before running a bare script: the engine's own prepare step. */
async function grantAccessUntimed(w: World, c: PgClusterInput) {
  const def = w.engine.addReplica({ cluster: w.engine.parseCluster(c), member: 'db2' })
  const steps = def.steps.filter((s) => s.id === 'preflight' || s.id === 'prepare')
  const r = await w.ops.runOperation({ ...def, steps })
  if (r.status !== 'succeeded') throw new Error(`access failed: ${r.error?.message}`)
  await w.asRoot('host2', ['rm', '-rf', '/var/lib/postgresql/.replicadesk'])
}

const BARE_STANDBY = String.raw`set -e
d=$1 conninfo=$2 slot=$3 log=$4; shift 4
"$PGBIN/pg_basebackup" -d "$conninfo" -D "$d" -X stream -C -S "$slot" --checkpoint=fast --no-password
printf '%s\n' "$@" >> "$d/postgresql.auto.conf"
touch "$d/standby.signal"
"$PGBIN/pg_ctl" -D "$d" -l "$log" -w start >/dev/null`

const BARE_WAIT = String.raw`until [ "$("$PGBIN/psql" -X -At -h /var/run/postgresql -p "$1" -d postgres -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$2' AND state = 'streaming'")" = 1 ]; do sleep 0.02; done`

async function bareAdd(w: World, db1: PgMemberInput, db2: PgMemberInput): Promise<number> {
  const t2 = { ...w.ctx.target('host2', 'postgres') }
  const t1 = { ...w.ctx.target('host1', 'postgres') }
  const lines = [confLine('primary_conninfo', conninfo({ host: db1.address, port: PORT, user: 'replicadesk', application_name: 'db2' })), confLine('primary_slot_name', 'rd_db2')]
  const t0 = performance.now()
  await w.ssh.exec(t2, ['env', `PGBIN=${PG}`, 'sh', '-c', BARE_STANDBY, 'sh', db2.dataDir, conninfo({ host: db1.address, port: PORT, user: 'replicadesk' }), 'rd_db2', '/var/log/postgresql/bare-db2.log', ...lines], { timeoutMs: 600_000 })
  await w.ssh.exec(t1, ['env', `PGBIN=${PG}`, 'sh', '-c', BARE_WAIT, 'sh', String(PORT), 'db2'], { timeoutMs: 120_000 })
  return performance.now() - t0
}

async function bareTeardown(w: World, db2: PgMemberInput) {
  await w.asRoot('host2', [`${PG}/pg_ctl`, '-D', db2.dataDir!, '-m', 'fast', '-w', 'stop'], 'postgres')
  await w.asRoot('host2', ['rm', '-rf', db2.dataDir!, '/var/log/postgresql/bare-db2.log'])
  await w.psql('host1', PORT, "SELECT pg_drop_replication_slot('rd_db2')")
}

await main()
