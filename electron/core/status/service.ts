// The status facade for the core: one collector per watched cluster, their events on one
// listener list, the last primary positions in the data dir. The engine's StatusSource reads
// the members (engines/engine.ts); nothing here knows a database.
import { EventEmitter } from 'node:events'
import { AppError } from '../../../shared/errors'
import { clusterId } from '../../../shared/clusters'
import type { ClusterStatus, SplitBrainEvent, StatusEvent, StatusHistory } from '../../../shared/status'
import type { StatusSource } from '../engines/engine'
import type { SshService } from '../ssh'
import { Collector } from './collector'
import { PositionStore, PositionWriter, type StoredPosition } from './positions'
import { settingsOf } from './settings'
import type { CollectorOptions, StatusClusterInput } from './types'

export type StatusServiceEvent = { name: 'statusChanged'; payload: StatusEvent } | { name: 'splitBrain'; payload: SplitBrainEvent }

export interface StatusServiceOptions {
  ssh: SshService
  /** The engine's sessions and samples (e.g. the PostgreSQL engine's `status`). */
  source: StatusSource
  /** Where primary-positions.json lives; without it nothing is persisted. */
  dataDir?: string
  /** Collector settings for every cluster (start() may override them). */
  defaults?: CollectorOptions
  /** Where a positions file it cannot read or write is said (the activity log); collection goes on. */
  log?: (message: string, error: unknown) => void
}

export interface StatusService {
  /** Starts (or restarts with the new members) the collection of a cluster; resolves with its first snapshot. */
  start(cluster: StatusClusterInput, options?: CollectorOptions): Promise<ClusterStatus>
  stop(cluster: string): Promise<void>
  /** The current snapshot (not_found when the cluster is not watched). */
  get(cluster: string): ClusterStatus
  /** Reads these members of a watched cluster (default: all) now rather than at the next tick; false when it is not watched. */
  readNow(cluster: string, members?: readonly string[]): boolean
  /** Lag history of the last `seconds`. */
  history(cluster: string, seconds: number): StatusHistory
  /** The persisted last primary position (also when the cluster is not watched). */
  lastPrimary(cluster: string): Promise<StoredPosition | null>
  watched(): string[]
  /** statusChanged and splitBrain events of every watched cluster; returns the unsubscribe. */
  onEvent(listener: (e: StatusServiceEvent) => void): () => void
  /** Counters of a collector (benches, diagnostics). */
  stats(cluster: string): Collector['stats'] & { historyBytes: number }
  close(): Promise<void>
}

export function validateCluster(c: StatusClusterInput): void {
  if (!clusterId.safeParse(c.id).success) throw new AppError('invalid_input', `"${String(c.id).slice(0, 80)}" is not a valid cluster id.`)
  if (!Array.isArray(c.members) || c.members.length === 0) throw new AppError('invalid_input', `Cluster ${c.id} has no members to watch.`)
  const seen = new Set<string>()
  for (const m of c.members) {
    if (seen.has(m.name)) throw new AppError('invalid_input', `Cluster ${c.id} has two members named ${m.name}.`)
    seen.add(m.name)
    if (!Number.isInteger(m.port) || m.port < 1 || m.port > 65535) throw new AppError('invalid_input', `Member ${m.name} of ${c.id} has an invalid port.`)
  }
}

export function createStatusService(o: StatusServiceOptions): StatusService {
  const collectors = new Map<string, Collector>()
  const seqs = new Map<string, number>()
  const events = new EventEmitter()
  events.setMaxListeners(0)
  const store = o.dataDir ? new PositionStore(o.dataDir) : null

  const collectorOf = (id: string): Collector => {
    const c = collectors.get(id)
    if (!c) throw new AppError('not_found', `Cluster ${id} is not being watched.`)
    return c
  }

  const stop = async (id: string) => {
    const c = collectors.get(id)
    if (!c) return
    collectors.delete(id)
    seqs.set(id, c.currentSeq)
    await c.stop()
  }

  return {
    async start(cluster, options) {
      validateCluster(cluster)
      await stop(cluster.id)
      const settings = settingsOf({ ...o.defaults, ...options })
      const stored = store ? await store.get(cluster.id).catch((err: unknown) => (o.log?.(`${cluster.id}: the last primary position could not be read, so a failover plan cannot bound the loss until status sees the primary again`, err), null)) : null
      const writer = store ? new PositionWriter(store, cluster.id, settings.positionWriteMs, (err) => o.log?.(`${cluster.id}: the primary's position could not be saved (status goes on; it is tried again)`, err)) : null
      const c = new Collector(cluster, settings, {
        ssh: o.ssh,
        source: cluster.source ?? o.source,
        sinks: {
          event: (payload) => events.emit('event', { name: 'statusChanged', payload }),
          splitBrain: (payload) => events.emit('event', { name: 'splitBrain', payload }),
        },
        positions: writer,
        seqStart: seqs.get(cluster.id) ?? 0,
        lastPrimary: stored ? { member: stored.member, lsn: stored.lsn, timeline: stored.timeline, at: stored.at } : null,
      })
      collectors.set(cluster.id, c)
      await c.start()
      return c.snapshot()
    },
    stop,
    get: (id) => collectorOf(id).snapshot(),
    readNow(id, members) {
      const c = collectors.get(id)
      c?.readNow(members)
      return !!c
    },
    history: (id, seconds) => collectorOf(id).readHistory(seconds),
    lastPrimary: async (id) => (store ? store.get(id) : null),
    watched: () => [...collectors.keys()],
    onEvent(listener) {
      events.on('event', listener)
      return () => events.off('event', listener)
    },
    stats: (id) => {
      const c = collectorOf(id)
      return { ...c.stats, historyBytes: c.historyBytes }
    },
    async close() {
      await Promise.all([...collectors.keys()].map(stop))
    },
  }
}
