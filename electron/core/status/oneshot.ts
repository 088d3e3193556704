// Status read once (`replicadesk status CLUSTER --json` run cold): every member at the same
// time — SSH connect, stream to the socket, login, the poll statement — plus one df per host
// alongside, then the same derivation as the live collector. Sessions are closed without
// waiting for the server's goodbye; the caller closes the SSH service when it is done.
import type { ClusterStatus, DiskStatus, MemberDown } from '../../../shared/status'
import type { SshService } from '../ssh'
import { derive, nextSplitBrain, type MemberView } from './derive'
import { readDisk } from './disk'
import type { PositionStore } from './positions'
import { parseSample, POLL_SQL, type RawSample } from './query'
import { fromError } from './reasons'
import { DbSession } from './session'
import { validateCluster } from './service'
import { socketPathOf, type StatusClusterInput, type StatusMemberInput } from './types'

export interface OneShotOptions {
  /** Per member: connect, login and answer (default 5 s). */
  timeoutMs?: number
  /** Read disk free too (one command per host, in parallel; default true). */
  disk?: boolean
  statementTimeoutMs?: number
  /** Record the primary position seen (and show the stored one when no primary answers). */
  positions?: PositionStore
  /** Timings of the phases, for benches. */
  timings?: Record<string, number>
}

export async function readStatusOnce(ssh: SshService, cluster: StatusClusterInput, o: OneShotOptions = {}): Promise<ClusterStatus> {
  validateCluster(cluster)
  const t0 = performance.now()
  const timeoutMs = o.timeoutMs ?? 5000
  const mark = (k: string) => o.timings && (o.timings[k] = Math.round((performance.now() - t0) * 10) / 10)

  const disks = new Map<string, DiskStatus>()
  const byHost = new Map<string, StatusMemberInput[]>()
  for (const m of cluster.members) {
    if (!m.dataDir || o.disk === false) continue
    const key = `${m.target.user ?? ''}@${m.target.address}:${m.target.port ?? 22}`
    byHost.set(key, [...(byHost.get(key) ?? []), m])
  }
  const diskRead = Promise.all(
    [...byHost.values()].map(async (ms) => {
      const found = await readDisk(ssh, ms[0]!.target, ms.map((m) => m.dataDir!), timeoutMs).catch(() => new Map<string, DiskStatus>())
      for (const m of ms) {
        const d = found.get(m.dataDir!)
        if (d) disks.set(m.name, d)
      }
    }),
  ).then(() => void mark('disk'))

  const views = await Promise.all(
    cluster.members.map(async (m): Promise<MemberView> => {
      const who = { name: m.name, host: m.host, user: m.target.user }
      let sample: RawSample | null = null
      let down: MemberDown | null = null
      let session: DbSession | undefined
      try {
        session = await DbSession.open(ssh, { target: m.target, socketPath: socketPathOf(m), connectTimeoutMs: timeoutMs, statementTimeoutMs: o.statementTimeoutMs ?? 2000 })
        mark(`connected:${m.name}`)
        sample = parseSample(await session.row(POLL_SQL))
        mark(`answered:${m.name}`)
      } catch (err) {
        const r = fromError({ ...who, user: session?.user ?? who.user }, err)
        down = { code: r.code, reason: r.reason, since: new Date().toISOString() }
      } finally {
        void session?.close()
      }
      return {
        name: m.name,
        host: m.host,
        port: m.port,
        aliases: [m.address, m.host, m.target.address].filter((x): x is string => !!x),
        instanceKey: `${m.target.address}:${m.target.port ?? 22}|${socketPathOf(m)}`,
        state: sample ? 'up' : 'down',
        down,
        sample,
        fresh: !!sample,
        disk: null,
      }
    }),
  )
  await diskRead
  for (const v of views) v.disk = disks.get(v.name) ?? null

  const now = new Date()
  const d = derive(views)
  let lastPrimary = d.position ? { ...d.position, at: now.toISOString() } : null
  if (o.positions) {
    if (lastPrimary) await o.positions.record(cluster.id, { ...lastPrimary, seenAt: now.toISOString() }).catch(() => {})
    else {
      const stored = await o.positions.get(cluster.id).catch(() => null)
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
  }
}
