// The MariaDB engine: detection, the host test's probe, live status (status/), and the cluster
// operations as kinds for the operations runner. Build one per app with the app's HostExec
// (with pipe: add-replica copies host to host); register `kinds` with createOperations.
// Role changes: switchover/, failover/, fence/, rejoin/. Settings: semi-sync (settings/).
import type { z } from 'zod'
import { defineOperationKind, type OperationDefinition } from '../../operations'
import type { Engine, StatusSource } from '../engine'
import { addReplicaTitle, createClusterTitle, failoverTitle, fenceTitle, removeReplicaTitle, switchoverTitle } from '../operation-titles'
import type { HostExec, HostPipe } from '../host-exec'
import { addReplicaParams, addReplicaSummary, buildAddReplica, type AddReplicaParams } from './add-replica'
import { mariadbCapabilities } from './capabilities'
import { buildCreateCluster, createClusterParams, type CreateClusterParams } from './create-cluster'
import { createClusterSummary } from './create-cluster/summary'
import { detect, type MariaDetection } from './detect'
import { KIND_MARIADB_ADD_REPLICA, KIND_MARIADB_CREATE_CLUSTER, KIND_MARIADB_FAILOVER, KIND_MARIADB_FENCE, KIND_MARIADB_REMOVE_REPLICA, KIND_MARIADB_SWITCHOVER } from './kinds'
import { buildSwitchover, switchoverParams, switchoverSummary, type MariaSwitchoverParams } from './switchover'
import { buildFailover, failoverLeaseHosts, failoverParams, failoverSummary, type MariaFailoverParams } from './failover'
import { buildFence, fenceNow, fenceParams, fenceSummary, type MariaFenceParams } from './fence'
import { leaseHosts, memberOf, parseCluster, type MariaCluster, type MariaClusterInput } from './model'
import { rejoinKind, type RejoinInput, type RejoinParams } from './rejoin'
import { adoptSettings, readDrift, readPositions, type MariaReading } from './positions'
import { buildRemoveReplica, removeReplicaParams, removeReplicaSummary, type RemoveReplicaParams } from './remove-replica'
import { mariadbStatus, statusMembers, type MariaSample } from './status'
import { mariadbHostProbe } from './versions'
import { mariadbSettingsKind } from './settings/apply-settings'

export interface MariaDbEngineOptions {
  hosts: HostExec & HostPipe
}

export function mariadbKinds(hosts: HostExec & HostPipe) {
  const createCluster = defineOperationKind({
    kind: KIND_MARIADB_CREATE_CLUSTER,
    params: createClusterParams,
    build: ({ params }) => {
      const m = memberOf(params.cluster, params.primary)
      return {
        member: m.name,
        title: createClusterTitle(params, m),
        steps: buildCreateCluster(hosts, params),
        summary: () => createClusterSummary(params),
      }
    },
  })
  const addReplica = defineOperationKind({
    kind: KIND_MARIADB_ADD_REPLICA,
    params: addReplicaParams,
    build: ({ params }) => {
      const m = memberOf(params.cluster, params.member)
      return { member: m.name, title: addReplicaTitle(params, m), steps: buildAddReplica(hosts, params), summary: () => addReplicaSummary(hosts, params) }
    },
  })
  const removeReplica = defineOperationKind({
    kind: KIND_MARIADB_REMOVE_REPLICA,
    params: removeReplicaParams,
    build: ({ params }) => {
      const m = memberOf(params.cluster, params.member)
      return { member: m.name, title: removeReplicaTitle(params, m), steps: buildRemoveReplica(hosts, params), summary: () => removeReplicaSummary(params) }
    },
  })
  const switchover = defineOperationKind({
    kind: KIND_MARIADB_SWITCHOVER,
    params: switchoverParams,
    build: ({ params }) => ({ title: switchoverTitle(params), steps: buildSwitchover(hosts, params), summary: () => switchoverSummary(params, params.assessment) }),
  })
  const failover = defineOperationKind({
    kind: KIND_MARIADB_FAILOVER,
    params: failoverParams,
    build: ({ params }) => ({ title: failoverTitle(params), steps: buildFailover(hosts, params), summary: () => failoverSummary(params) }),
  })
  const fence = defineOperationKind({
    kind: KIND_MARIADB_FENCE,
    params: fenceParams,
    build: ({ params }) => ({ member: params.member, title: fenceTitle(params), steps: buildFence(hosts, params), summary: () => fenceSummary(params) }),
  })
  return { createCluster, addReplica, removeReplica, settings: mariadbSettingsKind(hosts), switchover, failover, fence, rejoin: rejoinKind(hosts) }
}

