// The PostgreSQL engine's public surface.
export { createPostgresEngine, postgresKinds, KIND_ADD_REPLICA, KIND_CREATE_CLUSTER, KIND_REMOVE_REPLICA, type PostgresEngine, type PostgresEngineOptions } from './engine'
export { parseCluster, pgCluster, pgMember, slotName, type PgCluster, type PgClusterInput, type PgMember, type PgMemberInput } from './model'
export { addReplicaParams, type AddReplicaParams } from './add-replica'
export { createClusterParams, type CreateClusterParams } from './create-cluster'
export { removeReplicaParams, type RemoveReplicaParams } from './remove-replica'
export type { PgDetection } from './detect'
export { reasonOf, type PgFailure } from './errors'
