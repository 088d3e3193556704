// Service address benchmark (issue 18) on the lab (prints numbers; not a test).
// Run: npx tsx e2e/bench/address.bench.ts
// Uses the running lab if there is one (REPLICADESK_LAB_STATE), otherwise brings one up and
// takes it down after. Builds out/ (the CLI and server as shipped) unless BENCH_NO_BUILD=1.
// For an asynchronous and a synchronous (ANY 1, every member --sync) three-member cluster made
// with the CLI and given a service address (the lab subnet's .200; the sudo rule of
// electron/core/address written on each host first; a switchover there and back so the primary
// restarts listening on '*'), a running ReplicaDesk instance on its data dir (status every 1 s)
// and two write probes (an id every 20 ms): the per-host one (every member by its own address,
// writing into whichever is writable) and one whose only member is the service address, as an
// app connects. Rounds (the warm WebSocket session drives the instance):
//   failover    postmaster-kill or power-off of the primary, then `cluster.failover` (power-off:
//               once status shows the primary down, detection included); between rounds the
//               old primary's host comes back and the member rejoins
//   switchover  there and back (m1 → m2 → m1)
// Figures: per-host probe: fault → first write acknowledged by the new primary; address probe:
// fault → the end of its longest write gap, i.e. its first acknowledgement after the outage (it
// cannot tell which server answered; acknowledgements of commits in flight on the old primary
// right after the fault sit before the gap, not after it). Both probes' longest gaps too.
// Env: BENCH_ROUNDS (default 5), BENCH_MODES (async,sync), BENCH_FAULTS (postmaster-kill,power-off),
// BENCH_PARTS (failover,switchover).
import { exec, execOk } from '../lab'
import { arm, describeReport, faultKinds, setupProbe, WriteProbe, type FaultKind, type ProbeAccess, type Report } from '../probe'
import { SUDOERS_FILE, sudoersLine } from '../../electron/core/address'
import type { OperationSummary } from '../../shared/operations'
import { backToThree, waitDown } from './failover-rounds'
import { macOf, NeighWatch } from './neigh-watch'
import { buildNode, cliFixture, cliFixtureRemove, converged, dirOf, ensureLab, envList, envNumber, load, makeCluster, printTable, printVerdict, sleep, startInstance, statusSettled, stepTimes, StepStats, tearDownRun, waitFor, type Instance, type RolesCluster, type Row } from './roles-common'

const ROUNDS = envNumber('BENCH_ROUNDS', 5)
const MODES = envList('BENCH_MODES', ['async', 'sync'])
const FAULTS = faultKinds(envList('BENCH_FAULTS', ['postmaster-kill', 'power-off']))
const PARTS = envList('BENCH_PARTS', ['failover', 'switchover'])
/** The issue's targets: through the address within 100 ms of the per-host figure; switchover gap through it ≤ 400 ms (sync). */
const DELTA_TARGET = 100
const SWITCH_TARGET: Record<string, number | undefined> = { sync: 400 }
const incidents: string[] = []
/** The address probe's connect timeout (an app's connect_timeout); the probe's own default (500 ms) unless set. */
const APP_CONNECT_MS = process.env.BENCH_APP_CONNECT_MS ? Number(process.env.BENCH_APP_CONNECT_MS) : undefined

/** One mode's run: the cluster, the instance, the probes' access, the address and who watches its ARP entry here. */
interface Ctx {
  c: RolesCluster
  inst: Instance
  access: ProbeAccess
  vip: string
  mode: string
  neigh: NeighWatch
  /** Lab host name → MAC of its LAN interface. */
  macs: Map<string, string>
  steps: StepStats
  notes: string[]
}

interface Two {
  probe: WriteProbe
  app: WriteProbe
  report: Report
  appReport: Report
  newPrimary: string
  t0: number
  /** ms from t0 to the end of the operation's address step (journal), when it ran. */
  addressAt: number
  problems: string[]
}

