// The PostgreSQL engine: detection, the host test's probe, live status (status/), and the
// cluster operations as kinds for the operations runner. Build one per app with the app's
// HostExec; register `kinds` with createOperations.
import { defineOperationKind, type OperationDefinition } from '../../operations'
import type { Engine, StatusSource } from '../engine'
import { addReplicaTitle, createClusterTitle, failoverTitle, fenceTitle, removeReplicaTitle, switchoverTitle } from '../operation-titles'
import type { HostExec } from '../host-exec'
import { addReplicaParams, buildAddReplica } from './add-replica'
import { buildCreateCluster, createClusterParams } from './create-cluster'
import { detect, type PgDetection } from './detect'
import { leaseHosts, parseCluster, type PgCluster, type PgClusterInput } from './model'
import { buildRemoveReplica, removeReplicaParams } from './remove-replica'
import { buildSwitchover, switchoverParams, type SwitchoverParams } from './switchover'
import { buildFailover, failoverLeaseHosts, failoverParams, type FailoverParams } from './failover'
import { buildRejoin, rejoinParams, type RejoinParams } from './rejoin'
import { buildFence, fenceParams, type FenceParams } from './fence-member'
import { buildApplySettings, settingsParams, type SettingsParams } from './settings/apply-settings'
import type { z } from 'zod'
import { memberNodes, PgNode } from './node'
import { copySize } from './plan-words'
import { createClusterSummary } from './create-cluster/summary'
import { addReplicaSummary } from './add-replica/summary'
import { removeReplicaSummary } from './remove-replica/summary'
import { switchoverSummary } from './switchover/summary'
import { failoverSummary } from './failover/summary'
import { rejoinSummary } from './rejoin/summary'
import { fenceSummary } from './fence-summary'
import { settingsSummary } from './settings/summary'
import { clusterAddress } from './service-address'
import { patroniKinds, patroniStatusSource, readPatroniStatus, type HandbackParams, type HandoverParams, type PatroniFailoverParams, type PatroniSettingsParams, type PatroniSettingsRequest, type PatroniStatus, type PatroniSwitchoverParams, type AdoptHost, type PatroniAdoptParams, type PatroniReinitializeParams } from './patroni'
import { adoptedFrom } from './settings/adopt'
import { readDrift } from './settings/drift'
import { answered, readSettings } from './settings/read'
import { fence, fenceFiles, isUp, readPosition, writable, type Seen } from './roles'
import { isRunning } from './instance'
import { memberOf } from './model'
import { postgresCapabilities } from './capabilities'
import { postgresStatus, statusMembers, type RawSample } from './status'
import { postgresHostProbe } from './versions'

export const KIND_CREATE_CLUSTER = 'pg-create-cluster'
export const KIND_ADD_REPLICA = 'pg-add-replica'
export const KIND_REMOVE_REPLICA = 'pg-remove-replica'
export const KIND_SWITCHOVER = 'pg-switchover'
export const KIND_FAILOVER = 'pg-failover'
export const KIND_REJOIN = 'pg-rejoin'
export const KIND_FENCE = 'pg-fence'
export const KIND_SETTINGS = 'pg-settings'

export interface PostgresEngineOptions {
  hosts: HostExec
}

export function postgresKinds(hosts: HostExec) {
  const createCluster = defineOperationKind({
    kind: KIND_CREATE_CLUSTER,
    params: createClusterParams,
    build: ({ params }) => {
      const m = params.cluster.members.find((x) => x.name === params.primary)!
      return {
        member: m.name,
        title: createClusterTitle(params, m),
        steps: buildCreateCluster(hosts, params),
        summary: () => createClusterSummary(params),
      }
    },
  })
  const addReplica = defineOperationKind({
    kind: KIND_ADD_REPLICA,
    params: addReplicaParams,
    build: ({ params }) => {
      const m = params.cluster.members.find((x) => x.name === params.member)!
      return { member: m.name, title: addReplicaTitle(params, m), steps: buildAddReplica(hosts, params), summary: async () => addReplicaSummary(params, await copySize(memberNodes(hosts, params.cluster, params.member).others)) }
    },
  })
  const removeReplica = defineOperationKind({
    kind: KIND_REMOVE_REPLICA,
    params: removeReplicaParams,
    build: ({ params }) => {
      const m = params.cluster.members.find((x) => x.name === params.member)!
      return { member: m.name, title: removeReplicaTitle(params, m), steps: buildRemoveReplica(hosts, params), summary: () => removeReplicaSummary(params) }
    },
  })
  const switchover = defineOperationKind({
    kind: KIND_SWITCHOVER,
    params: switchoverParams,
    build: ({ params }) => ({ title: switchoverTitle(params), steps: buildSwitchover(hosts, params), summary: () => switchoverSummary(params, params.assessment) }),
  })
  const failover = defineOperationKind({
    kind: KIND_FAILOVER,
    params: failoverParams,
    build: ({ params }) => ({ title: failoverTitle(params), steps: buildFailover(hosts, params), summary: () => failoverSummary(params) }),
  })
  const rejoin = defineOperationKind({
    kind: KIND_REJOIN,
    params: rejoinParams,
    build: ({ params }) => ({ member: params.member, title: `${params.rebuild ? 'Rebuild' : 'Rejoin'} ${params.member} to cluster ${params.cluster.id}`, steps: buildRejoin(hosts, params), summary: async () => rejoinSummary(params, params.rebuild ? await copySize(memberNodes(hosts, params.cluster, params.member).others) : null) }),
  })
  const fence = defineOperationKind({
    kind: KIND_FENCE,
    params: fenceParams,
    build: ({ params }) => ({ member: params.member, title: fenceTitle(params), steps: buildFence(hosts, params), summary: () => fenceSummary(params) }),
  })
  const settings = defineOperationKind({
    kind: KIND_SETTINGS,
    params: settingsParams,
    // Names the member it creates when it adds exactly one (and removes none), so the page shows it "being created", not down.
    build: ({ params }) => ({ member: params.replicas?.add.length === 1 && !params.replicas.remove.length ? params.replicas.add[0]!.member.name : undefined, title: `Redundancy settings of ${params.cluster.id}`, steps: buildApplySettings(hosts, params), summary: () => settingsSummary(params) }),
  })
  return { createCluster, addReplica, removeReplica, switchover, failover, rejoin, fence, settings }
}

