// Failover benchmark on the lab (prints numbers; not a test). Run: npx tsx e2e/bench/failover.bench.ts
// Uses the running lab if there is one (REPLICADESK_LAB_STATE), otherwise brings one up and
// takes it down after. Builds out/ (the CLI and server as shipped) unless BENCH_NO_BUILD=1.
// For an asynchronous and a synchronous (ANY 1, every member --sync) three-member cluster made
// with the CLI, a running ReplicaDesk instance on its data dir (connections warm, status
// collecting) and the write probe (an id every 20 ms into whichever member is writable): `kill`
// of the primary's host (every process, as a power cut), and right after it — no human, no
// wait for status to notice — the failover, started one of three ways (the order rotates
// every round):
//   session  `cluster.failover` from a warm WebSocket session to the instance (this process;
//            what the app's button does)
//   cli      `replicadesk failover CLUSTER --yes --json` as its own process through the instance
//   bare     the same steps by a script over warm SSH (roles-bare.ts): read the standbys'
//            received WAL, pg_promote the most advanced, re-point the other: the baseline
// Figure: kill → first write acknowledged by the new primary (probe.firstAckAfter). Between
// rounds the old primary's host restarts and the member rejoins (`cluster.rejoin`, pg_rewind).
// Env: BENCH_ROUNDS (rounds per way and mode, default 5), BENCH_MODES (async,sync),
// BENCH_METHODS (session,cli,bare).
import { exec, kill, restart } from '../lab'
import { setupProbe, type ProbeAccess } from '../probe'
import { Bare } from './roles-bare'
import { activityLines, buildNode, cliFixedCost, cliFixture, cliFixtureRemove, cliProcess, converged, ensureLab, envList, envNumber, load, makeCluster, median, nodeStartup, printTable, startInstance, statusSettled, stepTimes, StepStats, underProbe, type Instance, type RolesCluster, type Row, tearDownRun } from './roles-common'

const ROUNDS = envNumber('BENCH_ROUNDS', 5)
const MODES = envList('BENCH_MODES', ['async', 'sync'])
const METHODS = envList('BENCH_METHODS', ['session', 'cli', 'bare']) as Method[]
type Method = 'session' | 'cli' | 'bare'
const VERBOSE = process.env.BENCH_VERBOSE === '1'
/** The instance's remote commands of the last ReplicaDesk run per mode and way. */
const activity = new Map<string, string[]>()
/** Rejoins that succeeded but left the member not streaming (with what the instance did). */
const incidents: string[] = []

const TARGET: Record<string, number> = { async: 250, sync: 500 }
const SCALE: Record<string, string> = { async: 'repmgr promote+follow scripted ~255; Patroni 9–26 s; pg_auto_failover ~53 s', sync: 'repmgr promote+follow scripted ~1250' }

interface One {
  /** kill → first write acknowledged by the new primary. */
  firstAck: number
  /** kill → the failover command returned (operation reported ended / process exited / script done). */
  done: number
  killMs: number
  from: string
  to: string
  problems: string[]
}

