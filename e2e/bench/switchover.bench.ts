// Switchover benchmark on the lab (prints numbers; not a test). Run: npx tsx e2e/bench/switchover.bench.ts
// Uses the running lab if there is one (REPLICADESK_LAB_STATE), otherwise brings one up and
// takes it down after. Builds out/ (the CLI and server as shipped) unless BENCH_NO_BUILD=1.
// For an asynchronous and a synchronous (ANY 1, every member --sync) three-member cluster made
// with the CLI, a running ReplicaDesk instance on its data dir, and the write probe (an id every
// 20 ms into whichever member is writable), switchovers there and back (m1 → m2 → m1), each
// round once per way of running it (the order rotates every round):
//   cli      `replicadesk switchover CLUSTER --to M --yes --json` as its own process through the
//            instance (node out/cli/index.mjs, what bin/replicadesk.mjs runs): wall time
//   session  the same call from a warm WebSocket session to the instance (this process), until
//            the operation is reported ended
//   bare     the same steps by a script over warm SSH (roles-bare.ts): the baseline
// Figures: write unavailability = the probe's longest gap between acknowledged writes; the
// whole command's time; the bare script's, and the ratios. No acknowledged write may be lost.
// Env: BENCH_ROUNDS (there-and-back rounds per way and mode, default 5), BENCH_MODES
// (async,sync), BENCH_METHODS (cli,session,bare).
import { setupProbe, type ProbeAccess } from '../probe'
import { Bare } from './roles-bare'
import { activityLines, buildNode, cliFixedCost, cliFixture, cliFixtureRemove, cliProcess, converged, ensureLab, envList, envNumber, load, makeCluster, nodeStartup, printTable, sleep, startInstance, statusSettled, stepTimes, StepStats, underProbe, type Instance, type RolesCluster, type Row, tearDownRun } from './roles-common'

const ROUNDS = envNumber('BENCH_ROUNDS', 5)
const MODES = envList('BENCH_MODES', ['async', 'sync'])
const METHODS = envList('BENCH_METHODS', ['cli', 'session', 'bare']) as Method[]
type Method = 'cli' | 'session' | 'bare'
const VERBOSE = process.env.BENCH_VERBOSE === '1'
/** The instance's remote commands of the last ReplicaDesk run per mode and way. */
const activity = new Map<string, string[]>()

const TARGET_GAP: Record<string, number> = { async: 400, sync: 600 }
const SCALE_GAP: Record<string, string> = { async: 'repmgr ~500, Patroni ~1360–1400, pg_auto_failover ~2000', sync: 'repmgr ~1880, Patroni ~1360–1400' }
const TARGET_TOTAL = 1500
const SCALE_TOTAL = 'repmgr ~6300, Patroni ~2600'

interface One {
  gap: number
  total: number
  /** The operation as journaled: first step started → last step ended. */
  journal?: number
  problems: string[]
  gapOdd?: string
}

async function main() {
  buildNode()
  const labDone = await ensureLab()
  const t = await cliFixture()
  const node = await nodeStartup()
  console.log(`switchover bench: lab ${t.lab.prefix} (${t.lab.mode}), ${ROUNDS} there-and-back rounds per way (${METHODS.join(', ')}) and mode (${MODES.join(', ')}); load avg ${load()}`)
  const rows: Row[] = []
  const steps = new StepStats()
  const notes: string[] = []
  let cliCost = NaN
  try {
    for (const mode of MODES) {
      const sync = mode === 'sync'
      const prefix = sync ? 'ss' : 'sa'
      const c = await makeCluster(t, sync ? 'sws' : 'swa', [`${prefix}1`, `${prefix}2`, `${prefix}3`], sync)
      const [a, b] = [c.members[0]!.name, c.members[1]!.name]
      await converged(c)
      const access = await setupProbe({ members: c.members.map((m) => ({ name: m.name, host: m.host.name, address: m.host.address, port: 5432 })), primary: a })
      const inst = await startInstance(c)
      const bare = new Bare(c)
      const res: Record<Method, One[]> = { cli: [], session: [], bare: [] }
      try {
        await statusSettled(inst, c, a)
        await bare.warm()
        if (Number.isNaN(cliCost)) cliCost = await cliFixedCost(c.t.dataDir)
        console.log(`\n[${mode}] cluster ${c.id}: ${c.members.map((m) => `${m.name}@${m.host.name}`).join(', ')}${sync ? ' (ANY 1 of the standbys)' : ''}; instance pid ${inst.server.running ? 'up' : 'down'} (load avg ${load()})`)
        for (let round = 0; round < ROUNDS; round++) {
          const order = METHODS.map((_, i) => METHODS[(i + round) % METHODS.length]!)
          for (const method of order) {
            for (const [from, to] of [[a, b], [b, a]] as const) {
              const r = await one(c, inst, bare, access, method, from, to, steps, mode)
              res[method].push(r)
              const line = `  round ${round + 1} ${method.padEnd(7)} ${from}→${to}: gap ${r.gap.toFixed(0)} ms, total ${r.total.toFixed(0)} ms${r.journal !== undefined ? ` (journal ${r.journal.toFixed(0)})` : ''}${r.gapOdd ? `  [${r.gapOdd}]` : ''}${r.problems.length ? `  PROBLEM: ${r.problems.join(' | ')}` : ''}`
              console.log(line)
              if (r.problems.length) notes.push(`[${mode}] ${method} ${from}→${to}: ${r.problems.join(' | ')}`)
            }
          }
        }
      } catch (err) {
        console.log(`[${mode}] stopped by an error (the figures so far follow): ${(err as Error).stack ?? String(err)}`)
        notes.push(`[${mode}] stopped: ${(err as Error).message}`)
      } finally {
        await tearDownRun(c, { access, bare, inst })
      }
      const pick = (m: Method, k: 'gap' | 'total' | 'journal') => res[m].map((x) => x[k]).filter((x): x is number => x !== undefined)
      const base = (k: 'gap' | 'total') => (METHODS.includes('bare') ? pick('bare', k) : undefined)
      if (METHODS.includes('cli')) rows.push({ mode, figure: 'write gap, via CLI process', xs: pick('cli', 'gap'), base: base('gap'), target: TARGET_GAP[mode], scale: SCALE_GAP[mode] })
      if (METHODS.includes('session')) rows.push({ mode, figure: 'write gap, via warm session', xs: pick('session', 'gap'), base: base('gap'), target: TARGET_GAP[mode], scale: SCALE_GAP[mode] })
      if (METHODS.includes('bare')) rows.push({ mode, figure: 'write gap, bare script', xs: pick('bare', 'gap'), target: TARGET_GAP[mode] })
      if (METHODS.includes('cli')) rows.push({ mode, figure: 'whole command, CLI process (wall)', xs: pick('cli', 'total'), base: base('total'), target: TARGET_TOTAL, scale: SCALE_TOTAL })
      if (METHODS.includes('session')) rows.push({ mode, figure: 'whole switchover, warm session', xs: pick('session', 'total'), base: base('total'), target: TARGET_TOTAL, scale: SCALE_TOTAL })
      if (METHODS.includes('session')) rows.push({ mode, figure: 'journal: first step → last step', xs: pick('session', 'journal'), base: base('total') })
      if (METHODS.includes('bare')) rows.push({ mode, figure: 'bare script, first command → all stream', xs: pick('bare', 'total') })
    }
  } finally {
    await cliFixtureRemove()
    await labDone()
  }
  printTable(`Switchover (${ROUNDS} there-and-back rounds per way; ratio = median / bare median; node start-up alone ${node.toFixed(0)} ms, a trivial CLI call through the instance ${cliCost.toFixed(0)} ms)`, rows)
  console.log('\nSteps, median ms (ReplicaDesk: from the journal, startedAt → endedAt; "call → first step" = service read of positions + lease; bare: each command):')
  for (const l of steps.lines()) console.log(l)
  console.log('\nRemote commands of the last ReplicaDesk run per mode and way (from the instance\'s activity log: start offset from the call, duration, host, exit, command):')
  for (const lines of activity.values()) console.log(lines.join('\n'))
  console.log(`\nload avg at the end ${load()} (2 cores; other work on the machine adds noise)`)
  if (notes.length) console.log(`\nPROBLEMS (issue rules broken):\n${notes.join('\n')}`)
  else console.log('No acknowledged write lost, nothing phantom, never two writable members, in every switchover above.')
}

