// Adding a MariaDB replica: the copy relayed through ReplicaDesk's SSH connections
// (HostExec.pipe: mariadb-backup --stream on host1 → mbstream -x on host2) versus the same
// stream run by hand with OpenSSH (`ssh host1 mariadb-backup … | ssh host2 mbstream -x`), on the
// same seeded primary; then the whole add-replica operation (pre-flight … caught up) versus
// the bare stream. Rounds alternate to cancel the machine's drift. Prints numbers; not a test.
// Run: npx tsx e2e/bench/mariadb-replica.bench.ts (uses the running lab if there is one,
// otherwise brings one up and takes it down after). Env: BENCH_ROUNDS (default 3), BENCH_MB (300).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { labDown, labUp, statePath } from '../lab'
import { seedRows } from '../support/mariadb/lab'
import { cleanupHosts, clusterOf, makeReplicaWorld, plainMember, type ReplicaWorld } from '../support/mariadb/replica-world'
import { backupArgv } from '../../electron/core/engines/mariadb/copy'
import { parseCluster } from '../../electron/core/engines/mariadb/model'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const MB = Number(process.env.BENCH_MB ?? 300)
const SCRATCH = '/srv/mdb/bench-copy'

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** An empty scratch datadir for mysql on host2. */
const freshScratch = (w: ReplicaWorld) => w.asRoot('host2', ['sh', '-c', `rm -rf ${SCRATCH} && install -d -o mysql -g mysql -m 750 ${SCRATCH}`])

/**
 * The copy by hand: two OpenSSH clients and a local pipe between them. Returns ms. `cipher`:
 * OpenSSH's own choice (chacha20-poly1305) unless given; ssh2 (ReplicaDesk) negotiates AES-GCM.
 */
function bareCopy(w: ReplicaWorld, argv: string[], cipher?: string): Promise<number> {
  const ssh = (host: string) => `ssh -F /dev/null -i ${w.lab.clientKeyPath} -o UserKnownHostsFile=${w.lab.knownHostsPath} -o BatchMode=yes ${cipher ? `-c ${cipher} ` : ''}${w.lab.users.admin}@${w.ctx.host(host).address}`
  const line = `${ssh('host1')} sudo -n -u mysql ${argv.join(' ')} 2>/dev/null | ${ssh('host2')} sudo -n -u mysql mbstream -x -C ${SCRATCH}`
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -o pipefail; ${line}`], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`bare copy exited ${code}: ${err.slice(-500)}`))))
  })
}

async function main() {
  const ownLab = !existsSync(statePath())
  if (ownLab) await labUp({ hosts: 3, log: () => undefined })
  const w = await makeReplicaWorld()
  const m1 = plainMember('m1', 'host1', w.ctx.host('host1').address, 1)
  const m2 = plainMember('m2', 'host2', w.ctx.host('host2').address, 2)
  try {
    await cleanupHosts(w, ['host1', 'host2'])
    const created = await w.run(w.engine.createCluster({ cluster: clusterOf('bench', [m1]), primary: 'm1', mode: 'init' }))
    if (created.summary.status !== 'succeeded') throw new Error(`create failed: ${created.summary.error?.message}`)
    await seedRows(w.lab, 'host1', { megabytes: MB, socket: '/run/mysqld/rd-3310.sock' })
    const primary = parseCluster(clusterOf('bench', [m1])).members[0]!
    // mariadb-backup and its options as the engine runs them (backupArgv without its `env -C /`).
    const argv = backupArgv(primary, 'bench').slice(3).map(String)
    console.log(`mariadb-replica bench: lab ${w.lab.prefix}, ${MB} MB seeded on host1, copy to host2, ${ROUNDS} rounds each, alternating; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`)

    const relay: { ms: number; bytes: number }[] = []
    const bare: number[] = []
    const bareGcm: number[] = []
    const add: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of round % 2 ? (['bare', 'gcm', 'relay', 'add'] as const) : (['relay', 'gcm', 'bare', 'add'] as const)) {
        if (which === 'add') {
          const r = await w.run(w.engine.addReplica({ cluster: clusterOf('bench', [m1, m2]), member: 'm2' }))
          if (r.summary.status !== 'succeeded') throw new Error(`add failed: ${r.summary.error?.message}`)
          add.push(r.ms)
          const removed = await w.run(w.engine.removeReplica({ cluster: clusterOf('bench', [m1, m2]), member: 'm2', deleteData: true }))
          if (removed.summary.status !== 'succeeded') throw new Error(`remove failed: ${removed.summary.error?.message}`)
          continue
        }
        await freshScratch(w)
        if (which === 'bare') bare.push(await bareCopy(w, argv))
        else if (which === 'gcm') bareGcm.push(await bareCopy(w, argv, 'aes128-gcm@openssh.com'))
        else {
          const t0 = performance.now()
          const r = await w.hosts.pipe('host1', ['env', '-C', '/', ...argv], 'host2', ['env', '-C', '/', 'mbstream', '-x', '-C', SCRATCH], { timeoutMs: 600_000, idleTimeoutMs: 60_000, fromSudo: 'mysql', toSudo: 'mysql' })
          relay.push({ ms: performance.now() - t0, bytes: r.bytes })
        }
      }
    }
    const bytes = median(relay.map((r) => r.bytes))
    const rate = (ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`
    const relayMs = relay.map((r) => r.ms)
    console.log(`  stream size               ${(bytes / 1e6).toFixed(0)} MB`)
    console.log(`  relayed (HostExec.pipe)   ${relayMs.map(sec).join('  ')}   median ${sec(median(relayMs))} (${rate(median(relayMs))})`)
    console.log(`  by hand (ssh | ssh)       ${bare.map(sec).join('  ')}   median ${sec(median(bare))} (${rate(median(bare))})`)
    console.log(`  by hand, AES-GCM          ${bareGcm.map(sec).join('  ')}   median ${sec(median(bareGcm))} (${rate(median(bareGcm))})`)
    console.log(`  whole add-replica         ${add.map(sec).join('  ')}   median ${sec(median(add))}`)
    console.log(`  ratio relayed / by hand   median of round ratios ${median(relayMs.map((x, i) => x / bare[i]!)).toFixed(3)}, of medians ${(median(relayMs) / median(bare)).toFixed(3)} (target ≤ 1.1)`)
    console.log(`  ratio relayed / by hand with AES-GCM   ${(median(relayMs) / median(bareGcm)).toFixed(3)}`)
    console.log(`  ratio add-replica / by hand  ${(median(add) / median(bare)).toFixed(3)} (the operation also checks, prepares, starts and waits until caught up)`)
  } finally {
    await cleanupHosts(w, ['host1', 'host2']).catch(() => undefined)
    await w.close()
    if (ownLab) await labDown()
  }
}

await main()
