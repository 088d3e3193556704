// Keeps fenced members fenced: a member the record marks fenced (a failover could not reach
// it) is stopped and fenced the moment status sees it accept writes again, and its fence files
// are written as soon as its host answers with the server stopped. Never waits for a poll
// loop of its own: it reacts to status events. Which members are fenced is fencing.ts.
import type { ClusterStatus } from '../../../shared/status'
import type { ClusterRecord } from '../../../shared/cluster-record'
import type { StatusServiceEvent } from '../status'
import { isFenced } from './fencing'

interface FenceWatcherOptions {
  /** The members the record marks fenced, as last published (memory, FenceMarks: asked on every status event). */
  fencedOf(id: string): readonly string[]
  /** The record as stored now (read only before acting). */
  cluster(id: string): Promise<ClusterRecord | null>
  snapshot(id: string): ClusterStatus | null
  /** An operation of this instance runs on the cluster (a fence, failover or rejoin does its own fencing). */
  busy(id: string): boolean
  /** Reads the member afresh and fences it as needed (following `upstream` when given); idempotent. */
  fence(cluster: ClusterRecord, member: string, upstream: string | null): Promise<'fenced' | 'files' | 'left'>
  /** Tells the user (activity log) what was done or what failed. */
  log(message: string, error?: unknown): void
}

export function createFenceWatcher(o: FenceWatcherOptions) {
  const busy = new Set<string>()
  /** Member keys fenced in their current down episode (not re-run on every status event). */
  const settled = new Set<string>()

  async function onStatus(clusterId: string): Promise<void> {
    const fenced = o.fencedOf(clusterId)
    // A member rejoined (unfenced) since: a later fence of it is a new episode.
    for (const key of settled) if (key.startsWith(`${clusterId}/`) && !fenced.includes(key.slice(clusterId.length + 1))) settled.delete(key)
    if (!fenced.length || o.busy(clusterId)) return
    const snap = o.snapshot(clusterId)
    if (!snap) return
    for (const name of fenced) {
      const m = snap.members.find((x) => x.name === name)
      if (!m) continue
      const key = `${clusterId}/${name}`
      const writableNow = m.state === 'up' && m.writable === true
      const stoppedOnLiveHost = m.state === 'down' && m.down?.code === 'not_running'
      if (!writableNow && !stoppedOnLiveHost) {
        if (m.state === 'up') settled.delete(key)
        continue
      }
      if (busy.has(key) || (stoppedOnLiveHost && settled.has(key))) continue
      busy.add(key)
      const upstream = snap.members.find((x) => x.name !== name && x.state === 'up' && x.writable === true)?.name ?? null
      try {
        // The record as stored: a rejoin may have ended (and unfenced it) since this event was made.
        const cluster = await o.cluster(clusterId)
        // Handed over to Patroni: its own fencing (the leader key) decides.
        if (!cluster || ('automatic' in cluster && cluster.automatic) || !isFenced(cluster, name) || o.busy(clusterId)) continue
        const done = await o.fence(cluster, name, upstream)
        if (done === 'left') continue
        settled.add(key)
        o.log(done === 'fenced' ? `${name} of ${clusterId} was fenced but accepted writes again: stopped and fenced` : `${name} of ${clusterId} is reachable again: fence written (it starts only as a standby)`)
      } catch (err) {
        o.log(`Could not fence ${name} of ${clusterId}; ReplicaDesk tries again on the next status change`, err)
      } finally {
        busy.delete(key)
      }
    }
  }
  /** For the status events: heartbeats change nothing; snapshots and diffs may show a fenced member back. */
  function onEvent(e: StatusServiceEvent): void {
    if (e.name === 'statusChanged' && e.payload.kind !== 'heartbeat') void onStatus(e.payload.cluster).catch((err: unknown) => o.log(`Could not check the fenced members of ${e.payload.cluster}`, err))
  }
  return { onStatus, onEvent }
}