async function one(c: RolesCluster, inst: Instance, bare: Bare, access: ProbeAccess, method: Method, from: string, to: string, steps: StepStats, mode: string): Promise<One> {
  let t0Wall = 0
  const probed = await underProbe(access, async () => {
    const t0 = performance.now()
    t0Wall = Date.now()
    if (method === 'cli') {
      const r = await cliProcess(c.t.dataDir, 'switchover', c.id, '--to', to, '--yes')
      if (r.code !== 0 || r.summary?.status !== 'succeeded') throw new Error(`switchover CLI exited ${r.code}: ${r.err || r.out}`)
      steps.add(`${mode} ReplicaDesk via CLI`, stepTimes(r.summary))
      return { newPrimary: to, t0, total: r.ms, journal: journalMs(r.summary) }
    }
    if (method === 'session') {
      const r = await inst.operation('cluster.switchover', { cluster: c.id, to, yes: true })
      if (r.summary.status !== 'succeeded') throw new Error(`switchover ${r.summary.status}: ${r.summary.error?.message}`)
      steps.add(`${mode} ReplicaDesk via session`, stepTimes(r.summary, r.t0Wall, r.t0Wall + r.ms))
      return { newPrimary: to, t0, total: r.ms, journal: journalMs(r.summary) }
    }
    const r = await bare.switchover(from, to)
    steps.add(`${mode} bare script`, r.steps)
    return { newPrimary: to, t0, total: r.ms, journal: undefined }
  })
  const g = probed.report.longestGap
  if (method !== 'bare') activity.set(`${mode} ${method}`, [`   ${mode}, ${method}, ${from}→${to}: longest write gap ${g ? `+${Math.round(g.from - probed.value.t0)} → +${Math.round(g.to - probed.value.t0)} ms` : 'none'}`, ...(await activityLines(inst, t0Wall, t0Wall + probed.value.total + 20))])
  if (VERBOSE && method !== 'bare') console.log(activity.get(`${mode} ${method}`)!.join('\n'))
  const primary = await converged(c)
  const problems = [...probed.problems]
  if (primary !== to) problems.push(`${primary} is primary, not ${to}`)
  await statusSettled(inst, c, to)
  await sleep(100)
  return {
    gap: g?.ms ?? NaN,
    total: probed.value.total,
    journal: probed.value.journal,
    problems,
    gapOdd: g && (g.fromMember !== from || g.toMember !== to) ? `longest gap ${g.fromMember}→${g.toMember}, not the switch` : undefined,
  }
}

const journalMs = (s: { steps: { startedAt?: string; endedAt?: string }[] }) => {
  const starts = s.steps.map((x) => (x.startedAt ? Date.parse(x.startedAt) : NaN)).filter(Number.isFinite)
  const ends = s.steps.map((x) => (x.endedAt ? Date.parse(x.endedAt) : NaN)).filter(Number.isFinite)
  return starts.length && ends.length ? Math.max(...ends) - Math.min(...starts) : undefined
}

await main()
process.exit(0)