type Input<S extends z.ZodType> = Omit<z.input<S>, 'cluster'> & { cluster: PgClusterInput }

/** The Engine interface with PostgreSQL's own types (its operations' parsed params, its samples). */
export interface PostgresEngine extends Engine<PgCluster, 'postgres' | 'sudo', PgDetection, Seen> {
  readonly status: StatusSource<RawSample>
  readonly hostProbe: typeof postgresHostProbe
  /** The typed operation kinds, for callers that want their parsed params. */
  operations: ReturnType<typeof postgresKinds>
  switchover(params: Input<typeof switchoverParams>): OperationDefinition<SwitchoverParams>
  failover(params: Input<typeof failoverParams>): OperationDefinition<FailoverParams>
  rejoin(params: Input<typeof rejoinParams>): OperationDefinition<RejoinParams>
  fence(params: Input<typeof fenceParams>): OperationDefinition<FenceParams>
  /** Automatic failover on: hand the cluster over to Patroni + etcd (issue 19, first slice). */
  handover(cluster: PgClusterInput): OperationDefinition<HandoverParams>
  /** Automatic failover off: take the cluster back from Patroni, PostgreSQL left running. */
  handback(cluster: PgClusterInput, keepEtcd?: boolean): OperationDefinition<HandbackParams>
  /** A handed-over cluster's switchover, through Patroni's REST API (`to`: else Patroni's candidate). */
  patroniSwitchover(cluster: PgClusterInput, to?: string): Promise<OperationDefinition<PatroniSwitchoverParams>>
  /** A handed-over cluster's failover, through Patroni's REST API (`to`: else Patroni's candidate). */
  patroniFailover(cluster: PgClusterInput, to?: string): Promise<OperationDefinition<PatroniFailoverParams>>
  /** A handed-over cluster's settings, through Patroni's PATCH /config (`next`: the record with them). */
  patroniSettings(cluster: PgClusterInput, next: PgClusterInput, request: PatroniSettingsRequest): Promise<OperationDefinition<PatroniSettingsParams>>
  /** Adopt a running Patroni cluster found through host record `via` (`records`: every host record), recorded as `id`. */
  patroniAdopt(o: { id: string; via: AdoptHost; restApiPort: number; records: readonly AdoptHost[] }): Promise<OperationDefinition<PatroniAdoptParams>>
  /** A handed-over cluster's rebuild of a member, through Patroni's POST /reinitialize (refused for its leader). */
  patroniReinitialize(cluster: PgClusterInput, member: string): Promise<OperationDefinition<PatroniReinitializeParams>>
  /** A handed-over cluster as Patroni's REST API and etcd report it. */
  patroniStatus(cluster: PgCluster): Promise<PatroniStatus>
  /** Redundancy settings applied to every member and read back (`previous`: the record before). */
  applySettings(params: Omit<z.input<typeof settingsParams>, 'cluster' | 'previous'> & { cluster: PgClusterInput; previous: PgClusterInput }): OperationDefinition<SettingsParams>
}

