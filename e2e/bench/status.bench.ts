// Live status benchmark on the lab (prints numbers; not a test). Run: npx tsx --expose-gc e2e/bench/status.bench.ts
// Uses the running lab if there is one (REPLICADESK_LAB_STATE), otherwise brings one up and
// takes it down after. Makes its own primary + 2 standbys (port 5481) and removes them.
//  1. one-shot status of 3 members as a whole cold process, beside a bare `ssh … psql` script
//  1b. `replicadesk status CLUSTER --json` through a running instance (the thin path), beside
//     `node -e 0`, the full CLI through the same instance, and the same bare script
//  2. CPU of the collecting process per member per second at 10, 25, 50 … members at 1 Hz
//     (many pollers, each its own database session, pointed at the same 3 instances)
//  3. down detection for a killed host, a cut host and a hung server (SIGSTOP), beside a bare
//     `ssh … psql` poller
// Env: BENCH_ONLY (comma list of oneshot, instance, cpu, faults), BENCH_ROUNDS (one-shot runs, 15), BENCH_WINDOW_S (CPU window, 10), BENCH_MEMBERS
// (comma list, default 10,25,50,100,200,400), BENCH_FAULT_ROUNDS (3).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build, stop as stopEsbuild } from 'esbuild'
import { cut, heal, kill, labDown, labUp, readLab, resetHost, restart, type Lab } from '../lab'
import { createSshService, MemoryTrustStore, type SshService } from '../../electron/core/ssh'
import { createStatusService, type StatusClusterInput, type StatusService } from '../../electron/core/status'
import { postgresStatus } from '../../electron/core/engines/postgres/status'
import { makeLabCluster, type LabCluster } from '../support/status/lab-cluster'
import { ClustersStore } from '../../electron/core/clusters/clusters-store'
import { pgCluster } from '../../shared/postgres'
import { HeadlessServer } from '../fixtures/server'
import { barePoller, baselineOutputs, childrenCpuMs, timed, writeOneShotScript, type BaselineMember } from './status-baseline'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10)
const SIZES = (process.env.BENCH_MEMBERS ?? '10,25,50,100,200,400').split(',').map(Number)
const FAULT_ROUNDS = Number(process.env.BENCH_FAULT_ROUNDS ?? 3)
const PORT = 5481
const root = join(import.meta.dirname, '..', '..')

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b)
const median = (xs: number[]) => {
  const s = sorted(xs)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const ms = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(0)} ms`)
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ')

function service(lab: Lab, dir: string): SshService {
  return createSshService({ dataDir: dir, trustStore: new MemoryTrustStore(), knownHostsPaths: [lab.knownHostsPath], sshConfigPath: join(dir, 'none'), homeDir: dir, agent: null, reconnect: { initialMs: 100, maxMs: 1000 }, connectTimeoutMs: 3000 })
}

async function oneShot(lab: Lab, c: LabCluster) {
  console.log(`\n1. one-shot status of 3 members as a whole process, cold, ${ROUNDS} runs each (load avg ${load()})`)
  const cache = join(root, 'node_modules', '.cache', 'rd-bench')
  mkdirSync(cache, { recursive: true })
  const entry = join(cache, 'status-oneshot.mjs')
  // bundled like the CLI (scripts/build-node.mjs): our code in one file, packages external
  await build({ absWorkingDir: root, entryPoints: ['e2e/bench/status-oneshot-entry.ts'], outfile: entry, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' })
  await stopEsbuild() // its service process must not linger beside the CPU measurements
  const dir = mkdtempSync(join(tmpdir(), 'rd-bench-oneshot-'))
  const config = join(dir, 'config.json')
  writeFileSync(config, JSON.stringify({ knownHosts: lab.knownHostsPath, dataDir: dir, cluster: c.input() }))
  const members: BaselineMember[] = c.input().members.map((m) => ({ host: m.host, user: m.target.user!, port: m.port, dataDir: m.dataDir! }))
  const script = writeOneShotScript(lab, members, dir)

  const bare: number[] = []
  const ours: number[] = []
  const baseline: number[] = []
  const phases: Record<string, number[]> = {}
  for (let i = 0; i < 2; i++) {
    await timed('node', [entry, config]) // warm the file cache, not the process
    await timed('sh', [script])
  }
  for (let i = 0; i < ROUNDS; i++) {
    bare.push((await timed('node', ['-e', '0'])).ms)
    let err = ''
    const r = await timed('node', [entry, config, '--timings'], { stderr: (s) => (err = s) })
    if (r.code !== 0) throw new Error(`one-shot exited ${r.code}: ${err}`)
    ours.push(r.ms)
    const t = JSON.parse(err.trim().split('\n').at(-1)!) as Record<string, number>
    const connected = Object.entries(t).filter(([k]) => k.startsWith('connected:')).map(([, v]) => v)
    const answered = Object.entries(t).filter(([k]) => k.startsWith('answered:')).map(([, v]) => v)
    for (const [k, v] of Object.entries({ modules: t.modulesLoadedMs!, firstConnected: Math.min(...connected), lastConnected: Math.max(...connected), lastAnswered: Math.max(...answered), disk: t.disk!, printed: t.printedMs! })) (phases[k] ??= []).push(v)
    const b = await timed('sh', [script])
    if (b.code !== 0) throw new Error(`baseline script exited ${b.code}`)
    baseline.push(b.ms)
  }
  const outs = baselineOutputs(dir, members.length)
  if (!outs.every((o) => /\|/.test(o) && /\d+%/.test(o))) throw new Error(`baseline script did not answer: ${outs.join('\n')}`)
  const row = (name: string, xs: number[]) => console.log(`   ${name.padEnd(46)} median ${ms(median(xs))}  min ${ms(Math.min(...xs))}  p90 ${ms(pct(xs, 90))}`)
  row('node -e 0 (Node start-up alone)', bare)
  row('ours: node status-oneshot.mjs (spawn → exit)', ours)
  row('baseline: sh + 3 × (ssh … psql; df) in parallel', baseline)
  console.log('   inside our process (ms since process start, medians):')
  for (const [k, v] of Object.entries(phases)) console.log(`     ${k.padEnd(16)} ${ms(median(v))}`)
  const oursPart = median(phases.printed!) - median(phases.modules!)
  console.log(`   ours after module loading (connect, ask, print): ${ms(oursPart)}; module loading (Node + ssh2 + pg + zod + our bundle): ${ms(median(phases.modules!))}`)
  console.log('   target < 250 ms as a whole process; `patronictl list` ≈ 450 ms on this kind of lab (not measured here)')
}

async function throughInstance(lab: Lab, c: LabCluster) {
  console.log(`\n1b. \`replicadesk status CLUSTER --json\` for 3 members through a running instance, whole process, ${ROUNDS} runs each (load avg ${load()})`)
  // the CLI and server as shipped (out/cli: the thin entry + the full CLI beside it)
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')], { cwd: root, encoding: 'utf8', timeout: 120_000 })
  if (built.status !== 0) throw new Error(`build-node failed: ${built.stderr}`)
  const dir = mkdtempSync(join(tmpdir(), 'rd-bench-instance-'))
  const dataDir = join(dir, 'data')
  const saved = { ...process.env }
  // the children (CLI, server) use the lab's host keys and nothing of this machine's SSH setup
  Object.assign(process.env, { REPLICADESK_KNOWN_HOSTS: lab.knownHostsPath, REPLICADESK_SSH_CONFIG: join(dir, 'none') })
  delete process.env.SSH_AUTH_SOCK
  delete process.env.REPLICADESK_DATA_DIR
  const bin = join(root, 'bin', 'replicadesk.cjs') // package.json "bin"
  const members = c.input().members
  for (const [i, m] of members.entries()) {
    const r = await timed('node', [bin, 'host', 'add', `h${i + 1}`, '--address', m.target.address, '--user', m.target.user!, '--identity-file', lab.clientKeyPath, '--data-dir', dataDir])
    if (r.code !== 0) throw new Error(`host add h${i + 1} exited ${r.code}`)
  }
  // the bench's cluster, recorded as \`cluster adopt\` would record it
  const record = pgCluster.parse({
    id: 'bench',
    major: '15',
    members: members.map((m, i) => ({ name: m.name, host: `h${i + 1}`, address: m.address, port: m.port, dataDir: m.dataDir, socketDir: m.socketDir, access: m.target.user === 'postgres' ? 'postgres' : 'sudo' })),
  })
  await new ClustersStore(dataDir).update('bench', () => record)
  const server = await HeadlessServer.start(dataDir)
  try {
    const statusArgs = ['status', 'bench', '--json', '--data-dir', dataDir]
    const thin = ['node', [bin, ...statusArgs]] as const
    const thinEsm = ['node', [join(root, 'out', 'cli', 'index.mjs'), ...statusArgs]] as const
    // the full CLI as index.mjs was before the split: everything loaded, then the same call
    const fullUrl = pathToFileURL(join(root, 'out', 'cli', 'full.mjs')).href
    const full = ['node', ['--input-type=module', '-e', `import(${JSON.stringify(fullUrl)}).then((m) => m.runFull(process.argv.slice(1)))`, ...statusArgs]] as const
    const run = async ([cmd, args]: readonly [string, readonly string[]]) => {
      let out = ''
      const cpu0 = childrenCpuMs()
      const r = await timed(cmd, [...args], { stdout: (s) => (out = s) })
      if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${out}`)
      return { ms: r.ms, out, cpu: childrenCpuMs() - cpu0 }
    }
    const deadline = Date.now() + 30_000
    const states = async () => (JSON.parse((await run(thin)).out) as { members: { state: string }[] }).members.map((m) => m.state).join()
    while ((await states()) !== 'up,up,up') {
      if (Date.now() > deadline) throw new Error(`not all members up through the instance: ${(await run(thin)).out}`)
      await sleep(300)
    }
    // the same output as the full CLI (read between two of its reads: a tick may change a field)
    const steady = (json: string) => JSON.stringify({ ...JSON.parse(json), at: null, seq: null })
    let same = false
    for (let i = 0; i < 5 && !same; i++) {
      const [before, ours, after] = [await run(full), await run(thin), await run(full)]
      same = [before, after].some((x) => steady(x.out) === steady(ours.out))
    }
    if (!same) throw new Error('the thin path printed something else than the full CLI, 5 times')
    const members3 = members.map((m) => ({ host: m.host, user: m.target.user!, port: m.port, dataDir: m.dataDir! }))
    const script = writeOneShotScript(lab, members3, dir)
    for (let i = 0; i < 2; i++) for (const x of [thin, thinEsm, full]) await run(x) // warm the file cache
    type Key = 'bare' | 'thin' | 'thinEsm' | 'full' | 'baseline'
    const xs: Record<Key, number[]> = { bare: [], thin: [], thinEsm: [], full: [], baseline: [] }
    // CPU (user + sys) of the process, from the kernel's 10 ms ticks: a mean over the runs,
    // steadier than wall time when other work shares the machine
    const cpu: Record<Key, number> = { bare: 0, thin: 0, thinEsm: 0, full: 0, baseline: 0 }
    const runs: [Key, readonly [string, readonly string[]]][] = [['bare', ['node', ['-e', '0']]], ['thin', thin], ['thinEsm', thinEsm], ['full', full], ['baseline', ['sh', [script]]]]
    for (let i = 0; i < ROUNDS; i++) {
      for (const [k, x] of runs) {
        const r = await run(x)
        xs[k].push(r.ms)
        cpu[k] += r.cpu
      }
    }
    const row = (name: string, k: Key) => console.log(`   ${name.padEnd(58)} median ${ms(median(xs[k]))}  range ${ms(Math.min(...xs[k]))}–${ms(Math.max(...xs[k]))}  p90 ${ms(pct(xs[k], 90))}  CPU ${ms(cpu[k] / ROUNDS)}`)
    row('node -e 0 (Node start-up alone)', 'bare')
    row('ours: replicadesk status --json (bin/replicadesk.cjs)', 'thin')
    row('ours: node out/cli/index.mjs status --json (ES module entry)', 'thinEsm')
    row('before: the full CLI through the same instance', 'full')
    row('baseline: sh + 3 × (ssh … psql; df) in parallel', 'baseline')
    const m = (k: keyof typeof xs) => median(xs[k])
    console.log(`   thin path: ${ms(m('thin') - m('bare'))} above bare Node; ${(m('full') / m('thin')).toFixed(1)}× faster than the full CLI; ${(m('baseline') / m('thin')).toFixed(1)}× faster than the baseline (${(m('thin') / m('baseline')).toFixed(2)} of its time)`)
    console.log('   target < 55 ms as a whole process (`repmgr cluster show` ≈ 55 ms; not measured here)')

    // 1c: the same command as users run it when no instance runs: the full CLI, cold
    await server.stop()
    console.log(`\n1c. \`replicadesk status CLUSTER --json\` cold (no instance: the CLI reads the 3 members itself), ${ROUNDS} runs each (load avg ${load()})`)
    const cold: number[] = []
    const coldBase: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      cold.push((await run(thin)).ms)
      coldBase.push((await run(['sh', [script]])).ms)
    }
    console.log(`   ours: replicadesk status --json (bin/replicadesk.cjs, cold)   median ${ms(median(cold))}  range ${ms(Math.min(...cold))}–${ms(Math.max(...cold))}  p90 ${ms(pct(cold, 90))}`)
    console.log(`   baseline: sh + 3 × (ssh … psql; df) in parallel              median ${ms(median(coldBase))}  range ${ms(Math.min(...coldBase))}–${ms(Math.max(...coldBase))}  p90 ${ms(pct(coldBase, 90))}`)
    console.log(`   ratio ours / baseline ${(median(cold) / median(coldBase)).toFixed(2)}; target < 250 ms as a whole process (\`patronictl list\` ≈ 450 ms on this kind of lab)`)
  } finally {
    await server.stop()
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
  }
}

