// The "available" policy for lost synchronous replicas, acted on by a running instance: when
// no standby can meet the synchronous setting for `afterS` seconds, relax it on the primary
// (writes go on; the record says since when, so the verdict and a failover's plan never claim
// "no loss" meanwhile) and say so; restore it the moment the standbys meet it again. A record
// left relaxed (an instance that stopped or slept) is restored by the next instance that runs,
// or stays shown as relaxed until it can be. Strict clusters are never touched (a relaxed one
// switched back to strict is restored too). Never while an operation runs on the cluster.
import type { PgCluster } from '../../../shared/postgres'
import type { ClusterStatus } from '../../../shared/status'
import type { ClustersStore } from './clusters-store'

export interface SyncGuardOptions {
  store: Pick<ClustersStore, 'find' | 'update'>
  snapshot(cluster: string): ClusterStatus | null
  busy(cluster: string): boolean
  /** The synchronous requirement the primary cannot meet now (engine), or undefined. */
  unmet(c: PgCluster, s: ClusterStatus): string | undefined
  relax(c: PgCluster, primary: string): Promise<string>
  restore(c: PgCluster, primary: string): Promise<boolean>
  log(message: string, err?: unknown): void
  changed(): void
  now?: () => number
}

export function createSyncGuard(o: SyncGuardOptions) {
  const now = o.now ?? Date.now
  /** Since when each cluster's synchronous setting has been unmet (this instance's view). */
  const unmetSince = new Map<string, number>()
  const busy = new Set<string>()

  async function check(id: string): Promise<void> {
    if (busy.has(id) || o.busy(id)) return
    const s = o.snapshot(id)
    const c = await o.store.find(id).catch((err: unknown) => {
      o.log(`${id}: cannot read the cluster records to check its synchronous replicas`, err)
      return null
    })
    // Patroni's own synchronous mode decides for a cluster handed over to it.
    if (!s || !c || !s.primary || c.automatic) return
    const unmet = o.unmet(c, s)
    if (!unmet) unmetSince.delete(id)
    else if (!unmetSince.has(id)) {
      unmetSince.set(id, now())
      // Status may not change while the replicas stay gone: look again when the wait is over.
      if (c.lostSync.policy === 'available' && !c.relaxedSince) setTimeout(() => void check(id), c.lostSync.afterS * 1000 + 20).unref?.()
    }
    busy.add(id)
    try {
      if (c.relaxedSince && !unmet) {
        if (await o.restore(c, s.primary)) {
          await o.store.update(id, (r) => r && (({ relaxedSince: _gone, ...rest }) => rest)(r))
          o.log(`${id}: the synchronous replicas stream again; synchronous replication restored on ${s.primary} (it was relaxed since ${c.relaxedSince}).`)
          o.changed()
        }
      } else if (!c.relaxedSince && unmet && c.lostSync.policy === 'available' && now() - unmetSince.get(id)! >= c.lostSync.afterS * 1000) {
        const value = await o.relax(c, s.primary)
        const since = new Date(now()).toISOString()
        await o.store.update(id, (r) => r && { ...r, relaxedSince: since })
        o.log(`${id}: ${unmet} for ${c.lostSync.afterS} s; synchronous replication relaxed on ${s.primary} ('${value}', policy "available"). Writes acknowledged from now may exist only on ${s.primary} until the replicas are back.`)
        o.changed()
      }
    } catch (err) {
      o.log(`${id}: could not ${c.relaxedSince ? 'restore' : 'relax'} synchronous replication; ReplicaDesk tries again on the next status change`, err)
    } finally {
      busy.delete(id)
    }
  }
  return { check }
}
