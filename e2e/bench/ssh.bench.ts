// SSH layer benchmark on the lab (prints numbers; not a test). Run: npx tsx e2e/bench/ssh.bench.ts
// Uses the running lab if there is one, otherwise brings one up and takes it down after.
//  1. one command on a pooled connection vs a fresh OpenSSH `ssh` process per command
//  2. connecting to every lab host in parallel vs one by one
//  3. time to notice a cut link, and to reconnect after heal
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cut, heal, labDown, labUp, readLab, resetHost, sshArgv, type Lab } from '../lab'
import { createSshService, MemoryTrustStore, type SshService, type SshServiceOptions } from '../../electron/core/ssh'
import type { HostState } from '../../electron/core/ssh'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const ms = (x: number) => `${x.toFixed(1)} ms`

function service(lab: Lab, extra: Partial<SshServiceOptions> = {}): SshService {
  const dir = mkdtempSync(join(tmpdir(), 'rd-bench-'))
  return createSshService({
    dataDir: dir,
    trustStore: new MemoryTrustStore(),
    knownHostsPaths: [lab.knownHostsPath],
    sshConfigPath: join(dir, 'none'),
    homeDir: dir,
    agent: null,
    ...extra,
  })
}

function runSsh(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn('ssh', argv, { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    c.stderr.on('data', (d) => (err += d))
    c.on('error', reject)
    c.on('close', (code) => (code === 0 ? resolve(0) : reject(new Error(`ssh exited ${code}: ${err}`))))
  })
}

async function pooledVsFresh(lab: Lab) {
  const h = lab.hosts[0]!
  const target = { address: h.address, port: h.port, user: lab.users.postgres, identityFile: lab.clientKeyPath }
  const svc = service(lab)
  await svc.exec(target, ['true']) // connect first: we measure the command, not the handshake
  const pooled: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now()
    await svc.exec(target, ['true'])
    pooled.push(performance.now() - t0)
  }
  await svc.close()
  const fresh: number[] = []
  const argv = [...sshArgv(h, { lab }), '--', 'true']
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now()
    await runSsh(argv)
    fresh.push(performance.now() - t0)
  }
  const p = median(pooled)
  const f = median(fresh)
  console.log(`1. command \`true\` on ${h.name} as postgres, ${ROUNDS} runs each (median)`)
  console.log(`   pooled ssh2 connection:        ${ms(p)}`)
  console.log(`   fresh \`ssh\` process each time: ${ms(f)}`)
  console.log(`   ratio: pooled is ${(f / p).toFixed(1)}x faster (target >= 10x)`)
}

async function parallelVsSerial(lab: Lab) {
  const targets = lab.hosts.map((h) => ({ address: h.address, port: h.port, user: lab.users.postgres, identityFile: lab.clientKeyPath }))
  const serial: number[] = []
  const parallel: number[] = []
  for (let round = 0; round < 5; round++) {
    let svc = service(lab)
    let t0 = performance.now()
    for (const t of targets) await svc.exec(t, ['true'])
    serial.push(performance.now() - t0)
    await svc.close()
    svc = service(lab)
    t0 = performance.now()
    await Promise.all(targets.map((t) => svc.exec(t, ['true'])))
    parallel.push(performance.now() - t0)
    await svc.close()
  }
  console.log(`2. connect (host key check, login, shell probe) + first command on ${targets.length} hosts, 5 rounds (median)`)
  console.log(`   one by one:  ${ms(median(serial))}  (${ms(median(serial) / targets.length)} per host)`)
  console.log(`   in parallel: ${ms(median(parallel))}`)
}

async function cutDetection(lab: Lab) {
  const h = lab.hosts[lab.hosts.length > 2 ? 2 : 0]!
  const target = { address: h.address, port: h.port, user: lab.users.postgres, identityFile: lab.clientKeyPath }
  const detect: number[] = []
  const back: number[] = []
  for (let round = 0; round < 3; round++) {
    const svc = service(lab, { reconnect: { initialMs: 100, maxMs: 500 }, connectTimeoutMs: 2000 })
    const states: HostState[] = []
    svc.onState((s) => states.push(s))
    await svc.exec(target, ['true'])
    // cut at a random point of the keepalive period, as a real failure would
    await new Promise((r) => setTimeout(r, Math.random() * 400))
    let mark = states.length
    const cutAt = performance.now()
    await cut(h.name, lab)
    while (!states.slice(mark).some((s) => s.state === 'unreachable')) await new Promise((r) => setTimeout(r, 5))
    detect.push(performance.now() - cutAt)
    mark = states.length
    const healAt = performance.now()
    await heal(h.name, lab)
    const deadline = healAt + 20_000
    while (!states.slice(mark).some((s) => s.state === 'connected') && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    back.push(performance.now() - healAt)
    await svc.close()
    await resetHost(h.name, lab)
  }
  console.log(`3. cut link on ${h.name} (keepalive 400 ms x 3), 3 rounds`)
  console.log(`   detected after: ${detect.map(ms).join(', ')} (median ${ms(median(detect))}; target < 2000 ms)`)
  console.log(`   reconnected after heal: ${back.map(ms).join(', ')} (backoff 100..500 ms)`)
}

async function main() {
  let lab: Lab
  let ours = false
  try {
    lab = readLab()
  } catch {
    console.log('no lab running: bringing one up')
    lab = await labUp({ hosts: 3 })
    ours = true
  }
  console.log(`lab ${lab.prefix} (${lab.mode}, ${lab.hosts.length} hosts)\n`)
  try {
    await pooledVsFresh(lab)
    await parallelVsSerial(lab)
    if (lab.mode === 'netns') await cutDetection(lab)
    else console.log('3. cut detection: NOT RUN (the lab runs in loopback mode; cut needs netns)')
  } finally {
    if (ours) await labDown()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
