// Redundancy settings benchmark (issue 16) on the lab (prints numbers; not a test).
// Run: npx tsx e2e/bench/settings.bench.ts
// Uses the running lab if there is one (REPLICADESK_LAB_STATE), otherwise brings one up and
// takes it down after. Builds out/ (the CLI and server as shipped) unless BENCH_NO_BUILD=1.
// A synchronous (ANY 1, every member --sync) three-member cluster made with the CLI, a running
// ReplicaDesk instance on its data dir (connections warm, status every 1 s), and:
//   mode     the synchronous method toggled ANY ↔ FIRST on 3 members, verified on all (the
//            operation's own verify step reads every member back), each round once per way:
//              session  `cluster.settings` { syncMethod, yes } from a warm WebSocket session,
//                       until the operation is reported ended
//              cli      `replicadesk settings CLUSTER --sync-method M --yes --json` as its own process
//              bare     the same SQL over warm SSH (roles-bare.ts): ALTER SYSTEM SET
//                       synchronous_standby_names + pg_reload_conf() on the 3 members, one after
//                       the other (no journal, no lease, no read first); then SHOW on each until
//                       the value is in effect (the read-back the operation's verify does)
//   restart  a restart-only setting (max_wal_senders + 1 each round) under the write probe: the
//            settings operation restarts the standbys one at a time and leaves the primary
//            pending; a switchover away from the primary restarts it (the third member); then a
//            plain switchover back, nothing pending: the baseline gap. The contract has no
//            maxWalSenders field (asked first, with dryRun); while it refuses it, the engine's
//            own settings operation runs in this process (e2e/support/postgres/lab-world:
//            real journal and lease, same SSH logins), not through the instance.
// Env: BENCH_ROUNDS (default 5), BENCH_PARTS (mode,restart), BENCH_METHODS (session,cli,bare).
import { exec } from '../lab'
import { setupProbe, type ProbeAccess } from '../probe'
import { makeWorld } from '../support/postgres/lab-world'
import type { PgCluster } from '../../shared/postgres'
import type { OperationSummary } from '../../shared/operations'
import { Bare } from './roles-bare'
import { buildNode, cliFixture, cliFixtureRemove, cliProcess, converged, ensureLab, envList, envNumber, load, makeCluster, median, printTable, printVerdict, startInstance, statusSettled, stepTimes, sleep, StepStats, underProbe, type Instance, type RolesCluster, type Row, tearDownRun } from './roles-common'

