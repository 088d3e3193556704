// Shared by switchover.bench.ts and failover.bench.ts (bench code, not a test): the lab, a
// three-member cluster made with the CLI, a running ReplicaDesk instance on its data dir with a
// warm WebSocket session from this process, the CLI as its own process, the write probe around
// one role change, what the servers say (read inside the hosts, no SSH), and the table.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { labDown, labUp, resetHost, statePath, type LabHost } from '../lab'
import { HeadlessServer } from '../fixtures/server'
import { cliEntry, repoRoot } from '../fixtures/paths'
import { describeReport, WriteProbe, type ProbeAccess, type Report } from '../probe'
import { cleanupDataDirs, cliLab, topology as topologyOf, waitFor as waitForValue, type CliLab } from '../support/cli/cli-lab'
import { connectInstance } from '../../electron/cli/remote'
import { followOperations } from '../../electron/cli/operation-output'
import type { CliSession } from '../../electron/cli/session'
import { readInstanceFile } from '../../electron/server/instance-file'
import { operationStartResult, type OperationSummary } from '../../shared/operations'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
export const median = (xs: number[]) => {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
export const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')
export const envNumber = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt)
export const envList = (name: string, dflt: string[]) => (process.env[name] ? process.env[name]!.split(',').map((s) => s.trim()).filter(Boolean) : dflt)

// ---- lab, build ---------------------------------------------------------------------------

/** The CLI and server as shipped (out/cli, out/server), built from this tree unless BENCH_NO_BUILD=1. */
export function buildNode() {
  if (process.env.BENCH_NO_BUILD === '1' && existsSync(cliEntry)) return
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-node.mjs')], { cwd: repoRoot, encoding: 'utf8', timeout: 180_000 })
  if (built.status !== 0) throw new Error(`build-node failed: ${built.stderr}`)
}

/** Uses the running lab of REPLICADESK_LAB_STATE if there is one, else brings one up (taken down by the returned function). */
export async function ensureLab(): Promise<() => Promise<void>> {
  if (existsSync(statePath())) return async () => undefined
  await labUp({ hosts: 3, log: () => undefined })
  return async () => void (await labDown())
}

// ---- processes --------------------------------------------------------------------------

export interface Timed {
  ms: number
  code: number
  out: string
  err: string
}

/** Spawns a process (never spawnSync: the probe lives on this event loop) and times it to its exit. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: repoRoot })
    let out = ''
    let err = ''
    c.stdout.on('data', (d) => (out += d))
    c.stderr.on('data', (d) => (err += d))
    c.on('error', reject)
    c.on('close', (code) => resolve({ ms: performance.now() - t0, code: code ?? -1, out, err }))
  })
}

/** `replicadesk ARGS --json --data-dir DIR` as its own process (node out/cli/index.mjs, as bin/replicadesk.mjs runs it). */
export async function cliProcess(dataDir: string, ...args: string[]): Promise<Timed & { summary?: OperationSummary }> {
  const r = await timed(process.execPath, [cliEntry, ...args, '--json', '--data-dir', dataDir])
  let summary: OperationSummary | undefined
  try {
    const v = JSON.parse(r.out) as OperationSummary
    if (v && typeof v === 'object' && 'steps' in v) summary = v
  } catch {
    /* not JSON: reported by the caller through code/err */
  }
  return { ...r, summary }
}

/** Node start-up alone, for scale beside the CLI process figures. */
export async function nodeStartup(n = 5): Promise<number> {
  const xs: number[] = []
  for (let i = 0; i < n; i++) xs.push((await timed(process.execPath, ['-e', '0'])).ms)
  return median(xs)
}

// ---- the cluster ------------------------------------------------------------------------

export const dirOf = (name: string) => `/var/lib/postgresql/15/${name}`

export interface Member {
  name: string
  /** The lab host it runs on (host1…). */
  host: LabHost
  /** Its host record in ReplicaDesk (h1…). */
  record: string
}

export interface RolesCluster {
  t: CliLab
  id: string
  sync: boolean
  members: Member[]
  member(name: string): Member
  replicationRole: string
}


let lab: CliLab | undefined
/** The CLI's test fixture once per process: a data dir that trusts the lab's host keys, hosts h1…h3 (login postgres). */
export async function cliFixture(): Promise<CliLab> {
  lab ??= await cliLab()
  return lab
}

