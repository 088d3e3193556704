// Status read once (`replicadesk status CLUSTER --json` run cold): every member at the same
// time — SSH connect, the engine's session, one sample — plus one df per host alongside, then
// the same derivation as the live collector. Sessions are closed without waiting for the
// server's goodbye; the caller closes the SSH service when it is done.
import type { ClusterStatus, DiskStatus, MemberDown } from '../../../shared/status'
import type { MemberView, StatusMemberInput, StatusSession, StatusSource } from '../engines/engine'
import type { SshService } from '../ssh'
import { withOrigin } from '../activity/origin'
import { readAutomaticOnce } from './automatic-poller'
import { readDisk } from './disk'
import { EXPLAINED } from './explain'
import type { PositionStore } from './positions'
import { fromError } from './reasons'
import { validateCluster } from './service'
import { aliasesOf, deriveCluster, instanceKeyOf, nextSplitBrain } from './snapshot'
import type { StatusClusterInput } from './types'

export interface OneShotOptions<S = unknown> {
  /** The engine's sessions and samples (e.g. the PostgreSQL engine's `status`). */
  source: StatusSource<S>
  /** Per member: connect, login and answer (default 5 s). */
  timeoutMs?: number
  /** Read disk free too (one command per host, in parallel; default true). */
  disk?: boolean
  statementTimeoutMs?: number
  /** Record the primary position seen (and show the stored one when no primary answers). */
  positions?: PositionStore
  /** Where a positions file it cannot read or write is said (the activity log); the read goes on. */
  log?: (message: string, error: unknown) => void
  /** Timings of the phases, for benches. */
  timings?: Record<string, number>
}

type Mark = (k: string) => void

/** df of every host with known data dirs, in parallel; figures by member name. */
async function readDisks(ssh: SshService, cluster: StatusClusterInput, timeoutMs: number): Promise<Map<string, DiskStatus>> {
  const disks = new Map<string, DiskStatus>()
  const byHost = new Map<string, StatusMemberInput[]>()
  for (const m of cluster.members) {
    if (!m.dataDir) continue
    const key = `${m.target.user ?? ''}@${m.target.address}:${m.target.port ?? 22}`
    byHost.set(key, [...(byHost.get(key) ?? []), m])
  }
  await Promise.all(
    [...byHost.values()].map(async (ms) => {
      const found = await readDisk(ssh, ms[0]!.target, ms.map((m) => m.dataDir!), timeoutMs).catch(() => new Map<string, DiskStatus>())
      for (const m of ms) {
        const d = found.get(m.dataDir!)
        if (d) disks.set(m.name, d)
      }
    }),
  )
  return disks
}

/** One member: open, one sample, close (not waited for); a failure is its down reason. */
async function readMember<S>(ssh: SshService, m: StatusMemberInput, o: OneShotOptions<S>, timeoutMs: number, mark: Mark): Promise<MemberView<S>> {
  const who = { name: m.name, host: m.host, user: m.target.user }
  let sample: S | null = null
  let down: MemberDown | null = null
  let session: StatusSession<S> | undefined
  try {
    session = await o.source.open(ssh, m, { connectTimeoutMs: timeoutMs, statementTimeoutMs: o.statementTimeoutMs ?? 2000 })
    mark(`connected:${m.name}`)
    sample = await session.sample()
    mark(`answered:${m.name}`)
  } catch (err) {
    const r = fromError({ ...who, user: session?.user ?? who.user }, err, o.source)
    const since = new Date().toISOString()
    // As the live collector does: a stopped server is said so, with how its log ends.
    const better = o.source.explainDown && EXPLAINED.has(r.code) ? await o.source.explainDown(ssh, m, { down: r, since, dataDir: m.dataDir, last: null, timeoutMs }).catch(() => null) : null
    const d = better ?? r
    down = { code: d.code, reason: d.reason, since, ...(d.log && { log: d.log }) }
  } finally {
    void session?.close()
  }
  return {
    name: m.name,
    host: m.host,
    port: m.port,
    aliases: aliasesOf(m),
    instanceKey: instanceKeyOf(o.source, m),
    state: sample ? 'up' : 'down',
    down,
    sample,
    fresh: !!sample,
    disk: null,
  }
}

export function readStatusOnce<S>(ssh: SshService, cluster: StatusClusterInput, o: OneShotOptions<S>): Promise<ClusterStatus> {
  return withOrigin('status', () => readNow(ssh, cluster, o))
}

async function readNow<S>(ssh: SshService, cluster: StatusClusterInput, given: OneShotOptions<S>): Promise<ClusterStatus> {
  validateCluster(cluster)
  // A cluster of another engine brings its own source.
  const o = cluster.source ? { ...given, source: cluster.source as StatusSource<S> } : given
  const t0 = performance.now()
  const timeoutMs = o.timeoutMs ?? 5000
  const mark: Mark = (k) => void (o.timings && (o.timings[k] = Math.round((performance.now() - t0) * 10) / 10))

  const diskRead = (o.disk === false ? Promise.resolve(new Map<string, DiskStatus>()) : readDisks(ssh, cluster, timeoutMs)).then((disks) => {
    mark('disk')
    return disks
  })
  const automatic = cluster.automatic ? readAutomaticOnce(cluster.automatic) : undefined
  const views = await Promise.all(cluster.members.map((m) => readMember(ssh, m, o, timeoutMs, mark)))
  const disks = await diskRead
  for (const v of views) v.disk = disks.get(v.name) ?? null

  const now = new Date()
  const d = deriveCluster(o.source, views)
  let lastPrimary = d.position ? { ...d.position, at: now.toISOString() } : null
  if (o.positions) {
    if (lastPrimary) await o.positions.record(cluster.id, { ...lastPrimary, seenAt: now.toISOString() }).catch((err: unknown) => o.log?.(`${cluster.id}: the primary's position could not be saved`, err))
    else {
      const stored = await o.positions.get(cluster.id).catch((err: unknown) => (o.log?.(`${cluster.id}: the last primary position could not be read`, err), null))
      if (stored) lastPrimary = { member: stored.member, lsn: stored.lsn, timeline: stored.timeline, at: stored.at }
    }
  }
  mark('done')
  return {
    cluster: cluster.id,
    seq: 0,
    at: now.toISOString(),
    periodMs: 0,
    primary: d.primary,
    splitBrain: nextSplitBrain(null, d.writable, cluster.id, now),
    members: d.members,
    otherSlots: d.otherSlots,
    lastPrimary,
    ...(automatic && { automatic: await automatic }),
  }
}
