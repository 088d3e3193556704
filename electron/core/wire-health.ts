// The health verdict wired to this core: records and host labels from the stores, live status
// (or a read now), the PostgreSQL engine's survival numbers, host facts over the pooled SSH
// connections; recomputed on every status change and every record change, published as
// healthChanged, failures of the notification URL written to the activity log. Its history is
// kept as long as the lag history, by whoever collects status (a standalone CLI keeps none).
import { AppError } from '../../shared/errors'
import type { ActivityLog } from './activity'
import type { ServiceAddress } from './address'
import type { ClustersStore } from './clusters/clusters-store'
import type { HostExec } from './engines/host-exec'
import { survival, syncUnmet, type PostgresEngine } from './engines/postgres'
import type { SettingsDrift } from './engines/engine'
import type { CoreEvents } from './events'
import { cachedFor } from './health/cached'
import { hostFactsReader } from './health/host-facts'
import { createHealthService, type HealthService } from './health/service'
import type { HostsStore } from './hosts/hosts-store'
import type { LiveStatus } from './live-status'
import { capacityFor } from './status/history'
import { settingsOf } from './status/settings'
import type { PgCluster } from '../../shared/postgres'
import { isMariaDb } from '../../shared/cluster-record'
import type { MariaCluster } from '../../shared/mariadb'
import { MARIADB_ADVICE, mariaSurvival, mariaSyncUnmet } from './engines/mariadb/survival'

/** A MariaDB record as the verdict reads it: its lag is counted in transactions, not bytes, so no byte bound applies. */
type MariaHealthRecord = MariaCluster & { maxLagBytes: number }
type HealthCluster = PgCluster | MariaHealthRecord
const asHealthRecord = (c: PgCluster | MariaCluster): HealthCluster => (isMariaDb(c) ? { ...c, maxLagBytes: Number.MAX_SAFE_INTEGER } : c)

interface HealthWiring {
  store: ClustersStore
  hosts: HostsStore
  live: LiveStatus
  hostExec: HostExec
  events: CoreEvents
  activity: ActivityLog
  address: Pick<ServiceAddress, 'holders'>
  engine: Pick<PostgresEngine, 'readDrift'>
  /** Whether an operation runs on the cluster (its settings are in flux: no drift is claimed). */
  busy(cluster: string): boolean
}

/** Drift is read at most this often per cluster (one settings read per member). */
const DRIFT_EVERY_MS = 5000

/** Holders are read at most this often per cluster (the verdict is recomputed on every status change). */
const HOLDERS_EVERY_MS = 2000

export function wireHealth(w: HealthWiring) {
  // A cluster forgotten meanwhile has no verdict; a store error is the verdict's error.
  const recordOrNull = async (id: string) => {
    const c = await w.store.findAny(id)
    return c && asHealthRecord(c)
  }
  // A verdict computed from a kept read may be older than the change that prompted it (the
  // address moved by the step that also changed the status): one more computation once the kept
  // read expires, so the verdict settles on what the hosts say within the period.
  const trailing = new Map<string, NodeJS.Timeout>()
  const recomputeAfter = (id: string, ms: number) => {
    if (trailing.has(id)) return
    const t = setTimeout(() => {
      trailing.delete(id)
      if (w.live.service.watched().includes(id)) health.changed(id)
    }, ms + 50)
    t.unref?.()
    trailing.set(id, t)
  }
  const readHolders = cachedFor(
    HOLDERS_EVERY_MS,
    async ({ c, address }: { c: PgCluster; address: string }) => {
      const seen = await w.address.holders([...new Set(c.members.map((m) => m.host))], address)
      return { address, holders: seen.filter((h) => h.state === 'holds').map((h) => h.host), unknown: seen.filter((h) => h.state === 'unknown').map((h) => h.host) }
    },
    ({ c, address }) => `${c.id} ${address}`,
    { afterHit: ({ c }, ms) => recomputeAfter(c.id, ms) },
  )
  // A failed drift read claims nothing (undefined) and is kept like a good one: it is retried after the period.
  const readDrift = cachedFor(DRIFT_EVERY_MS, (c: PgCluster): Promise<SettingsDrift | undefined> => w.engine.readDrift(c).catch(() => undefined), (c) => c.id, {
    afterHit: (c, ms) => recomputeAfter(c.id, ms),
  })
  // The lag history's horizon and size (one row per status period): a verdict changes at most once per computation.
  const lag = settingsOf()
  const service = createHealthService({
    history: { seconds: lag.historySeconds, maxEntries: capacityFor(lag.historySeconds, lag.periodMs) },
    drift: async (c) => (w.busy(c.id) || isMariaDb(c) ? undefined : readDrift(c)),
    record: recordOrNull,
    status: async (id) => {
      const c = await recordOrNull(id)
      return c ? (w.live.snapshot(id) ?? (await w.live.read(c).catch(() => null))) : null
    },
    survival: (c, st) => (isMariaDb(c) ? mariaSurvival(c, st) : survival(c, st)),
    syncUnmet: (c, st) => (isMariaDb(c) ? mariaSyncUnmet(c, st) : syncUnmet(c, st)),
    dataDirs: (c) => {
      const byHost = new Map<string, Record<string, string>>()
      for (const m of c.members) byHost.set(m.host, { ...byHost.get(m.host), [m.name]: m.dataDir })
      return byHost
    },
    notifyUrl: (c) => c.notifyUrl,
    advice: (c) => (isMariaDb(c) ? MARIADB_ADVICE : undefined),
    addressHolders: async (c) => (!isMariaDb(c) && c.serviceAddress ? readHolders({ c, address: c.serviceAddress.address }) : undefined),
    // A store that cannot be read fails the verdict with the store's own error (file, what to do), never an empty list.
    domains: async () => new Map((await w.hosts.list()).map((h) => [h.name, h.failureDomain])),
    facts: hostFactsReader(w.hostExec),
    emit: (verdict, worse) => w.events.emit('healthChanged', { verdict, worse }),
    log: (message) => w.activity.notice('health', message),
  })
  const health: HealthService = {
    ...service,
    history: (id, seconds) => {
      if (!w.live.service.watched().includes(id)) throw new AppError('not_found', `Cluster ${id} is not being watched here: its verdict history is kept by a running ReplicaDesk (the desktop app or \`replicadesk serve\`) from when it starts watching the cluster.`)
      return service.history(id, seconds)
    },
  }
  const unsubscribe = w.live.service.onEvent((e) => {
    if (e.name === 'statusChanged' && e.payload.kind !== 'heartbeat') health.changed(e.payload.cluster)
  })
  const stop = () => {
    unsubscribe()
    for (const t of trailing.values()) clearTimeout(t)
    trailing.clear()
  }
  return { health, stop }
}
