// The titles of the operations every engine runs (create, add and remove a replica, switchover,
// failover, fence), one wording for all: the operations list, the CLI and the journal show them.
interface Placed {
  name: string
  host: string
}

interface OfCluster {
  cluster: { id: string }
}

export const createClusterTitle = (p: OfCluster & { mode: 'init' | 'adopt' }, m: Placed) =>
  p.mode === 'init' ? `Create cluster ${p.cluster.id}: new primary ${m.name} on ${m.host}` : `Adopt cluster ${p.cluster.id}: primary ${m.name} on ${m.host}`

export const addReplicaTitle = (p: OfCluster, m: Placed) => `Add replica ${m.name} on ${m.host} to cluster ${p.cluster.id}`

export const removeReplicaTitle = (p: OfCluster, m: Placed) => `Remove replica ${m.name} on ${m.host} from cluster ${p.cluster.id}`

export const switchoverTitle = (p: OfCluster & { from: string; to: string }) => `Switchover of ${p.cluster.id}: ${p.from} → ${p.to}`

/** `from`: the lost primary, when known. */
export const failoverTitle = (p: OfCluster & { from?: string | null; to: string }) => `Failover of ${p.cluster.id}: ${p.from ?? 'lost primary'} → ${p.to}`

export const fenceTitle = (p: OfCluster & { member: string }) => `Fence ${p.member} of cluster ${p.cluster.id}`
