// What live status shows of a cluster handed over to Patroni (the status service's automatic
// part, read every few seconds, a few commands each time): Patroni's view (GET /cluster) asked
// of the member that answered last, and of every member at once when it does not answer soon —
// a powered-off host must not hold the page up for its SSH timeout, so the first answers win
// and a host whose last read has not ended is skipped — then, on the host that answered,
// etcd's health and leader, Patroni's dynamic configuration (every 30 s), and the reason Patroni
// could not replace a failed primary now (failover-blockers.ts).
import { z } from 'zod'
import { AppError } from '../../../../../shared/errors'
import type { AutomaticStatus } from '../../../../../shared/status'
import type { AutomaticStatusSource } from '../../engine'
import type { HostExec } from '../../host-exec'
import type { PgCluster } from '../model'
import { automaticOf, etcdClientUrl, localFirst, TIMINGS, votersOf } from './config'
import { describeExpectedFailover } from './failover-time'
import { failoverBlocker, type FailoverConfig } from './failover-blockers'
import { etcdctlArgv, httpGetOn, parseEtcdStatus, readClusterOn, readEtcdHealth, restUrl, type EtcdHealth, type PatroniStatus } from './status'

/** Between the end of one read and the start of the next (the page also reads at once when the members' polls see the primary change). */
export const AUTOMATIC_PERIOD_MS = 3000
/** REST calls are bounded at 3 s and etcdctl at 2 s; a read past this is shown as failed. */
export const AUTOMATIC_TIMEOUT_MS = 8000
/** After the first member answered, how long the others may still answer (to tell a stale view). */
const GRACE_MS = 400
/** The member that answered last is asked alone first; past this, every member is asked too. */
const PREFERRED_MS = 1500
const CONFIG_EVERY_MS = 30_000

type View = Omit<PatroniStatus, 'readFrom' | 'etcd'>
type Answer = { member: string; host: string; view: View }

/** What one source keeps between reads: hosts whose last call still runs, who answered last, the dynamic configuration and when it was read. */
export interface ReaderMemory {
  busy: Set<string>
  preferred?: string
  config?: { value: FailoverConfig | null; at: number }
}

/** The status service's source for a handed-over cluster. */
export function patroniStatusSource(hosts: HostExec, c: PgCluster): AutomaticStatusSource {
  const memory: ReaderMemory = { busy: new Set() }
  return {
    manager: 'Patroni',
    store: 'etcd',
    periodMs: AUTOMATIC_PERIOD_MS,
    timeoutMs: AUTOMATIC_TIMEOUT_MS,
    read: () => readAutomaticStatus(hosts, c, memory),
  }
}

/** One reading; rejects naming every member's failure when no Patroni answered. */
export async function readAutomaticStatus(hosts: HostExec, c: PgCluster, memory: ReaderMemory = { busy: new Set() }): Promise<AutomaticStatus> {
  const { answers, failures } = await askMembers(hosts, c, memory)
  const chosen = pick(answers)
  if (!chosen) throw new AppError('command_failed', `No member of ${c.id} answered for Patroni: ${failures.join(' ')}`)
  memory.preferred = chosen.member
  const [etcd, config] = await Promise.all([readEtcd(hosts, c, chosen.host), configOf(hosts, c, chosen.member, memory)])
  const v = chosen.view
  return {
    manager: 'Patroni',
    store: 'etcd',
    readFrom: chosen.host,
    leader: v.leader,
    paused: v.paused,
    members: v.members.map((m) => ({ name: m.name, role: m.role, state: m.state, timeline: m.timeline ?? null, lagBytes: m.lagBytes ?? null, pendingRestart: m.pendingRestart, noFailover: m.noFailover === true })),
    consensus: etcd && { voters: etcd.voters, up: etcd.up, down: etcd.down, leader: etcd.leader ?? null, quorum: etcd.quorum ?? true },
    cannotFailover: failoverBlocker({ leader: v.leader, paused: v.paused, members: v.members, etcd, config: config ?? { synchronousMode: c.members.some((m) => m.sync) } }),
    expectedFailover: config?.timings ? describeExpectedFailover(config.timings) : null,
    error: null,
  }
}

/**
 * GET /cluster: of the member that answered last time first (one command per read); when it has
 * not answered within PREFERRED_MS, of every other member at once too, and then the answers in
 * once all ended or GRACE_MS after the first.
 */