async function main() {
  buildNode()
  const labDone = await ensureLab()
  const t = await cliFixture()
  const node = await nodeStartup()
  console.log(`failover bench: lab ${t.lab.prefix} (${t.lab.mode}), ${ROUNDS} rounds per way (${METHODS.join(', ')}) and mode (${MODES.join(', ')}); load avg ${load()}`)
  const rows: Row[] = []
  const steps = new StepStats()
  const notes: string[] = []
  let cliCost = NaN
  const rejoins: number[] = []
  const kills: number[] = []
  const fromReturned: string[] = []
  try {
    for (const mode of MODES) {
      const sync = mode === 'sync'
      const prefix = sync ? 'fs' : 'fa'
      const c = await makeCluster(t, sync ? 'fos' : 'foa', [`${prefix}1`, `${prefix}2`, `${prefix}3`], sync)
      await converged(c)
      const access = await setupProbe({ members: c.members.map((m) => ({ name: m.name, host: m.host.name, address: m.host.address, port: 5432 })), primary: c.members[0]!.name })
      const inst = await startInstance(c)
      const bare = new Bare(c)
      const res: Record<Method, One[]> = { session: [], cli: [], bare: [] }
      try {
        await statusSettled(inst, c, c.members[0]!.name)
        if (Number.isNaN(cliCost)) cliCost = await cliFixedCost(c.t.dataDir)
        console.log(`\n[${mode}] cluster ${c.id}: ${c.members.map((m) => `${m.name}@${m.host.name}`).join(', ')}${sync ? ' (ANY 1 of the standbys)' : ''} (load avg ${load()})`)
        for (let round = 0; round < ROUNDS; round++) {
          const order = METHODS.map((_, i) => METHODS[(i + round) % METHODS.length]!)
          for (const method of order) {
            const r = await one(c, inst, bare, access, method, steps, mode)
            res[method].push(r)
            kills.push(r.killMs)
            console.log(`  round ${round + 1} ${method.padEnd(7)} kill ${r.from}, → ${r.to}: first ack ${r.firstAck.toFixed(0)} ms after the kill, command done at ${r.done.toFixed(0)} ms${r.problems.length ? `  PROBLEM: ${r.problems.join(' | ')}` : ''}`)
            if (r.problems.length) notes.push(`[${mode}] ${method} kill ${r.from}: ${r.problems.join(' | ')}`)
            rejoins.push(await backToThree(c, inst, bare, r.from, r.to))
          }
        }
      } catch (err) {
        console.log(`[${mode}] stopped by an error (the figures so far follow): ${(err as Error).stack ?? String(err)}`)
        notes.push(`[${mode}] stopped: ${(err as Error).message}`)
      } finally {
        await tearDownRun(c, { access, bare, inst })
      }
      const pick = (m: Method, k: 'firstAck' | 'done') => res[m].map((x) => x[k])
      const base = (k: 'firstAck' | 'done') => (METHODS.includes('bare') ? pick('bare', k) : undefined)
      if (METHODS.includes('session')) rows.push({ mode, figure: 'kill → first ack, warm session', xs: pick('session', 'firstAck'), base: base('firstAck'), target: TARGET[mode], scale: SCALE[mode] })
      if (METHODS.includes('cli')) rows.push({ mode, figure: 'kill → first ack, CLI process', xs: pick('cli', 'firstAck'), base: base('firstAck'), target: TARGET[mode], scale: SCALE[mode] })
      if (METHODS.includes('bare')) rows.push({ mode, figure: 'kill → first ack, bare script', xs: pick('bare', 'firstAck'), target: TARGET[mode] })
      fromReturned.push(`${mode}: ${METHODS.map((m) => `${m} ${Math.round(median(res[m].map((x) => x.firstAck - x.killMs)))}`).join(', ')}`)
      if (METHODS.includes('session')) rows.push({ mode, figure: 'kill → operation ended, warm session', xs: pick('session', 'done'), base: base('done') })
      if (METHODS.includes('cli')) rows.push({ mode, figure: 'kill → CLI process exited', xs: pick('cli', 'done'), base: base('done') })
      if (METHODS.includes('bare')) rows.push({ mode, figure: 'kill → bare script done (standby streams)', xs: pick('bare', 'done') })
    }
  } finally {
    await cliFixtureRemove()
    await labDone()
  }
  printTable(`Failover after kill of the primary's host (${ROUNDS} rounds per way; ratio = median / bare median; node start-up alone ${node.toFixed(0)} ms, a trivial CLI call through the instance ${cliCost.toFixed(0)} ms)`, rows)
  console.log(`\nkill itself (every process of the host, inside the figures above): median ${median(kills).toFixed(0)} ms; rejoin between rounds (restart + rejoin + streaming): median ${(median(rejoins) / 1000).toFixed(1)} s`)
  console.log(`first ack measured from when kill returned (the host's processes all gone), medians ms: ${fromReturned.join('; ')}`)
  console.log('Steps, median ms (ReplicaDesk: from the journal, startedAt → endedAt; "call → first step" = the service reads every member, the dead one too, and takes the lease; bare: each command):')
  for (const l of steps.lines()) console.log(l)
  console.log('\nRemote commands of the last ReplicaDesk run per mode and way (from the instance\'s activity log: start offset from the kill, duration, host, exit, command):')
  for (const lines of activity.values()) console.log(lines.join('\n'))
  console.log(`\nload avg at the end ${load()} (2 cores; other work on the machine adds noise)`)
  if (incidents.length) console.log(`\nREJOIN INCIDENTS (${incidents.length}): a rejoin reported success, then the member did not stream; each was rejoined again:\n${incidents.join('\n')}`)
  if (notes.length) console.log(`\nPROBLEMS (issue rules broken):\n${notes.join('\n')}`)
  else console.log('No acknowledged write lost, nothing phantom, never two writable members, in every failover above.')
}