function virtualCluster(c: LabCluster, n: number): StatusClusterInput {
  const base = c.input().members
  return {
    id: `bench-${n}`,
    members: Array.from({ length: n }, (_, i) => ({ ...base[i % base.length]!, name: `m${String(i).padStart(3, '0')}` })),
  }
}

async function cpu(lab: Lab, c: LabCluster) {
  console.log(`\n2. CPU of the collecting process at 1 Hz, ${WINDOW_S} s windows; N pollers (one database session each) over the 3 instances`)
  console.log('   (measured: process.cpuUsage of this process, collector only: SSH crypto, pg protocol, JSON, diffs, events; not the servers)')
  const dir = mkdtempSync(join(tmpdir(), 'rd-bench-cpu-'))
  global.gc?.()
  const idle0 = process.cpuUsage()
  await sleep(5000)
  const idle = process.cpuUsage(idle0)
  console.log(`   this process idle (no collector): ${(((idle.user + idle.system) / 5e6) * 100).toFixed(2)} % of a core`)
  const results: { n: number; pctCore: number; perMemberMs: number; skipped: number; polls: number; heapMb: number; histKb: number }[] = []
  const runs = [...SIZES.map((n) => ({ n, load: false })), ...(SIZES.includes(50) ? [{ n: 50, load: true }] : [])].sort((a, b) => a.n - b.n || Number(a.load) - Number(b.load))
  for (const { n, load: writeLoad } of runs) {
    const ssh = service(lab, dir)
    const status: StatusService = createStatusService({ ssh, source: postgresStatus, defaults: { periodMs: 1000, diskPeriodMs: 30_000 } })
    const cluster = virtualCluster(c, n)
    let events = 0
    const off = status.onEvent(() => events++)
    global.gc?.()
    const heap0 = process.memoryUsage().heapUsed
    await status.start(cluster)
    const deadline = Date.now() + 60_000
    while (status.get(cluster.id).members.some((m) => m.state !== 'up') && Date.now() < deadline) await sleep(200)
    const down = status.get(cluster.id).members.filter((m) => m.state !== 'up')
    if (down.length) {
      console.log(`   N=${n}: ${down.length} members not up after 60 s (${down[0]!.down?.reason}); stopping here`)
      off()
      await status.close()
      await ssh.close()
      break
    }
    await sleep(3000)
    // with a write load, every member's positions and lag change every tick: a diff per tick
    const loadRun = writeLoad ? c.run('db1', [`${lab.pgBin}/pgbench`, '-h', '/run/postgresql', '-p', String(PORT), '-n', '-T', String(WINDOW_S + 2), '-c', '2', '-R', '200', 'postgres']) : Promise.resolve('')
    if (writeLoad) await sleep(1000)
    const s0 = status.stats(cluster.id)
    const e0 = events
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await sleep(WINDOW_S * 1000)
    const used = process.cpuUsage(c0)
    const wall = performance.now() - t0
    const s1 = status.stats(cluster.id)
    global.gc?.()
    const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6
    const cpuMs = (used.user + used.system) / 1000
    const polls = s1.polls - s0.polls
    const r = { n, pctCore: (cpuMs / wall) * 100, perMemberMs: cpuMs / (n * (wall / 1000)), skipped: s1.skipped - s0.skipped, polls, heapMb, histKb: s1.historyBytes / 1024 }
    results.push(r)
    await loadRun
    console.log(`   N=${String(n).padStart(3)}${writeLoad ? ' under pgbench -R 200' : ''}: ${r.pctCore.toFixed(2).padStart(6)} % of a core, ${r.perMemberMs.toFixed(3)} ms CPU per member per second; polls ${polls} (expected ${Math.round((n * wall) / 1000)}), skipped ${r.skipped}, events ${events - e0}; heap +${heapMb.toFixed(1)} MB, history ${r.histKb.toFixed(0)} KB (load avg ${load()})`)
    off()
    await status.close()
    await ssh.close()
    if (r.pctCore > 60 || r.skipped > polls * 0.05) {
      console.log('   stopping: the machine is saturated (CPU > 60 % of a core or > 5 % of polls skipped)')
      break
    }
  }
  const at50 = results.filter((r) => r.n === 50)
  if (at50.length) console.log(`   50 members at 1 Hz: ${at50.map((r) => `${r.pctCore.toFixed(2)} %`).join(' idle, ')}${at50.length > 1 ? ' under write load' : ''} of one core (measured; target < 10 %)`)
  // the bare-script equivalent for comparison: one ssh + psql per member per second
  const members = c.input().members
  const n = 10
  const cc0 = childrenCpuMs()
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let s = 0; s < 5; s++) {
    const tick = performance.now()
    await Promise.all(Array.from({ length: n }, (_, i) => {
      const m = members[i % members.length]!
      return timed('ssh', ['-F', '/dev/null', '-i', lab.clientKeyPath, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', `${m.target.user}@${m.target.address}`, '--', `psql -XAt -h /run/postgresql -p ${PORT} -d postgres -c 'SELECT 1'`])
    }))
    await sleep(Math.max(0, 1000 - (performance.now() - tick)))
  }
  const wall = performance.now() - t0
  const own = process.cpuUsage(c0)
  const childMs = childrenCpuMs() - cc0 + (own.user + own.system) / 1000
  console.log(`   baseline, bare script: ${n} × \`ssh … psql\` per second: ${((childMs / wall) * 100).toFixed(1)} % of a core on this side (ssh clients + spawning), ${(childMs / (n * (wall / 1000))).toFixed(2)} ms per member per second`)
}

async function faults(lab: Lab, c: LabCluster) {
  console.log(`\n3. down detection, ${FAULT_ROUNDS} rounds per fault (fault injected at a random point of the 1 s period; load avg ${load()})`)
  const dir = mkdtempSync(join(tmpdir(), 'rd-bench-faults-'))
  const ssh = service(lab, dir)
  const status = createStatusService({ ssh, source: postgresStatus, defaults: { periodMs: 1000 } })
  const input = c.input()
  await status.start(input)
  const stateOf = (name: string) => status.get(input.id).members.find((m) => m.name === name)!
  const waitState = async (name: string, state: string, timeoutMs: number) => {
    const t0 = performance.now()
    while (stateOf(name).state !== state) {
      if (performance.now() - t0 > timeoutMs) return undefined
      await sleep(5)
    }
    return performance.now()
  }
  await waitState('db3', 'up', 20_000)
  await waitState('db2', 'up', 20_000)
  const report: Record<string, { ours: number[]; back: number[]; bare: number[]; reasons: Set<string> }> = {}
  // a hung server: every process of the instance stopped (the postmaster alone is not enough,
  // its backends keep answering)
  const signal = (member: string, sig: 'STOP' | 'CONT') => c.run(member, ['sh', '-c', 'pm=$(head -n 1 "$1/postmaster.pid") && kill -s "$2" "$pm" $(pgrep -P "$pm")', 'sh', c.dataDir, sig], 'root')
  const runFault = async (what: 'kill' | 'cut' | 'hang', member: string, host: string) => {
    const r = (report[what] ??= { ours: [], back: [], bare: [], reasons: new Set() })
    const m = input.members.find((x) => x.name === member)!
    const bare = barePoller(lab, { host, user: m.target.user!, port: PORT, dataDir: m.dataDir! }, 1000, 2)
    await sleep(2500 + Math.random() * 1000)
    const t0 = performance.now()
    if (what === 'kill') await kill(host, lab)
    else if (what === 'cut') await cut(host, lab)
    else await signal(member, 'STOP')
    const downAt = await waitState(member, 'down', 15_000)
    if (downAt) r.ours.push(downAt - t0)
    r.reasons.add(stateOf(member).down?.code ?? '?')
    const bareDeadline = performance.now() + 8000
    while (!bare.firstFailureAfter(t0) && performance.now() < bareDeadline) await sleep(20)
    const bf = bare.firstFailureAfter(t0)
    if (bf) r.bare.push(bf - t0)
    bare.stop()
    let t1: number
    if (what === 'kill') {
      await restart(host, lab)
      t1 = performance.now()
      await c.start(member)
    } else if (what === 'cut') {
      t1 = performance.now()
      await heal(host, lab)
    } else {
      t1 = performance.now()
      await signal(member, 'CONT')
    }
    const upAt = await waitState(member, 'up', 20_000)
    if (upAt) r.back.push(upAt - t1)
    await resetHost(host, lab)
  }
  for (let i = 0; i < FAULT_ROUNDS; i++) {
    await runFault('kill', 'db3', 'host3')
    await runFault('cut', 'db2', 'host2')
    await runFault('hang', 'db3', 'host3')
  }
  for (const [what, r] of Object.entries(report)) {
    console.log(`   ${what}: ours down after ${r.ours.map(ms).join(', ')} (median ${ms(median(r.ours))}; reason ${[...r.reasons].join('/')})`)
    console.log(`   ${' '.repeat(what.length)}  bare poller (ssh … psql every 1 s, 2 s limit) down after ${r.bare.map(ms).join(', ')} (median ${ms(r.bare.length ? median(r.bare) : undefined)})`)
    console.log(`   ${' '.repeat(what.length)}  ours back ${r.back.map(ms).join(', ')} after ${{ kill: 'PostgreSQL started again on the rebooted host', cut: 'heal', hang: 'SIGCONT' }[what]}`)
  }
  await status.close()
  await ssh.close()
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
  if (lab.mode !== 'netns') throw new Error('this bench needs the netns lab (kill/cut and per-host PostgreSQL)')
  console.log(`lab ${lab.prefix} (${lab.mode}, ${lab.hosts.length} hosts), ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length} CPUs, load avg ${load()}, node ${process.version}`)
  const c = await makeLabCluster({ id: 'bench', port: PORT, hosts: ['host1', 'host2', 'host3'], names: ['db1', 'db2', 'db3'], base: '/var/lib/postgresql/rdstat-bench', logins: { host1: 'admin', host2: 'admin' }, settings: { max_connections: '500' } })
  try {
    await c.run('db1', [`${lab.pgBin}/pgbench`, '-h', '/run/postgresql', '-p', String(PORT), '-i', '-q', '-s', '1', 'postgres'])
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY.includes('oneshot')) await oneShot(lab, c)
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY.includes('instance')) await throughInstance(lab, c)
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY.includes('cpu')) await cpu(lab, c)
    if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY.includes('faults')) await faults(lab, c)
  } finally {
    for (const h of ['host1', 'host2', 'host3']) await resetHost(h, lab)
    await c.teardown()
    if (ours) await labDown()
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
