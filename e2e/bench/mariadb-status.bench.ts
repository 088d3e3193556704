// MariaDB status collection CPU beside PostgreSQL's, on the lab (prints numbers; not a test).
// Run: npx tsx --expose-gc e2e/bench/mariadb-status.bench.ts
// Uses the lab of REPLICADESK_LAB_STATE when set, otherwise brings up its own (own state file)
// and takes it down after. Makes a PostgreSQL primary + standby (port 5482) and a MariaDB primary
// + GTID replica (port 3482) on host1 and host2, both read as the admin login, and removes them.
// Then, alternately, N members at 1 Hz (default 10: each instance listed N/2 times, one session
// per member) through the status service: CPU of this process (SSH crypto, the wire protocol,
// parsing, derive, diffs, events) over a window, per engine, and the ratio MariaDB / PostgreSQL.
// Env: BENCH_MEMBERS (10), BENCH_WINDOW_S (10), BENCH_ROUNDS (3).
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { labRoot, readLab, type Lab, type LabHost } from '../lab'
import { createSshService, MemoryTrustStore, type SshService } from '../../electron/core/ssh'
import { createStatusService, type StatusClusterInput } from '../../electron/core/status'
import { postgresStatus } from '../../electron/core/engines/postgres/status'
import { statusMembers } from '../../electron/core/engines/mariadb/status'
import { makeLabCluster } from '../support/status/lab-cluster'
import { makeMariaPair } from '../support/status/mariadb-pair'
import { ensureLab, envNumber, load, median, sleep } from './roles-common'

const N = envNumber('BENCH_MEMBERS', 10)
const WINDOW_S = envNumber('BENCH_WINDOW_S', 10)
const ROUNDS = envNumber('BENCH_ROUNDS', 3)
const PG_PORT = 5482
const MARIA_PORT = 3482

function service(lab: Lab, dir: string): SshService {
  return createSshService({ dataDir: dir, trustStore: new MemoryTrustStore(), knownHostsPaths: [lab.knownHostsPath], sshConfigPath: join(dir, 'none'), homeDir: dir, agent: null, reconnect: { initialMs: 100, maxMs: 1000 }, connectTimeoutMs: 3000 })
}

/** n members over the cluster's instances, round robin, each its own name (and session). */
function spread(c: StatusClusterInput, id: string, n: number): StatusClusterInput {
  return { ...c, id, members: Array.from({ length: n }, (_, i) => ({ ...c.members[i % c.members.length]!, name: `m${String(i).padStart(3, '0')}` })) }
}

interface Run {
  pctCore: number
  perMemberMs: number
  polls: number
  expected: number
  skipped: number
}

/** Collects `cluster` at 1 Hz and measures this process's CPU over the window. */
async function measure(lab: Lab, cluster: StatusClusterInput, windowS = WINDOW_S): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'rd-bench-maria-'))
  const ssh = service(lab, dir)
  const status = createStatusService({ ssh, source: postgresStatus, defaults: { periodMs: 1000, diskPeriodMs: 30_000 } })
  try {
    global.gc?.()
    await status.start(cluster)
    const deadline = Date.now() + 30_000
    while (status.get(cluster.id).members.some((m) => m.state !== 'up')) {
      if (Date.now() > deadline) throw new Error(`${cluster.id}: not all members up after 30 s: ${status.get(cluster.id).members.find((m) => m.state !== 'up')?.down?.reason}`)
      await sleep(200)
    }
    await sleep(3000) // warm: JIT, first disk read, first diffs
    const s0 = status.stats(cluster.id)
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await sleep(windowS * 1000)
    const used = process.cpuUsage(c0)
    const wall = performance.now() - t0
    const s1 = status.stats(cluster.id)
    const cpuMs = (used.user + used.system) / 1000
    const n = cluster.members.length
    return { pctCore: (cpuMs / wall) * 100, perMemberMs: cpuMs / (n * (wall / 1000)), polls: s1.polls - s0.polls, expected: Math.round((n * wall) / 1000), skipped: s1.skipped - s0.skipped }
  } finally {
    await status.close()
    await ssh.close()
  }
}