async function one(c: RolesCluster, inst: Instance, bare: Bare, access: ProbeAccess, method: Method, steps: StepStats, mode: string): Promise<One> {
  const from = await converged(c)
  const standbys = c.members.filter((m) => m.name !== from).map((m) => m.name)
  if (method === 'bare') await bare.warm(c.members.filter((m) => m.name !== from))
  let killMs = 0
  let t0Wall = 0
  const probed = await underProbe(access, async () => {
    const t0 = performance.now()
    t0Wall = Date.now()
    await kill(c.member(from).host.name)
    killMs = performance.now() - t0
    if (method === 'session') {
      const r = await inst.operation('cluster.failover', { cluster: c.id, yes: true })
      if (r.summary.status !== 'succeeded') throw new Error(`failover ${r.summary.status}: ${r.summary.error?.message}`)
      steps.add(`${mode} ReplicaDesk via session`, stepTimes(r.summary, r.t0Wall, r.t0Wall + r.ms))
      return { newPrimary: (r.summary.params as { to: string }).to, t0, done: performance.now() - t0 }
    }
    if (method === 'cli') {
      const r = await cliProcess(c.t.dataDir, 'failover', c.id, '--yes')
      if (r.code !== 0 || r.summary?.status !== 'succeeded') throw new Error(`failover CLI exited ${r.code}: ${r.err || r.out}`)
      steps.add(`${mode} ReplicaDesk via CLI`, stepTimes(r.summary))
      return { newPrimary: (r.summary.params as { to: string }).to, t0, done: performance.now() - t0 }
    }
    const r = await bare.failover(standbys)
    steps.add(`${mode} bare script`, r.steps)
    return { newPrimary: r.to, t0, done: performance.now() - t0 }
  })
  const to = probed.value.newPrimary
  if (method !== 'bare') activity.set(`${mode} ${method}`, [`   ${mode}, ${method}: kill of ${from}'s host from +0 to +${Math.round(killMs)} ms, first ack by ${to} at +${Math.round(probed.probe.firstAckAfter(to, probed.value.t0)?.ms ?? NaN)} ms`, ...(await activityLines(inst, t0Wall, t0Wall + probed.value.done + 20))])
  if (VERBOSE && method !== 'bare') console.log(activity.get(`${mode} ${method}`)!.join('\n'))
  const problems = [...probed.problems]
  const first = probed.probe.firstAckAfter(to, probed.value.t0)
  // Never a write acknowledged by the old primary after the kill.
  const late = probed.probe.attempts.filter((x) => x.member === from && x.outcome === 'acknowledged' && (x.doneAt ?? 0) > probed.value.t0 + killMs)
  if (late.length) problems.push(`${late.length} writes acknowledged by ${from} after the kill`)
  return { firstAck: first?.ms ?? NaN, done: probed.value.done, killMs, from, to, problems }
}

/** The old primary's host boots again; the member rejoins as a replica (pg_rewind) through the instance. Returns the time. */
async function backToThree(c: RolesCluster, inst: Instance, bare: Bare, old: string, primary: string): Promise<number> {
  const t0 = performance.now()
  await restart(c.member(old).host.name)
  const logFrom = inst.server.log.length
  const r = await inst.operation('cluster.rejoin', { cluster: c.id, member: old, yes: true })
  if (r.summary.status !== 'succeeded') throw new Error(`rejoin ${old}: ${r.summary.status}: ${r.summary.error?.message}`)
  let now: string
  try {
    now = await converged(c, 15_000)
  } catch (err) {
    // The rejoin said it streams, yet it does not: say what the instance did after it, then
    // take ReplicaDesk's own way back (rejoin again) and go on.
    const ended = r.t0Wall + r.ms
    const fenced = (await inst.call<{ id: string; fenced: string[] }[]>('cluster.list', {})).find((x) => x.id === c.id)?.fenced
    const lines = [
      `rejoin of ${old} succeeded (${Math.round(r.ms)} ms), yet: ${(err as Error).message}; record fenced: ${JSON.stringify(fenced)}`,
      '  instance log since the rejoin:',
      ...inst.server.log.slice(logFrom).map((l) => `    ${l}`),
      '  remote commands of the instance from the end of the rejoin on:',
      ...(await activityLines(inst, ended - 50)),
      `  last lines of ${old}'s server log:`,
      ...(await exec(c.member(old).host.name, ['tail', '-n', '25', `/var/log/postgresql/replicadesk-${old}.log`])).stdout.split('\n').map((l) => `    ${l}`),
    ]
    console.log(lines.join('\n'))
    incidents.push(lines.join('\n'))
    const again = await inst.operation('cluster.rejoin', { cluster: c.id, member: old, yes: true })
    if (again.summary.status !== 'succeeded') throw new Error(`rejoin ${old} again: ${again.summary.status}: ${again.summary.error?.message}`)
    now = await converged(c)
  }
  if (now !== primary) throw new Error(`after rejoin ${now} is primary, not ${primary}`)
  await statusSettled(inst, c, primary)
  await bare.warm()
  return performance.now() - t0
}

await main()
process.exit(0)