const ROUNDS = envNumber('BENCH_ROUNDS', 5)
const PARTS = envList('BENCH_PARTS', ['mode', 'restart'])
const METHODS = envList('BENCH_METHODS', ['session', 'cli', 'bare']) as Way[]
type Way = 'session' | 'cli' | 'bare'
const MODE_TARGET = 1000
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`

async function main() {
  buildNode()
  const labDone = await ensureLab()
  const t = await cliFixture()
  console.log(`settings bench: lab ${t.lab.prefix} (${t.lab.mode}), ${ROUNDS} rounds, parts ${PARTS.join(', ')}; load avg ${load()}`)
  const rows: Row[] = []
  const steps = new StepStats()
  const notes: string[] = []
  try {
    const c = await makeCluster(t, 'sts', ['st1', 'st2', 'st3'], true)
    await converged(c)
    const access = await setupProbe({ members: c.members.map((m) => ({ name: m.name, host: m.host.name, address: m.host.address, port: 5432 })), primary: 'st1' })
    const inst = await startInstance(c)
    const bare = new Bare(c)
    try {
      await statusSettled(inst, c, 'st1')
      await bare.warm()
      console.log(`\ncluster ${c.id}: ${c.members.map((m) => `${m.name}@${m.host.name}`).join(', ')} (ANY 1 of the standbys; load avg ${load()})`)
      if (PARTS.includes('mode')) rows.push(...(await modeRounds(c, inst, bare, steps)))
      if (PARTS.includes('restart')) rows.push(...(await restartRounds(c, inst, access, steps, notes)))
    } catch (err) {
      console.log(`stopped by an error (the figures so far follow): ${(err as Error).stack ?? String(err)}`)
      notes.push(`stopped: ${(err as Error).message}`)
    } finally {
      await tearDownRun(c, { access, bare, inst })
    }
  } finally {
    await cliFixtureRemove()
    await labDone()
  }
  printTable(`Redundancy settings on 3 members (${ROUNDS} rounds; ratio = median / the base median: the bare SQL for the mode change, a plain switchover for the restart)`, rows, 'base median')
  printVerdict(rows)
  console.log('\nSteps, median ms (journal startedAt → endedAt; "call → first step" = the service reads the servers and takes the lease):')
  for (const l of steps.lines()) console.log(l)
  console.log(`\nload avg at the end ${load()} (2 cores shared with other work: noisy)`)
  if (notes.length) console.log(`\nPROBLEMS:\n${notes.join('\n')}`)
  else console.log('No acknowledged write lost, nothing phantom, never two writable members, under every restart and switchover above.')
}

// ---- (a) the synchronous method, ANY ↔ FIRST -----------------------------------------------

const showOn = async (c: RolesCluster, member: string, sql: string) => (await exec(c.member(member).host.name, ['psql', '-X', '-At', '-h', '/var/run/postgresql', '-d', 'postgres', '-c', sql], { user: 'postgres', timeoutMs: 5000 })).stdout.trim()
const recordOf = async (inst: Instance, c: RolesCluster) => (await inst.call<PgCluster[]>('cluster.list', {})).find((x) => x.id === c.id)!
const flip = (m: string) => (m === 'ANY' ? 'FIRST' : 'ANY')

async function modeRounds(c: RolesCluster, inst: Instance, bare: Bare, steps: StepStats): Promise<Row[]> {
  const xs: Record<'session' | 'cli' | 'bareSet' | 'bareRead', number[]> = { session: [], cli: [], bareSet: [], bareRead: [] }
  for (let round = 0; round < ROUNDS; round++) {
    const order = METHODS.map((_, i) => METHODS[(i + round) % METHODS.length]!)
    for (const way of order) {
      if (way === 'bare') {
        // There and back, so the servers end as the record says (the next operation has work to do).
        for (let k = 0; k < 2; k++) {
          const r = await bareToggle(c, bare)
          xs.bareSet.push(r.set)
          xs.bareRead.push(r.verified)
          console.log(`  round ${round + 1} bare    ${r.to}: ALTER SYSTEM + reload on 3 ${r.set.toFixed(0)} ms, read back on 3 at ${r.verified.toFixed(0)} ms`)
        }
        continue
      }
      const to = flip((await recordOf(inst, c)).sync.method)
      const r = way === 'session' ? await inst.operation('cluster.settings', { cluster: c.id, syncMethod: to, yes: true }) : await cliProcess(c.t.dataDir, 'settings', c.id, '--sync-method', to, '--yes')
      const summary = r.summary
      if (summary?.status !== 'succeeded') throw new Error(`settings via ${way}: ${summary?.status}: ${summary?.error?.message ?? ('err' in r ? r.err : '')}`)
      steps.add(`mode change via ${way}`, 't0Wall' in r ? stepTimes(summary, r.t0Wall, r.t0Wall + r.ms) : stepTimes(summary))
      xs[way].push(r.ms)
      const seen = await Promise.all(c.members.map((m) => showOn(c, m.name, 'SHOW synchronous_standby_names')))
      const odd = seen.filter((v) => !v.startsWith(`${to} `))
      console.log(`  round ${round + 1} ${way.padEnd(7)} → ${to}: ${r.ms.toFixed(0)} ms${odd.length ? `  PROBLEM: servers show ${seen.join(' | ')}` : ''}`)
      if (odd.length) throw new Error(`after the settings operation the servers show ${seen.join(' | ')}`)
    }
  }
  const base = xs.bareSet.length ? xs.bareSet : undefined
  const rows: Row[] = []
  if (METHODS.includes('session')) rows.push({ mode: 'sync', figure: 'ANY↔FIRST on 3, verified, warm session', xs: xs.session, base, target: MODE_TARGET })
  if (METHODS.includes('cli')) rows.push({ mode: 'sync', figure: 'ANY↔FIRST on 3, verified, CLI process', xs: xs.cli, base, target: MODE_TARGET })
  if (base) rows.push({ mode: 'sync', figure: 'bare: ALTER SYSTEM + reload on 3 (sequential)', xs: xs.bareSet })
  if (base) rows.push({ mode: 'sync', figure: 'bare: the same + SHOW on 3 until in effect', xs: xs.bareRead, base })
  return rows
}

/** Every member's synchronous_standby_names with the other method, set by bare SQL over warm SSH, one member after the other, then read back. */
async function bareToggle(c: RolesCluster, bare: Bare): Promise<{ to: string; set: number; verified: number }> {
  const now = await Promise.all(c.members.map((m) => showOn(c, m.name, 'SHOW synchronous_standby_names')))
  const want = now.map((v) => v.replace(/^(ANY|FIRST)\b/, (m) => flip(m)))
  const t0 = performance.now()
  for (const [i, m] of c.members.entries()) await bare.psql(m, [`ALTER SYSTEM SET synchronous_standby_names = ${lit(want[i]!)}`, 'SELECT pg_reload_conf()'])
  const set = performance.now() - t0
  for (const [i, m] of c.members.entries()) {
    while ((await bare.psql(m, ['SHOW synchronous_standby_names'])) !== want[i]) if (performance.now() - t0 > 5000) throw new Error(`${m.name} never showed ${want[i]}`)
  }
  return { to: want[0]!.split(' ')[0]!, set, verified: performance.now() - t0 }
}

// ---- (b) a restart-only setting rolled over the 3 members ------------------------------------

async function restartRounds(c: RolesCluster, inst: Instance, access: ProbeAccess, steps: StepStats, notes: string[]): Promise<Row[]> {
  const rec = await recordOf(inst, c)
  // Does the contract take the setting? Asked as a plan only.
  const asked = await inst.session.call('cluster.settings', { cluster: c.id, maxWalSenders: rec.maxWalSenders + 1, dryRun: true })
  const viaInstance = asked.ok
  console.log(`\n  cluster.settings { maxWalSenders: ${rec.maxWalSenders + 1}, dryRun } through the instance: ${asked.ok ? 'accepted: the rounds go through the instance' : `refused (${asked.error.code}: ${asked.error.message.slice(0, 160)}); the rounds run the engine's settings operation in this process`}`)
  const w = await makeWorld(Object.fromEntries(c.members.map((m) => [m.host.name, 'postgres' as const])))
  // The engine in this process reaches members by lab host name (the instance by its host records).
  let cur = w.engine.parseCluster({ ...rec, members: rec.members.map((m) => ({ ...m, host: c.member(m.name).host.name })) }) as PgCluster
  const xs: Record<'standbys' | 'primary' | 'all' | 'plain' | 'op', number[]> = { standbys: [], primary: [], all: [], plain: [], op: [] }
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const primary = await converged(c)
      const other = c.members.find((m) => m.name !== primary)!.name
      const next = w.engine.parseCluster({ ...cur, maxWalSenders: cur.maxWalSenders + 1 }) as PgCluster
      const roll = await underProbe(access, async () => {
        const t0 = performance.now()
        const r = viaInstance ? await inst.operation('cluster.settings', { cluster: c.id, maxWalSenders: next.maxWalSenders, yes: true }) : await w.run(w.engine.applySettings({ cluster: next, previous: cur }))
        if (r.summary.status !== 'succeeded') throw new Error(`settings (max_wal_senders ${next.maxWalSenders}): ${r.summary.status}: ${r.summary.error?.message}`)
        steps.add(`max_wal_senders roll ${viaInstance ? 'via session' : 'in process'}`, stepTimes(r.summary))
        return { newPrimary: primary, t0, ms: r.ms, verify: 'events' in r ? lastMessage(r.events, 'verify') : '' }
      })
      cur = next
      const pending = await pendingOn(c)
      const finish = await switchover(inst, c, access, other, steps, 'switchover restarting the old primary')
      const after = await pendingOn(c)
      const plain = await switchover(inst, c, access, primary, steps, 'plain switchover back')
      const gap = roll.report.longestGap?.ms ?? NaN
      xs.standbys.push(gap)
      xs.primary.push(finish.gap)
      xs.all.push(Math.max(gap, finish.gap))
      xs.plain.push(plain.gap)
      xs.op.push(roll.value.ms)
      const problems = [...roll.problems, ...finish.problems, ...plain.problems]
      const wrong = after.filter((x) => x.value !== String(next.maxWalSenders) || x.pending)
      if (wrong.length) problems.push(`after the switchover max_wal_senders is ${after.map((x) => `${x.name} ${x.value}${x.pending ? ' (pending)' : ''}`).join(', ')}`)
      console.log(`  round ${round + 1} max_wal_senders ${next.maxWalSenders}: standbys rolled in ${roll.value.ms.toFixed(0)} ms, gap ${gap.toFixed(0)} ms [${pending.map((x) => `${x.name} ${x.value}${x.pending ? ' pending' : ''}`).join(', ')}]${roll.value.verify ? ` «${roll.value.verify}»` : ''}; switchover ${primary}→${other} gap ${finish.gap.toFixed(0)} ms; plain ${other}→${primary} gap ${plain.gap.toFixed(0)} ms${problems.length ? `  PROBLEM: ${problems.join(' | ')}` : ''}`)
      if (problems.length) notes.push(`[restart round ${round + 1}] ${problems.join(' | ')}`)
    }
  } finally {
    await w.close()
  }
  const target = median(xs.plain)
  const how = viaInstance ? 'via session' : 'engine in process'
  return [
    { mode: 'sync', figure: `roll, 2 standbys (settings op, ${how}): write gap`, xs: xs.standbys, base: xs.plain },
    { mode: 'sync', figure: 'roll, switchover restarting the primary: write gap', xs: xs.primary, base: xs.plain },
    { mode: 'sync', figure: 'roll of all 3 (the longer of the two): write gap', xs: xs.all, base: xs.plain, target, scale: 'target: the plain switchover\'s median gap' },
    { mode: 'sync', figure: 'plain switchover, nothing pending: write gap', xs: xs.plain },
    { mode: 'sync', figure: `settings op restarting 2 standbys (${how}): whole`, xs: xs.op },
  ]
}

const lastMessage = (events: { type: string; progress?: { stepId: string; message?: string } }[], stepId: string) => events.filter((e) => e.type === 'progress' && e.progress?.stepId === stepId).at(-1)?.progress?.message ?? ''

/** max_wal_senders as each member runs it, and whether a restart is pending for it. */
async function pendingOn(c: RolesCluster) {
  return Promise.all(
    c.members.map(async (m) => {
      const [value, pending] = (await showOn(c, m.name, "SELECT setting, pending_restart FROM pg_settings WHERE name = 'max_wal_senders'")).split('|')
      return { name: m.name, value: value ?? '', pending: pending === 't' }
    }),
  )
}

async function switchover(inst: Instance, c: RolesCluster, access: ProbeAccess, to: string, steps: StepStats, label: string) {
  const probed = await underProbe(access, async () => {
    const t0 = performance.now()
    const r = await inst.operation('cluster.switchover', { cluster: c.id, to, yes: true })
    if (r.summary.status !== 'succeeded') throw new Error(`${label} to ${to}: ${r.summary.status}: ${r.summary.error?.message}`)
    steps.add(label, stepTimes(r.summary as OperationSummary, r.t0Wall, r.t0Wall + r.ms))
    return { newPrimary: to, t0 }
  })
  if ((await converged(c)) !== to) probed.problems.push(`${to} is not the primary after the switchover`)
  await statusSettled(inst, c, to)
  await sleep(100)
  return { gap: probed.report.longestGap?.ms ?? NaN, problems: probed.problems }
}

await main()
process.exit(0)