/** Removes the fixture's temporary dir (its data dir, known_hosts). */
export async function cliFixtureRemove() {
  if (lab) await rm(dirname(lab.dataDir), { recursive: true, force: true })
  lab = undefined
}

/** A three-member cluster made as a user makes it: `cluster create` + 2 × `replica add` (all `--sync` for ANY 1). */
export async function makeCluster(t: CliLab, id: string, names: [string, string, string], sync: boolean): Promise<RolesCluster> {
  const members = names.map((name, i) => ({ name, host: t.hosts[i]!, record: `h${i + 1}` }))
  await cleanupDataDirs(t.hosts, names.map(dirOf))
  const flags = sync ? ['--sync'] : []
  const created = await t.cli('cluster', 'create', id, '--member', names[0], '--host', 'h1', '--pgdata', dirOf(names[0]), ...flags)
  if (created.code !== 0) throw new Error(`cluster create ${id}: ${created.err}`)
  for (const m of members.slice(1)) {
    const added = await t.cli('replica', 'add', id, m.name, '--host', m.record, '--pgdata', dirOf(m.name), ...flags)
    if (added.code !== 0) throw new Error(`replica add ${m.name}: ${added.err}`)
  }
  const record = (JSON.parse((await t.cli('cluster', 'list', '--json')).out) as { id: string; replicationRole: string }[]).find((c) => c.id === id)!
  return { t, id, sync, members, member: (n) => members.find((m) => m.name === n)!, replicationRole: record.replicationRole }
}

export async function dropCluster(c: RolesCluster) {
  await c.t.cli('cluster', 'forget', c.id)
  await cleanupDataDirs(c.t.hosts, c.members.map((m) => dirOf(m.name)))
}

export type Topology = Awaited<ReturnType<typeof topologyOf>>

/** Who accepts writes and who streams from it, read on the servers (inside the hosts, no SSH). */
export const topology = (c: RolesCluster) => topologyOf(c.members.map((m) => m.host), c.members.map((m) => m.name))

export const waitFor = async <T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000, everyMs = 50): Promise<T> => (await waitForValue(what, read, ok, timeoutMs, everyMs)).value

/** One primary, the two others streaming from it; returns the primary. */
export async function converged(c: RolesCluster, timeoutMs = 30_000): Promise<string> {
  const top = await waitFor(`cluster ${c.id} converged`, () => topology(c), (v) => v.primaries.length === 1 && v.streaming.length === c.members.length - 1, timeoutMs)
  return top.primaries[0]!
}

// ---- a running instance and a warm session to it -------------------------------------------

export interface Instance {
  server: HeadlessServer
  session: CliSession
  /** Starts an operation through the session and follows it to its end (as the CLI does, minus the process). */
  operation(method: string, input: Record<string, unknown>): Promise<{ summary: OperationSummary; ms: number; callMs: number; t0Wall: number }>
  call<T>(method: string, input: unknown): Promise<T>
  close(): Promise<void>
}