async function main() {
  buildNode()
  const labDone = await ensureLab()
  const t = await cliFixture()
  const vip = t.hosts[0]!.address.replace(/\.\d+$/, '.200')
  console.log(`service address bench: lab ${t.lab.prefix} (${t.lab.mode}), address ${vip}, ${ROUNDS} rounds per fault (${FAULTS.join(', ')}) and mode (${MODES.join(', ')}), parts ${PARTS.join(', ')}; load avg ${load()}`)
  const rows: Row[] = []
  const steps = new StepStats()
  const notes: string[] = []
  try {
    for (const mode of MODES) {
      const sync = mode === 'sync'
      const p = sync ? 'vs' : 'va'
      const c = await makeCluster(t, sync ? 'vas' : 'vaa', [`${p}1`, `${p}2`, `${p}3`], sync)
      await converged(c)
      const setup = await withAddress(c, vip)
      const access = await setupProbe({ members: c.members.map((m) => ({ name: m.name, host: m.host.name, address: m.host.address, port: 5432 })), primary: c.members[0]!.name })
      const inst = await startInstance(c)
      const fo = new Map<FaultKind, Acc>()
      const sw = { hostGap: [] as number[], vipGap: [] as number[], addr: [] as number[], arp: [] as number[] }
      const macs = new Map(await Promise.all(c.members.map(async (m) => [m.host.name, await macOf(m.host.name, m.host.address)] as const)))
      const x: Ctx = { c, inst, access, vip, mode, neigh: new NeighWatch(vip), macs, steps, notes }
      try {
        await statusSettled(inst, c, c.members[0]!.name)
        console.log(`\n[${mode}] cluster ${c.id}: ${c.members.map((m) => `${m.name}@${m.host.name}`).join(', ')}${sync ? ' (ANY 1 of the standbys)' : ''}; ${setup}; MACs ${[...macs].map(([h, m]) => `${h} …${m.slice(-5)}`).join(', ')} (load avg ${load()})`)
        if (PARTS.includes('failover')) {
          for (const fault of FAULTS) {
            const acc: Acc = { perHost: [], vip: [], delta: [], hostGap: [], vipGap: [], addr: [], arp: [] }
            fo.set(fault, acc)
            for (let round = 0; round < ROUNDS; round++) await failoverRound(x, fault, round, acc)
          }
        }
        if (PARTS.includes('switchover')) {
          const a = await converged(c)
          const other = c.members.find((m) => m.name !== a)!.name
          for (let round = 0; round < ROUNDS; round++) {
            for (const to of [other, a]) {
              const r = await switchRound(x, to)
              sw.hostGap.push(r.hostGap)
              sw.vipGap.push(r.vipGap)
              sw.addr.push(r.addressAt)
              sw.arp.push(r.arpAt)
              console.log(`  [switchover] round ${round + 1} → ${to}: write gap per-host ${r.hostGap.toFixed(0)} ms, through ${vip} ${r.vipGap.toFixed(0)} ms (address on ${to}'s host at +${r.addressAt.toFixed(0)} ms, ARP here at +${r.arpAt.toFixed(0)} ms [${r.arp}], first ack through it after the gap at +${r.vipBack.toFixed(0)} ms)${r.problems.length ? `  PROBLEM: ${r.problems.join(' | ')}` : ''}`)
              if (r.problems.length) notes.push(`[${mode} switchover → ${to}] ${r.problems.join(' | ')}`)
            }
          }
        }
      } catch (err) {
        console.log(`[${mode}] stopped by an error (the figures so far follow): ${(err as Error).stack ?? String(err)}`)
        notes.push(`[${mode}] stopped: ${(err as Error).message}`)
      } finally {
        x.neigh.stop()
        await tearDownRun(c, { access, bare: { close: async () => undefined }, inst })
        await releaseEverywhere(c, vip)
      }
      for (const [fault, acc] of fo) {
        rows.push({ mode, figure: `${fault}: fault → first ack, per-host probe`, xs: acc.perHost })
        rows.push({ mode, figure: `${fault}: fault → first ack through the address`, xs: acc.vip, base: acc.perHost })
        rows.push({ mode, figure: `${fault}: address − per-host, per round`, xs: acc.delta, target: DELTA_TARGET, scale: 'within 100 ms of the per-host figure' })
        rows.push({ mode, figure: `${fault}: fault → address step ended (journal)`, xs: acc.addr })
        rows.push({ mode, figure: `${fault}: fault → ARP entry here names the new host`, xs: acc.arp })
        rows.push({ mode, figure: `${fault}: longest write gap, per-host probe`, xs: acc.hostGap })
        rows.push({ mode, figure: `${fault}: longest write gap through the address`, xs: acc.vipGap, base: acc.hostGap })
      }
      if (sw.vipGap.length) {
        rows.push({ mode, figure: 'switchover: call → address step ended (journal)', xs: sw.addr })
        rows.push({ mode, figure: 'switchover: call → ARP entry here names the new host', xs: sw.arp })
        rows.push({ mode, figure: 'switchover: write gap, per-host probe', xs: sw.hostGap })
        rows.push({ mode, figure: 'switchover: write gap through the address', xs: sw.vipGap, base: sw.hostGap, target: SWITCH_TARGET[mode], scale: SWITCH_TARGET[mode] ? '≤ 400 ms sync' : '' })
      }
    }
  } finally {
    await cliFixtureRemove()
    await labDone()
  }
  printTable(`Service address (${ROUNDS} rounds per fault${PARTS.includes('switchover') ? `; switchovers: ${ROUNDS} there and back` : ''}; address probe connect timeout ${APP_CONNECT_MS ?? 'the probe default, 500'} ms; ratio = median / the per-host probe's median)`, rows, 'per-host median')
  printVerdict(rows)
  console.log('\nSteps, median ms (journal startedAt → endedAt; "call → first step" = the service reads the servers and takes the lease):')
  for (const l of steps.lines()) console.log(l)
  console.log(`\nload avg at the end ${load()} (2 cores shared with other work: noisy)`)
  if (incidents.length) console.log(`\nREJOIN INCIDENTS (${incidents.length}):\n${incidents.join('\n')}`)
  if (notes.length) console.log(`\nPROBLEMS:\n${notes.join('\n')}`)
  else console.log('No acknowledged write lost where none may be (sync), nothing phantom, never two writable members, the address on the primary only, in every round above.')
}

