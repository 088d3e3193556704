// The PostgreSQL engine: detection, and the cluster operations as kinds for the operations
// runner. Build one per app with the app's HostExec; register `kinds` with createOperations.
import { defineOperationKind } from '../../operations'
import type { Engine } from '../engine'
import type { HostExec } from '../host-exec'
import { addReplicaParams, buildAddReplica } from './add-replica'
import { buildCreateCluster, createClusterParams } from './create-cluster'
import { detect, type PgDetection } from './detect'
import { leaseHosts, parseCluster, type PgCluster, type PgClusterInput } from './model'
import { buildRemoveReplica, removeReplicaParams } from './remove-replica'

export const KIND_CREATE_CLUSTER = 'pg-create-cluster'
export const KIND_ADD_REPLICA = 'pg-add-replica'
export const KIND_REMOVE_REPLICA = 'pg-remove-replica'

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
        title: params.mode === 'init' ? `Create cluster ${params.cluster.id}: new primary ${m.name} on ${m.host}` : `Adopt cluster ${params.cluster.id}: primary ${m.name} on ${m.host}`,
        steps: buildCreateCluster(hosts, params),
      }
    },
  })
  const addReplica = defineOperationKind({
    kind: KIND_ADD_REPLICA,
    params: addReplicaParams,
    build: ({ params }) => {
      const m = params.cluster.members.find((x) => x.name === params.member)!
      return { title: `Add replica ${m.name} on ${m.host} to cluster ${params.cluster.id}`, steps: buildAddReplica(hosts, params) }
    },
  })
  const removeReplica = defineOperationKind({
    kind: KIND_REMOVE_REPLICA,
    params: removeReplicaParams,
    build: ({ params }) => {
      const m = params.cluster.members.find((x) => x.name === params.member)!
      return { title: `Remove replica ${m.name} on ${m.host} from cluster ${params.cluster.id}`, steps: buildRemoveReplica(hosts, params) }
    },
  })
  return { createCluster, addReplica, removeReplica }
}

export type PostgresEngine = Engine<PgCluster, 'postgres' | 'sudo', PgDetection> & {
  /** The typed operation kinds, for callers that want their parsed params. */
  operations: ReturnType<typeof postgresKinds>
}

export function createPostgresEngine(o: PostgresEngineOptions): PostgresEngine {
  const ops = postgresKinds(o.hosts)
  return {
    id: 'postgres',
    title: 'PostgreSQL',
    operations: ops,
    kinds: {
      [ops.createCluster.kind]: ops.createCluster.factory,
      [ops.addReplica.kind]: ops.addReplica.factory,
      [ops.removeReplica.kind]: ops.removeReplica.factory,
    },
    parseCluster,
    detect: (host, access) => detect(o.hosts, host, access),
    createCluster: ({ cluster, primary, mode }) => ops.createCluster.create({ clusterId: cluster.id, params: { cluster: cluster as PgClusterInput, primary, mode }, members: leaseHosts(cluster) }),
    addReplica: ({ cluster, member, overwrite }) => ops.addReplica.create({ clusterId: cluster.id, params: { cluster: cluster as PgClusterInput, member, overwrite }, members: leaseHosts(cluster) }),
    removeReplica: ({ cluster, member, deleteData }) => ops.removeReplica.create({ clusterId: cluster.id, params: { cluster: cluster as PgClusterInput, member, deleteData }, members: leaseHosts(cluster) }),
  }
}
