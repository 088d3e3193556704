// Live status for the core: which clusters are collected (the desktop app and headless collect
// every recorded cluster; a standalone CLI collects none and reads once when asked), a
// collection restarted when its cluster's members change, status events forwarded to the front
// ends, and the one way to ask for a cluster's current snapshot. How the status service is
// made (and what it reads members with) is the core's wiring: it is handed in.
import { isDeepStrictEqual } from 'node:util'
import { AppError } from '../../shared/errors'
import type { OperationSummary } from '../../shared/operations'
import type { ClusterRecord } from '../../shared/cluster-record'
import type { ClusterStatus } from '../../shared/status'
import type { CoreEvents } from './events'
import type { HostsStore } from './hosts/hosts-store'
import { targetOf } from './hosts/targets'
import type { Target } from './ssh'
import type { StatusClusterInput, StatusService } from './status'

interface LiveStatusOptions {
  service: StatusService
  /** The members of a cluster as status reads them, given each host record's SSH target. */
  membersOf(cluster: ClusterRecord, targetOf: (host: string) => Target): StatusClusterInput
  /** Status read once from the servers, without the service. */
  readOnce(cluster: StatusClusterInput): Promise<ClusterStatus>
  hosts: HostsStore
  events: CoreEvents
  /** Collect every recorded cluster; false: status is read once per call. */
  live: boolean
}

export type LiveStatus = ReturnType<typeof createLiveStatus>

export function createLiveStatus(o: LiveStatusOptions) {
  const { service } = o
  const inputOf = async (cluster: ClusterRecord) => {
    const all = await o.hosts.list()
    const byName = new Map(all.map((h) => [h.name, h]))
    return o.membersOf(cluster, (name) => {
      const h = byName.get(name)
      if (!h) throw new AppError('not_found', `Cluster ${cluster.id} names host "${name}", which is not a host record. Add it again.`)
      return targetOf(h, all)
    })
  }

  const stopEvents = service.onEvent((e) => (e.name === 'statusChanged' ? o.events.emit('statusChanged', e.payload) : o.events.emit('splitBrain', e.payload)))
  /** The members each collected cluster was started with: where they run, not their redundancy settings (a settings change does not restart collection); and whether it is handed over. */
  const collecting = new Map<string, unknown>()
  const placement = (c: ClusterRecord) => ({
    members: c.members.map(({ sync, priority, neverPromote, ...where }) => (void [sync, priority, neverPromote], where)),
    // Handed over or back: the collection restarts with (or without) the manager's view.
    automatic: ('automatic' in c && c.automatic) || null,
  })

  /** The live snapshot; null when the cluster is not collected or its collection has not started yet. */
  const snapshot = (id: string): ClusterStatus | null => {
    if (!collecting.has(id)) return null
    try {
      return service.get(id)
    } catch {
      return null // not started yet
    }
  }

  return {
    /** For what passes straight through: last primary positions, history, events. */
    service,
    snapshot,
    /**
     * An operation changed: once it succeeded, what it made or changed (a new replica, a
     * rejoined member, a new primary) is read now, not at the next poll or retry, so the page
     * does not keep "being created" for a member that runs.
     */
    afterOperation(op: Pick<OperationSummary, 'clusterId' | 'status'>): void {
      if (op.status === 'succeeded' && collecting.has(op.clusterId)) service.readNow(op.clusterId)
    },

    /** The live snapshot, else the servers read now. */
    read: async (cluster: ClusterRecord): Promise<ClusterStatus> => snapshot(cluster.id) ?? o.readOnce(await inputOf(cluster)),

    /** Follows the records: collection started for new clusters, restarted with new members, stopped for removed ones. */
    follow(clusters: readonly ClusterRecord[]): void {
      if (!o.live) return
      for (const c of clusters) {
        if (isDeepStrictEqual(collecting.get(c.id), placement(c))) continue
        collecting.set(c.id, placement(c))
        void inputOf(c)
          .then((input) => service.start(input))
          .catch(() => collecting.delete(c.id))
      }
      for (const id of collecting.keys()) {
        if (!clusters.some((c) => c.id === id)) {
          collecting.delete(id)
          void service.stop(id)
        }
      }
    },

    /** Stops forwarding events, then every collection. */
    async close(): Promise<void> {
      stopEvents()
      await service.close()
    },
  }
}