// ---- the service address on the cluster ---------------------------------------------------

/** Lab hosts whose interfaces carry `vip` now (a powered-off host is not asked). */
const holders = async (c: RolesCluster, vip: string) => (await Promise.all(c.members.map(async (m) => ((await exec(m.host.name, ['ip', '-o', '-4', 'addr', 'show'], { timeoutMs: 3000 }).catch(() => ({ stdout: '' }))).stdout.includes(` ${vip}/`) ? m.host.name : null)))).filter((h): h is string => h !== null)

/** The sudo rule on every host, the address set with the CLI, a switchover there and back (the primary restarts listening on '*'). */
async function withAddress(c: RolesCluster, vip: string): Promise<string> {
  const t0 = performance.now()
  for (const m of c.members) await execOk(m.host.name, ['sh', '-c', 'printf "%s\\n" "$1" > "$2" && chmod 440 "$2"', 'sh', sudoersLine('postgres'), SUDOERS_FILE])
  const set = await c.t.cli('settings', c.id, '--service-address', vip, '--yes')
  if (set.code !== 0) throw new Error(`settings --service-address ${vip}: ${set.err}`)
  const setMs = performance.now() - t0
  for (const to of [c.members[1]!.name, c.members[0]!.name]) {
    const r = await c.t.cli('switchover', c.id, '--to', to, '--yes')
    if (r.code !== 0) throw new Error(`switchover to ${to}: ${r.err}`)
  }
  await converged(c)
  const held = await holders(c, vip)
  if (held.join() !== c.members[0]!.host.name) throw new Error(`${vip} is held by ${held.join(', ') || 'nobody'}, not ${c.members[0]!.host.name}`)
  return `address set in ${setMs.toFixed(0)} ms (CLI, standbys restarted), switchover there and back, held by ${held.join()}`
}

/** The address off every host, whatever the runs left (a killed host keeps its interfaces' configuration). */
async function releaseEverywhere(c: RolesCluster, vip: string) {
  const script = 'ip -o -4 addr show | while read -r _ dev _ cidr _; do [ "${cidr%/*}" = "$1" ] && ip -4 addr del "$cidr" dev "$dev"; done; rm -f "$2"; exit 0'
  await Promise.all(c.members.map((m) => exec(m.host.name, ['sh', '-c', script, 'sh', vip, SUDOERS_FILE]).catch((e: Error) => console.log(`release ${vip} on ${m.host.name}: ${e.message}`))))
}