const line = (name: string, r: Run) =>
  `   ${name.padEnd(11)} ${r.pctCore.toFixed(2).padStart(5)} % of a core, ${r.perMemberMs.toFixed(3)} ms CPU per member per second; polls ${r.polls} (expected ${r.expected}), skipped ${r.skipped} (load avg ${load()})`

async function main() {
  // Its own state file unless told otherwise: a lab on the default one is removed by the next
  // `up` on the default one (another bench's), and would be found by anyone's `readLab()`.
  process.env.REPLICADESK_LAB_STATE ??= join(labRoot(), `bench-maria-${process.pid}.json`)
  const labDone = await ensureLab()
  const lab = readLab()
  if (lab.mode !== 'netns') throw new Error('this bench needs the netns lab (per-host servers)')
  console.log(`lab ${lab.prefix} (${lab.mode}), ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length} CPUs, load avg ${load()}, node ${process.version}`)
  const hosts = ['host1', 'host2'].map((n) => lab.hosts.find((h) => h.name === n)!) as [LabHost, LabHost]
  const target = (host: string) => ({ address: lab.hosts.find((h) => h.name === host)!.address, port: 22, user: lab.users.admin, identityFile: lab.clientKeyPath })
  const [pg, maria] = await Promise.all([
    makeLabCluster({ id: 'bench-pg', port: PG_PORT, hosts: ['host1', 'host2'], names: ['db1', 'db2'], base: '/var/lib/postgresql/rdbench-maria-pg', logins: { host1: 'admin', host2: 'admin' } }),
    makeMariaPair(lab, hosts, { port: MARIA_PORT, dataDir: '/srv/rdbench-maria/data' }),
  ])
  try {
    const pgCluster = spread(pg.input(), 'bench-pg', N)
    const mariaCluster = spread(statusMembers(maria.record('bench-maria'), target), 'bench-maria', N)
    console.log(`\nCPU of the collecting process, ${N} members at 1 Hz (one session each over primary + replica), ${WINDOW_S} s windows, ${ROUNDS} rounds`)
    global.gc?.()
    const idle0 = process.cpuUsage()
    await sleep(3000)
    const idle = process.cpuUsage(idle0)
    console.log(`   this process idle (no collector): ${(((idle.user + idle.system) / 3e6) * 100).toFixed(2)} % of a core`)
    // one untimed run of each first: module loading and JIT would count against whichever went first
    console.log(line('warm-up PG', await measure(lab, pgCluster, 2)))
    console.log(line('warm-up MDB', await measure(lab, mariaCluster, 2)))
    const runs = { pg: [] as Run[], maria: [] as Run[] }
    for (let i = 0; i < ROUNDS; i++) {
      // alternate the order so a drift of the machine's load hits both alike
      for (const engine of i % 2 ? (['maria', 'pg'] as const) : (['pg', 'maria'] as const)) {
        const r = await measure(lab, engine === 'pg' ? pgCluster : mariaCluster)
        runs[engine].push(r)
        console.log(line(engine === 'pg' ? 'PostgreSQL' : 'MariaDB', r))
      }
    }
    const pgMs = median(runs.pg.map((r) => r.perMemberMs))
    const mariaMs = median(runs.maria.map((r) => r.perMemberMs))
    console.log(`\n   medians: PostgreSQL ${pgMs.toFixed(3)} ms, MariaDB ${mariaMs.toFixed(3)} ms CPU per member per second`)
    console.log(`   ${N} members at 1 Hz: PostgreSQL ${median(runs.pg.map((r) => r.pctCore)).toFixed(2)} %, MariaDB ${median(runs.maria.map((r) => r.pctCore)).toFixed(2)} % of one core; ratio MariaDB / PostgreSQL ${(mariaMs / pgMs).toFixed(2)}`)
  } finally {
    await Promise.all([pg.teardown(), maria.remove()]).catch((err: unknown) => console.error(`teardown: ${String(err)}`))
    await labDone()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