async function askMembers(hosts: HostExec, c: PgCluster, memory: ReaderMemory): Promise<{ answers: Answer[]; failures: string[] }> {
  const answers: Answer[] = []
  const failures: string[] = []
  let first: () => void = () => undefined
  const firstAnswer = new Promise<void>((res) => (first = res))
  const ask = async (m: PgCluster['members'][0]) => {
    if (memory.busy.has(m.host)) return void failures.push(`${m.host}: its last read has not ended (host down or slow).`)
    memory.busy.add(m.host)
    try {
      answers.push({ member: m.name, host: m.host, view: await readClusterOn(hosts, c, m.name) })
      first()
    } catch (e) {
      failures.push((e as Error).message)
    } finally {
      memory.busy.delete(m.host)
    }
  }
  const preferred = c.members.find((m) => m.name === memory.preferred)
  const asked = preferred ? [ask(preferred)] : []
  if (preferred) await Promise.race([asked[0], sleep(PREFERRED_MS)])
  if (answers.length === 0) {
    asked.push(...c.members.filter((m) => m !== preferred).map(ask))
    const settled = Promise.all(asked)
    await Promise.race([settled, firstAnswer])
    await Promise.race([settled, sleep(GRACE_MS)])
  }
  // In member order, so the same member's answer is used from one read to the next (no churn).
  const order = (x: Answer) => c.members.findIndex((m) => m.name === x.member)
  return { answers: [...answers].sort((a, b) => order(a) - order(b)), failures: [...failures] }
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

/** The dynamic configuration, read again every CONFIG_EVERY_MS (it changes only through PATCH /config). */
async function configOf(hosts: HostExec, c: PgCluster, member: string, memory: ReaderMemory): Promise<FailoverConfig | null> {
  if (memory.config && memory.config.value && Date.now() - memory.config.at < CONFIG_EVERY_MS) return memory.config.value
  const value = await readConfig(hosts, c, member)
  memory.config = { value, at: Date.now() }
  return value
}

/** The view most members agree on (a cut-off host's Patroni may still see an old leader); ties: member order. */
export function pick(answers: readonly Answer[]): Answer | undefined {
  const votes = new Map<string, number>()
  for (const a of answers) votes.set(String(a.view.leader), (votes.get(String(a.view.leader)) ?? 0) + 1)
  const best = (a: Answer) => (a.view.leader === null ? 0 : 1000) + (votes.get(String(a.view.leader)) ?? 0)
  return [...answers].sort((a, b) => best(b) - best(a))[0]
}

/**
 * etcd asked from `host` (null: etcdctl could not run there): `endpoint health` (a linearizable
 * read: fails on every voter without a majority) says whether etcd has a quorum, `endpoint
 * status` which voters' etcd answers at all and who leads; up = answering.
 */
async function readEtcd(hosts: HostExec, c: PgCluster, host: string): Promise<EtcdHealth | null> {
  const voters = votersOf(c, automaticOf(c))
  // The local voter first: etcdctl's client dials its first endpoint before anything else, and a
  // powered-off voter there (packets dropped, not refused) would fail the whole command.
  const endpoints = `--endpoints=${localFirst(voters, host).map(etcdClientUrl).join(',')}`
  const argv = etcdctlArgv(c, 2, 'endpoint', 'status', '-w', 'json').map((a) => (a.startsWith('--endpoints=') ? endpoints : a))
  const status = hosts
    .exec(host, argv, { sudo: 'postgres', timeoutMs: 12_000, okExitCodes: Array.from({ length: 256 }, (_, i) => i) })
    .then((r) => parseEtcdStatus(r.stdout, voters), () => null)
  const [health, seen] = await Promise.all([readEtcdHealth(hosts, c, host).catch(() => null), status])
  if (!health) return null
  const up = voters.map((v) => v.name).filter((n) => health.up.includes(n) || seen?.answering.includes(n))
  return { voters: health.voters, up, down: health.down.filter((d) => !up.includes(d.name)), leader: seen?.leader ?? null, quorum: health.up.length > 0 }
}

const dynamicConfig = z.object({
  failsafe_mode: z.boolean().optional(),
  synchronous_mode: z.boolean().optional(),
  maximum_lag_on_failover: z.number().optional(),
  ttl: z.number().optional(),
  loop_wait: z.number().optional(),
  retry_timeout: z.number().optional(),
})

/** The parts of Patroni's dynamic configuration the reasons need (null: not read now). */
async function readConfig(hosts: HostExec, c: PgCluster, member: string): Promise<FailoverConfig | null> {
  const m = c.members.find((x) => x.name === member)!
  const r = await httpGetOn(hosts, m.host, restUrl(m.address, automaticOf(c).restApiPort, '/config')).catch(() => undefined)
  if (r?.status !== 200) return null
  try {
    const d = dynamicConfig.parse(JSON.parse(r.body))
    const timings = { ttl: d.ttl ?? TIMINGS.ttl, loop_wait: d.loop_wait ?? TIMINGS.loop_wait, retry_timeout: d.retry_timeout ?? TIMINGS.retry_timeout }
    return { failsafeMode: d.failsafe_mode === true, synchronousMode: d.synchronous_mode === true, timings, ...(d.maximum_lag_on_failover !== undefined && { maximumLagOnFailover: d.maximum_lag_on_failover }) }
  } catch {
    return null
  }
}