// ---- two probes around one role change -------------------------------------------------------

/** Both probes write; `body` changes the primary; writes go on until the new primary acknowledged one on each probe. */
async function underTwo({ access, vip, mode }: Ctx, body: () => Promise<{ newPrimary: string; t0: number; addressAt: number }>): Promise<Two> {
  const probe = await WriteProbe.start({ members: access.members, password: access.password, writeTimeoutMs: 3000 })
  const app = await WriteProbe.start({ members: [{ name: 'vip', address: vip, port: 5432 }], password: access.password, writeTimeoutMs: 3000, ...(APP_CONNECT_MS !== undefined && { connectTimeoutMs: APP_CONNECT_MS }) })
  let v: { newPrimary: string; t0: number; addressAt: number }
  try {
    await waitFor('acknowledgements on both probes', async () => Math.min(probe.stats().acknowledged, app.stats().acknowledged), (n) => n >= 5, 10_000, 10)
    await sleep(200)
    v = await body()
    const first = await waitFor(`a write acknowledged by ${v.newPrimary}`, async () => probe.firstAckAfter(v.newPrimary, v.t0), (x) => x !== undefined, 20_000, 10)
    await waitFor(`a write through ${vip} after that`, async () => app.firstAckAfter('vip', first!.at), (x) => x !== undefined, 20_000, 10)
    await sleep(250)
  } finally {
    await Promise.all([probe.stop({ drainMs: 3500 }), app.stop({ drainMs: 3500 })])
  }
  const report = await probe.verify(v.newPrimary)
  const appReport = await app.verify('vip')
  const problems: string[] = []
  if (report.phantom.length || report.overlaps.length || report.splits.length || (mode === 'sync' && report.lost.length)) problems.push(`per-host: ${describeReport(report).replace(/\n/g, '; ')}`)
  if (appReport.phantom.length || (mode === 'sync' && appReport.lost.length)) problems.push(`through ${vip}: ${describeReport(appReport).replace(/\n/g, '; ')}`)
  return { probe, app, report, appReport, ...v, problems }
}

/** When the operation's address step ended, in ms after `t0Wall` (Date.now() at the fault or the call). */
const addressEnd = (s: OperationSummary, t0Wall: number) => {
  const end = s.steps.find((x) => x.id === 'address')?.endedAt
  return end ? Date.parse(end) - t0Wall : NaN
}

/** This machine's ARP entry for the address after t0 (first 6 changes; the MAC's last 5 characters name the host). */
const arpLine = (x: Ctx, t0: number) => x.neigh.since(t0).split(', ').slice(0, 6).join(', ')

type Acc = { perHost: number[]; vip: number[]; delta: number[]; hostGap: number[]; vipGap: number[]; addr: number[]; arp: number[] }