type Input<S extends z.ZodType> = Omit<z.input<S>, 'cluster'> & { cluster: MariaClusterInput }

/** The Engine interface with MariaDB's own types. */
export interface MariaDbEngine extends Engine<MariaCluster, 'sudo', MariaDetection, MariaReading> {
  readonly status: StatusSource<MariaSample>
  readonly hostProbe: typeof mariadbHostProbe
  /** The typed operation kinds, for callers that want their parsed params. */
  operations: ReturnType<typeof mariadbKinds>
  createCluster(params: Input<typeof createClusterParams>): OperationDefinition<CreateClusterParams>
  addReplica(params: Input<typeof addReplicaParams>): OperationDefinition<AddReplicaParams>
  removeReplica(params: Input<typeof removeReplicaParams>): OperationDefinition<RemoveReplicaParams>
  switchover(params: Input<typeof switchoverParams>): OperationDefinition<MariaSwitchoverParams>
  failover(params: Input<typeof failoverParams>): OperationDefinition<MariaFailoverParams>
  fence(params: Input<typeof fenceParams>): OperationDefinition<MariaFenceParams>
  rejoin(params: Omit<RejoinInput, 'cluster'> & { cluster: MariaClusterInput }): OperationDefinition<RejoinParams>
}

export function createMariaDbEngine(o: MariaDbEngineOptions): MariaDbEngine {
  const ops = mariadbKinds(o.hosts)
  const lease = (c: MariaClusterInput) => leaseHosts(c as MariaCluster)
  return {
    id: 'mariadb',
    title: 'MariaDB',
    operations: ops,
    kinds: Object.fromEntries(Object.values(ops).map((k) => [k.kind, k.factory])),
    capabilities: mariadbCapabilities,
    parseCluster,
    detect: (host) => detect(o.hosts, host),
    hostProbe: mariadbHostProbe,
    status: mariadbStatus,
    statusMembers: (cluster, targetOf) => statusMembers(cluster, targetOf),
    createCluster: (params) => ops.createCluster.create({ clusterId: params.cluster.id, params, members: lease(params.cluster) }),
    addReplica: (params) => ops.addReplica.create({ clusterId: params.cluster.id, params, members: lease(params.cluster) }),
    removeReplica: (params) => ops.removeReplica.create({ clusterId: params.cluster.id, params, members: lease(params.cluster) }),
    switchover: (params) => ops.switchover.create({ clusterId: params.cluster.id, params, members: lease(params.cluster) }),
    failover: (params) => ops.failover.create({ clusterId: params.cluster.id, params, members: failoverLeaseHosts(params.cluster as MariaCluster, params.from ?? null) }),
    rejoin: (params) => ops.rejoin.create({ clusterId: params.cluster.id, params, members: lease(params.cluster) }),
    fence: (params) => ops.fence.create({ clusterId: params.cluster.id, params, members: lease(params.cluster) }),
    applySettings: ({ cluster, previous }) => ops.settings.create({ clusterId: cluster.id, params: { cluster, previous }, members: lease(cluster) }),
    readDrift: (cluster) => readDrift(o.hosts, cluster),
    adoptSettings: (cluster, member) => adoptSettings(o.hosts, cluster, member),
    readPositions: (cluster, timeoutMs) => readPositions(o.hosts, cluster, timeoutMs),
    fenceNow: (cluster, member, _upstream, reason) => fenceNow(o.hosts, cluster, member, reason),
  }
}
