// Clusters: the records the core keeps (members and their settings, never who is primary),
// kept current by clustersChanged; what a host runs (cluster.detect: PostgreSQL, or MariaDB in
// mariaDetections), asked on demand; and
// the calls that start operations (create, add or remove a replica, switchover, failover,
// rejoin, fence), whose summaries go to the operations store at once so the panels show them
// before the first event. Role changes run only with yes: true, after the plan was shown.
import { defineStore } from 'pinia'
import { computed, onScopeDispose, reactive, ref, shallowRef } from 'vue'
import type { AutomaticInput, ClusterCreateInput, FailoverInput, FenceInput, RejoinInput, ReplicaAddInput, SettingsInput, SwitchoverInput } from '../../../shared/clusters'
import { AppError } from '../../../shared/errors'
import type { OperationStartResult } from '../../../shared/operations'
import type { PgCluster, PgDetection } from '../../../shared/postgres'
import { isMariaDb, isPostgres, type ClusterRecord } from '../../../shared/cluster-record'
import { mariaDetection, type MariaCluster, type MariaDetectionOutput } from '../../../shared/mariadb'
import { asAppError } from './errors'
import { useBridge } from './bridge'
import { loadOnEverySession } from './sessions'
import { useOperationsStore } from './operations'

const byId = (a: PgCluster, b: PgCluster) => a.id.localeCompare(b.id, undefined, { numeric: true, sensitivity: 'base' })

export interface Detection<R = PgDetection> {
  loading: boolean
  at?: string
  result?: R
  error?: AppError
}

export type MariaDetection = Detection<MariaDetectionOutput>

export const useClustersStore = defineStore('clusters', () => {
  const { client } = useBridge()
  const operations = useOperationsStore()

  const clusters = shallowRef<PgCluster[]>([])
  /** MariaDB clusters: shown by their own card (the PostgreSQL screens read `clusters`). */
  const mariaClusters = shallowRef<MariaCluster[]>([])
  const loaded = ref(false)
  const loadError = shallowRef<AppError | null>(null)
  /** What cluster.detect found, by host record name (the last answer; a new ask replaces it). */
  const detections = reactive(new Map<string, Detection>())
  /** What cluster.detect --engine mariadb found, by host record name, the same way. */
  const mariaDetections = reactive(new Map<string, MariaDetection>())
  const asks = new Map<string, number>()
  // Bumped by every authoritative list: a load that started before an event must not undo it.
  let generation = 0

  function setAll(list: ClusterRecord[]): void {
    generation++
    clusters.value = list.filter(isPostgres)
    mariaClusters.value = list.filter(isMariaDb).sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true, sensitivity: 'base' }))
    loaded.value = true
    loadError.value = null
  }

  onScopeDispose(client.on('clustersChanged', ({ clusters: list }) => setAll(list)))

  async function load(): Promise<void> {
    const started = generation
    try {
      const list = await client.cluster.list({})
      if (generation === started) setAll(list)
    } catch (err) {
      loadError.value = asAppError(err)
    }
  }

  loadOnEverySession(load)

  /** One engine's ask: only the latest ask per host and engine may write its answer. */
  async function ask<R>(host: string, engine: 'postgres' | 'mariadb', into: Map<string, Detection<R>>, check: (v: unknown) => R = (v) => v as R): Promise<R | null> {
    const key = `${engine}:${host}`
    const mine = (asks.get(key) ?? 0) + 1
    asks.set(key, mine)
    into.set(host, { loading: true, result: into.get(host)?.result })
    const settle = (d: Detection<R>) => {
      if (asks.get(key) === mine) into.set(host, d)
    }
    try {
      const result = check(await client.cluster.detect({ host, engine }))
      settle({ loading: false, at: new Date().toISOString(), result })
      return result
    } catch (err) {
      settle({ loading: false, at: new Date().toISOString(), error: asAppError(err) })
      return null
    }
  }

  /** Asks what PostgreSQL a host runs; resolves to the answer, or null when it failed (detections says why). */
  const detect = (host: string): Promise<PgDetection | null> => ask(host, 'postgres', detections as Map<string, Detection>)

  /** Asks what MariaDB a host runs (mariaDetections), the same way. */
  const detectMaria = (host: string): Promise<MariaDetectionOutput | null> =>
    ask(host, 'mariadb', mariaDetections as Map<string, MariaDetection>, (v) => {
      // The contract's output is either engine's: an answer that is not MariaDB's shape must not pass as one.
      const parsed = mariaDetection.safeParse(v)
      if (parsed.success) return parsed.data
      const issue = parsed.error.issues[0]
      throw new AppError('internal', `The core's answer about MariaDB on ${host} is not a MariaDB detection (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'wrong shape'}).`, parsed.error.issues)
    })

  function started(result: OperationStartResult): OperationStartResult {
    if (!result.dryRun) operations.put(result.operation)
    return result
  }

  /** cluster.create; with dryRun the plan, else the operation as it starts. Throws the core's refusal. */
  async function create(input: ClusterCreateInput): Promise<OperationStartResult> {
    return started(await client.cluster.create(input))
  }

  async function addReplica(input: ReplicaAddInput): Promise<OperationStartResult> {
    return started(await client.replica.add(input))
  }

  async function removeReplica(input: { cluster: string; name: string; deleteData: boolean; dryRun?: boolean }): Promise<OperationStartResult> {
    return started(await client.replica.remove(input))
  }

  /** cluster.switchover: with dryRun the plan (and its assessment); with yes the operation. */
  async function switchover(input: SwitchoverInput): Promise<OperationStartResult> {
    return started(await client.cluster.switchover(input))
  }

  async function failover(input: FailoverInput): Promise<OperationStartResult> {
    return started(await client.cluster.failover(input))
  }

  async function rejoin(input: RejoinInput): Promise<OperationStartResult> {
    return started(await client.cluster.rejoin(input))
  }

  async function fence(input: FenceInput): Promise<OperationStartResult> {
    return started(await client.cluster.fence(input))
  }

  /** cluster.settings: with dryRun the plan (and what changes, whether writes would wait); with yes the operation. */
  async function settings(input: SettingsInput): Promise<OperationStartResult> {
    return started(await client.cluster.settings(input))
  }

  /** cluster.automatic: hand over to Patroni + etcd (on) or take it back (off); with dryRun the plan, with yes the operation. */
  async function automatic(input: AutomaticInput): Promise<OperationStartResult> {
    return started(await client.cluster.automatic(input))
  }

  /** Drops the record; resolves with the hosts no other cluster uses now (their clean is offered). */
  async function forget(cluster: string): Promise<string[]> {
    const { cleanable } = await client.cluster.forget({ cluster })
    generation++
    clusters.value = clusters.value.filter((c) => c.id !== cluster)
    return cleanable
  }

  const sorted = computed(() => [...clusters.value].sort(byId))
  const count = computed(() => clusters.value.length)
  const named = (id: string): PgCluster | undefined => clusters.value.find((c) => c.id === id)
  /** The record of either engine (what both share: members, the fenced list). */
  const record = (id: string): ClusterRecord | undefined => named(id) ?? mariaClusters.value.find((c) => c.id === id)

  return { clusters, mariaClusters, sorted, count, loaded, loadError, detections, mariaDetections, load, detect, detectMaria, create, addReplica, removeReplica, switchover, failover, rejoin, fence, settings, automatic, forget, named, record }
})