export async function startInstance(c: RolesCluster): Promise<Instance> {
  const server = await HeadlessServer.start(c.t.dataDir)
  const info = await readInstanceFile(c.t.dataDir)
  if (!info) throw new Error('the server wrote no instance file')
  const session = await connectInstance(info)
  const follow = followOperations(session, { isTerminal: false, write: () => undefined })
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const reply = await session.call(method, input)
    if (!reply.ok) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`)
    return reply.value as T
  }
  return {
    server,
    session,
    call,
    async operation(method, input) {
      const t0Wall = Date.now()
      const t0 = performance.now()
      const started = operationStartResult.parse(await call(method, input))
      if (started.dryRun) throw new Error(`${method} answered with a plan`)
      const callMs = performance.now() - t0
      const summary = await follow.wait(started.operation)
      return { summary, ms: performance.now() - t0, callMs, t0Wall }
    },
    async close() {
      follow.stop()
      await session.close()
      await server.stop()
    },
  }
}

/** Until status through the instance shows every member up and `primary` as the primary. */
export async function statusSettled(inst: Instance, c: RolesCluster, primary: string, timeoutMs = 30_000) {
  await waitFor(
    'status through the instance',
    () => inst.call<{ primary: string | null; members: { name: string; state: string }[] }>('status.get', { cluster: c.id }),
    (s) => s.primary === primary && s.members.every((m) => m.state === 'up'),
    timeoutMs,
    200,
  )
}

// ---- the write probe around one role change ------------------------------------------------

export interface Probed<T> {
  value: T
  report: Report
  probe: WriteProbe
  /** Anything the issue's rules forbid (lost, phantom, two writable): should stay empty. */
  problems: string[]
}

/**
 * The probe writes for ~warmMs, `body` runs (and returns the member that is primary after it),
 * then writes go on until that member acknowledged one and `afterMs` more; the report is read
 * on it. Ids are checked as the lab tests do, but reported, not thrown.
 */
export async function underProbe<T>(access: ProbeAccess, body: (probe: WriteProbe) => Promise<T & { newPrimary: string; t0: number }>, o: { warmMs?: number; afterMs?: number } = {}): Promise<Probed<T & { newPrimary: string; t0: number }>> {
  const probe = await WriteProbe.start({ members: access.members, password: access.password, writeTimeoutMs: 3000 })
  let value: T & { newPrimary: string; t0: number }
  try {
    await waitFor('probe acknowledgements', async () => probe.stats().acknowledged, (n) => n >= 5, 10_000, 10)
    await sleep(o.warmMs ?? 200)
    value = await body(probe)
    await waitFor(`a write acknowledged by ${value.newPrimary}`, async () => probe.firstAckAfter(value.newPrimary, value.t0), (v) => v !== undefined, 20_000, 10)
    await sleep(o.afterMs ?? 250)
  } finally {
    await probe.stop({ drainMs: 3500 })
  }
  const report = await probe.verify(value.newPrimary)
  const problems: string[] = []
  if (report.lost.length || report.phantom.length || report.overlaps.length || report.splits.length) problems.push(describeReport(report).replace(/\n/g, '; '))
  return { value, report, probe, problems }
}

// ---- operation step timings ----------------------------------------------------------------

/** Milliseconds per step (endedAt − startedAt), and the time before the first step / after the last, from `t0Wall` (Date.now() when the call was made) when given. */
export function stepTimes(s: OperationSummary, t0Wall?: number, endWall?: number): Record<string, number> {
  const out: Record<string, number> = {}
  const at = (x?: string) => (x ? Date.parse(x) : NaN)
  const first = s.steps.find((x) => x.startedAt)
  if (t0Wall !== undefined && first) out['(call → first step)'] = at(first.startedAt) - t0Wall
  for (const step of s.steps) if (step.startedAt && step.endedAt) out[step.id] = at(step.endedAt) - at(step.startedAt)
  // From a step's end to the next one's start: the journal write of "done", the next step's check.
  const ran = s.steps.filter((x) => x.startedAt && x.endedAt)
  out['(between steps, sum)'] = ran.slice(1).reduce((sum, x, i) => sum + at(x.startedAt) - at(ran[i]!.endedAt), 0)
  const last = [...s.steps].reverse().find((x) => x.endedAt)
  if (endWall !== undefined && last) out['(last step → seen ended)'] = endWall - at(last.endedAt)
  return out
}

export class StepStats {
  private readonly by = new Map<string, Map<string, number[]>>()
  add(key: string, times: Record<string, number>) {
    const m = this.by.get(key) ?? new Map<string, number[]>()
    this.by.set(key, m)
    for (const [k, v] of Object.entries(times)) if (Number.isFinite(v)) m.set(k, [...(m.get(k) ?? []), v])
  }
  lines(): string[] {
    return [...this.by].map(([key, m]) => `   ${key.padEnd(34)} ${[...m].map(([k, v]) => `${k} ${Math.round(median(v))}`).join(', ')}`)
  }
}

// ---- the table -------------------------------------------------------------------------------

export interface Row {
  mode: string
  figure: string
  xs: number[]
  /** The bare script's figures for the same thing (the ratio is median / median). */
  base?: number[]
  /** Target: the median must be under it. */
  target?: number
  /** For scale (other tools), printed beside the target. */
  scale?: string
}

const f0 = (x: number) => (Number.isFinite(x) ? `${Math.round(x)}` : '–')

/** `baseLabel`: what the ratio compares with (the bare script unless a bench says otherwise). */
export function printTable(title: string, rows: Row[], baseLabel = 'bare median') {
  const head = ['mode', 'figure (ms)', 'n', 'median', 'min', 'max', baseLabel, 'ratio', 'target', 'met', 'for scale']
  const body = rows.map((r) => {
    const m = median(r.xs)
    const b = r.base ? median(r.base) : NaN
    return [
      r.mode,
      r.figure,
      String(r.xs.length),
      f0(m),
      f0(r.xs.length ? Math.min(...r.xs) : NaN),
      f0(r.xs.length ? Math.max(...r.xs) : NaN),
      r.base ? f0(b) : '',
      r.base && Number.isFinite(m / b) ? `${(m / b).toFixed(2)}×` : '',
      r.target !== undefined ? `< ${Math.round(r.target)}` : '',
      r.target !== undefined && r.xs.length ? (m < r.target ? 'met' : 'NOT met') : '',
      r.scale ?? '',
    ]
  })
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const right = new Set([2, 3, 4, 5, 6, 7])
  const fmt = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()
  console.log(`\n${title}`)
  console.log(fmt(head))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  let lastMode = ''
  for (const [i, b] of body.entries()) {
    if (lastMode && rows[i]!.mode !== lastMode) console.log('')
    lastMode = rows[i]!.mode
    console.log(fmt(b))
  }
}

/** One line: every row with a target, its median against it. */
export function printVerdict(rows: Row[]) {
  const judged = rows.filter((r) => r.target !== undefined && r.xs.length)
  const line = judged.map((r) => `${r.mode} ${r.figure}: median ${Math.round(median(r.xs))} ms vs < ${Math.round(r.target!)} ms: ${median(r.xs) < r.target! ? 'met' : 'NOT met'}`)
  console.log(`\nTargets: ${line.join('; ') || 'none measured'}`)
}

// ---- what the instance ran over SSH (its activity log) -------------------------------------

interface Activity {
  host: string
  argv: string[]
  sudo?: boolean | string
  startedAt: string
  durationMs: number
  exitCode: number | null
  errorCode?: string
}

const short = (argv: string[]) => {
  const a = argv[0] === 'env' && argv[1] === '-C' ? argv.slice(3) : argv
  if (a[0] === 'sh' && a[1] === '-c') {
    const script = a[2] ?? ''
    const firstLine = script.split('\n').find((l) => l.trim() && !l.startsWith('set ')) ?? ''
    return `sh -c «${firstLine.trim().slice(0, 50)}» ${a.slice(4).join(' ').slice(0, 60)}`
  }
  if (/psql$/.test(a[0] ?? '')) {
    const sql = a.flatMap((x, i) => (a[i - 1] === '-c' ? [x.replace(/\s+/g, ' ')] : []))
    return `psql ${sql.map((s) => `«${s.slice(0, 60)}»`).join(' ')}`
  }
  return a.join(' ').slice(0, 100)
}

/** The remote commands the instance started from `fromWall` (Date.now()) on, with offsets and durations. */
export async function activityLines(inst: Instance, fromWall: number, toWall = Date.now()): Promise<string[]> {
  const list = await inst.call<Activity[]>('activity.list', { limit: 300 })
  return list
    .map((e) => ({ ...e, at: Date.parse(e.startedAt) }))
    .filter((e) => e.at >= fromWall - 2 && e.at <= toWall)
    .sort((x, y) => x.at - y.at)
    .map((e) => `     +${String(Math.round(e.at - fromWall)).padStart(4)} ms ${String(Math.round(e.durationMs)).padStart(4)} ms  ${e.host.replace(/^.*@/, '').padEnd(16)} ${e.exitCode ?? e.errorCode ?? '?'}  ${short(e.argv)}`)
}

/** A trivial call as its own CLI process through the running instance (`cluster list`): the CLI's fixed cost. */
export async function cliFixedCost(dataDir: string, n = 5): Promise<number> {
  const xs: number[] = []
  for (let i = 0; i < n; i++) {
    const r = await cliProcess(dataDir, 'cluster', 'list')
    if (r.code !== 0) throw new Error(`cluster list exited ${r.code}: ${r.err}`)
    xs.push(r.ms)
  }
  return median(xs)
}


/** After a run, whatever happened: hosts booted, probe access, bare connections, instance and cluster gone. */
export async function tearDownRun(c: RolesCluster, o: { access: ProbeAccess; bare: { close(): Promise<void> }; inst: Instance }) {
  const quiet = (what: string) => (e: Error) => console.log(`${what}: ${e.message}`)
  await Promise.all(c.members.map((m) => resetHost(m.host.name).catch(quiet(`reset ${m.host.name}`))))
  await o.access.teardown().catch(quiet('probe teardown'))
  await o.bare.close().catch(quiet('bare close'))
  await o.inst.close().catch(quiet('instance stop'))
  await dropCluster(c).catch(quiet('drop cluster'))
}