export function createPostgresEngine(o: PostgresEngineOptions): PostgresEngine {
  const ops = postgresKinds(o.hosts)
  const patroni = patroniKinds(o.hosts)
  return {
    id: 'postgres',
    title: 'PostgreSQL',
    operations: ops,
    kinds: {
      [ops.createCluster.kind]: ops.createCluster.factory,
      [ops.addReplica.kind]: ops.addReplica.factory,
      [ops.removeReplica.kind]: ops.removeReplica.factory,
      [ops.switchover.kind]: ops.switchover.factory,
      [ops.failover.kind]: ops.failover.factory,
      [ops.rejoin.kind]: ops.rejoin.factory,
      [ops.fence.kind]: ops.fence.factory,
      [ops.settings.kind]: ops.settings.factory,
      ...patroni.kinds,
    },
    handover: (cluster) => patroni.handoverOf(cluster),
    handback: (cluster, keepEtcd) => patroni.handbackOf(cluster, keepEtcd),
    patroniSwitchover: (cluster, to) => patroni.switchoverOf(cluster, to),
    patroniFailover: (cluster, to) => patroni.failoverOf(cluster, to),
    patroniSettings: (cluster, next, request) => patroni.settingsOf(cluster, next, request),
    patroniAdopt: (a) => patroni.adoptOf(a),
    patroniReinitialize: (cluster, member) => patroni.reinitializeOf(cluster, member),
    patroniStatus: (cluster) => readPatroniStatus(o.hosts, cluster),
    parseCluster,
    detect: (host, access) => detect(o.hosts, host, access),
    capabilities: postgresCapabilities,
    hostProbe: postgresHostProbe,
    status: postgresStatus,
    // A handed-over cluster's status carries Patroni's view too (read every few seconds).
    statusMembers: (cluster, targetOf) => ({ ...statusMembers(cluster, targetOf), ...(cluster.automatic && { automatic: patroniStatusSource(o.hosts, cluster) }) }),
    createCluster: ({ cluster, primary, mode, knownDataDirs }) => ops.createCluster.create({ clusterId: cluster.id, params: { cluster: cluster as PgClusterInput, primary, mode, knownDataDirs }, members: leaseHosts(cluster) }),
    addReplica: ({ cluster, member, overwrite, overwriteUnrelated, knownDataDirs }) => ops.addReplica.create({ clusterId: cluster.id, params: { cluster: cluster as PgClusterInput, member, overwrite, overwriteUnrelated, knownDataDirs }, members: leaseHosts(cluster) }),
    fenceNow: async (cluster, member, upstream, reason) => {
      const n = new PgNode(o.hosts, memberOf(cluster, member), cluster.major)
      const up = upstream ? memberOf(cluster, upstream) : undefined
      // Seen again, it gives the service address up at once, beside the fence (never the primary's
      // host). Not reached: an error, so the fence watcher tries again on the next status change.
      const address = up?.host !== n.host ? clusterAddress(o.hosts, cluster) : undefined
      const released = address ? address.releaseFrom(n.host, true) : Promise.resolve('')
      released.catch(() => undefined) // awaited below; never an unhandled rejection meanwhile
      const now = await readPosition(n)
      if (isUp(now) && writable(now.pos)) {
        await Promise.all([fence(cluster, n, up, reason), released])
        return 'fenced'
      }
      await released
      if (isUp(now) || (await isRunning(n))) return 'left'
      await fenceFiles(cluster, n, up, reason)
      return 'files'
    },
    readPositions: (cluster, timeoutMs) => Promise.all(cluster.members.map((m) => readPosition(new PgNode(o.hosts, m, cluster.major), typeof timeoutMs === 'function' ? timeoutMs(m.name) : timeoutMs))),
    switchover: (params: Input<typeof switchoverParams>) => ops.switchover.create({ clusterId: params.cluster.id, params, members: leaseHosts(params.cluster as PgCluster) }),
    failover: (params: Input<typeof failoverParams>) => ops.failover.create({ clusterId: params.cluster.id, params, members: failoverLeaseHosts(params.cluster as PgCluster, params.from) }),
    rejoin: (params: Input<typeof rejoinParams>) => ops.rejoin.create({ clusterId: params.cluster.id, params, members: leaseHosts(params.cluster as PgCluster) }),
    readDrift: (cluster) => readDrift(o.hosts, cluster),
    adoptSettings: async (cluster, member) => {
      const seen = await readSettings(new PgNode(o.hosts, memberOf(cluster, member), cluster.major))
      if (!answered(seen)) throw seen.error
      return adoptedFrom(cluster, member, seen.settings.values)
    },
    applySettings: (params) => ops.settings.create({ clusterId: params.cluster.id, params, members: leaseHosts(params.cluster as PgCluster) }),
    fence: (params: Input<typeof fenceParams>) => ops.fence.create({ clusterId: params.cluster.id, params, members: leaseHosts(params.cluster as PgCluster) }),
    removeReplica: ({ cluster, member, deleteData, knownDataDirs }) => ops.removeReplica.create({ clusterId: cluster.id, params: { cluster: cluster as PgClusterInput, member, deleteData, knownDataDirs }, members: leaseHosts(cluster) }),
  }
}