async function failoverRound(x: Ctx, fault: FaultKind, round: number, acc: Acc) {
  const { c, inst, vip, mode, steps, notes } = x
  const from = await converged(c)
  const armed = await arm(fault, c.member(from).host.name, dirOf(from))
  let detected = NaN
  const r = await underTwo(x, async () => {
    const t0 = performance.now()
    const t0Wall = Date.now()
    await armed.inject()
    if (fault === 'power-off') {
      await waitDown(inst, c, from)
      detected = performance.now() - t0
    }
    const op = await inst.operation('cluster.failover', { cluster: c.id, yes: true })
    if (op.summary.status !== 'succeeded') throw new Error(`failover ${op.summary.status}: ${op.summary.error?.message}`)
    steps.add(`${mode} ${fault} failover via session`, stepTimes(op.summary, op.t0Wall, op.t0Wall + op.ms))
    return { newPrimary: (op.summary.params as { to: string }).to, t0, addressAt: addressEnd(op.summary, t0Wall) }
  })
  const to = r.newPrimary
  const perHost = r.probe.firstAckAfter(to, r.t0)?.ms ?? NaN
  const gap = r.appReport.longestGap
  const vipFirst = gap ? gap.to - r.t0 : NaN
  const afterHost = r.app.firstAckAfter('vip', r.t0 + perHost)?.ms ?? NaN
  acc.perHost.push(perHost)
  acc.vip.push(vipFirst)
  acc.delta.push(vipFirst - perHost)
  acc.hostGap.push(r.report.longestGap?.ms ?? NaN)
  acc.vipGap.push(gap?.ms ?? NaN)
  acc.addr.push(r.addressAt)
  const arpAt = x.neigh.firstMac(r.t0, x.macs.get(c.member(to).host.name)!)
  acc.arp.push(arpAt)
  const problems = [...r.problems]
  if (gap && (gap.from > r.t0 + 100 || gap.to < r.t0)) problems.push(`the address probe's longest gap (+${Math.round(gap.from - r.t0)} → +${Math.round(gap.to - r.t0)} ms) is not the failover's`)
  const held = (await holders(c, vip)).filter((h) => h !== c.member(from).host.name)
  if (held.join() !== c.member(to).host.name) problems.push(`${vip} held by ${held.join(', ') || 'nobody'} (besides the old host), not ${c.member(to).host.name}`)
  const lost = mode === 'async' && (r.report.lost.length || r.appReport.lost.length) ? `  (async: lost ${r.report.lost.length} per-host, ${r.appReport.lost.length} through the address)` : ''
  console.log(`  [${fault}] round ${round + 1} ${from} → ${to}: first ack per-host ${perHost.toFixed(0)} ms, through ${vip} ${vipFirst.toFixed(0)} ms (Δ ${(vipFirst - perHost).toFixed(0)}; first address ack after the per-host one: +${afterHost.toFixed(0)} ms); gaps ${r.report.longestGap?.ms.toFixed(0)} / ${gap?.ms.toFixed(0)} ms; address on the new host at +${r.addressAt.toFixed(0)} ms, ARP here at +${arpAt.toFixed(0)} ms [${arpLine(x, r.t0)}]${Number.isFinite(detected) ? `; shown down at ${detected.toFixed(0)} ms` : ''}${lost}${problems.length ? `  PROBLEM: ${problems.join(' | ')}` : ''}`)
  if (problems.length) notes.push(`[${mode} ${fault} round ${round + 1}] ${problems.join(' | ')}`)
  await backToThree(c, inst, armed, from, to, { incidents })
  // The fence watcher takes the address off the old host once that is seen again.
  const back = await waitFor(`${vip} only on ${c.member(to).host.name}`, () => holders(c, vip), (h) => h.join() === c.member(to).host.name, 20_000, 100)
  if (back.length !== 1) notes.push(`[${mode} ${fault} round ${round + 1}] ${vip} held by ${back.join(', ')}`)
}

async function switchRound(x: Ctx, to: string) {
  const { c, inst, vip, mode, steps } = x
  const r = await underTwo(x, async () => {
    const t0 = performance.now()
    const op = await inst.operation('cluster.switchover', { cluster: c.id, to, yes: true })
    if (op.summary.status !== 'succeeded') throw new Error(`switchover ${op.summary.status}: ${op.summary.error?.message}`)
    steps.add(`${mode} switchover via session`, stepTimes(op.summary, op.t0Wall, op.t0Wall + op.ms))
    return { newPrimary: to, t0, addressAt: addressEnd(op.summary, op.t0Wall) }
  })
  const problems = [...r.problems]
  if (r.report.lost.length || r.appReport.lost.length) problems.push(`lost ${r.report.lost.length} per-host, ${r.appReport.lost.length} through the address`)
  const held = await holders(c, vip)
  if (held.join() !== c.member(to).host.name) problems.push(`${vip} held by ${held.join(', ') || 'nobody'}, not ${c.member(to).host.name}`)
  await statusSettled(inst, c, to)
  const g = r.appReport.longestGap
  const arpAt = x.neigh.firstMac(r.t0, x.macs.get(c.member(to).host.name)!)
  return { hostGap: r.report.longestGap?.ms ?? NaN, vipGap: g?.ms ?? NaN, addressAt: r.addressAt, arpAt, arp: arpLine(x, r.t0), vipBack: g ? g.to - r.t0 : NaN, problems }
}

await main()
process.exit(0)
