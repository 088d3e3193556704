// Keeps the cluster records in step with what operations did: a cluster is recorded when its
// creation starts, a member when its add starts; an abandoned creation or add takes them out
// again, a finished removal takes the member out; fence marks come and go with role changes
// (a failover's old primary is marked by the time its fence step starts).
import type { OperationSummary } from '../../../shared/operations'
import type { PgCluster } from '../../../shared/postgres'
import type { ClustersStore } from './clusters-store'

interface Params {
  cluster?: PgCluster
  member?: string
  from?: string | null
}

export async function applyOperationOutcome(store: ClustersStore, op: OperationSummary): Promise<boolean> {
  const params = (op.params ?? {}) as Params
  const without = (member?: string) => (c: PgCluster | undefined) =>
    c && member ? { ...c, members: c.members.filter((m) => m.name !== member) } : c
  if (op.kind === 'pg-create-cluster' && op.status === 'abandoned') {
    await store.update(op.clusterId, () => undefined)
    return true
  }
  if (op.kind === 'pg-add-replica' && op.status === 'abandoned') {
    await store.update(op.clusterId, without(params.member))
    return true
  }
  const unfenced = (member?: string) => (c: PgCluster | undefined) => (c && member ? { ...c, fenced: c.fenced.filter((m) => m !== member) } : c)
  // A rejoined member is no longer fenced; nor is the old primary of a failover abandoned
  // before its promotion ran (the abandon started it again as the primary).
  if (op.kind === 'pg-rejoin' && op.status === 'succeeded') {
    await store.update(op.clusterId, unfenced(params.member))
    return true
  }
  if (op.kind === 'pg-failover' && op.status === 'abandoned' && !op.steps.some((s) => s.id === 'promote' && s.startedAt)) {
    await store.update(op.clusterId, unfenced(params.from ?? undefined))
    return true
  }
  // A failover's old primary is marked fenced by the time its fence step starts, also when it
  // is resumed by another process: the call that started it marks it too (cluster-service), but
  // may die first, and a host that does not answer is then fenced only through the record.
  const from = params.from
  if (op.kind === 'pg-failover' && from && op.status !== 'abandoned' && op.status !== 'abandoning' && op.steps.some((s) => s.id === 'fence' && s.startedAt && s.status !== 'undone')) {
    const current = (await store.list()).find((c) => c.id === op.clusterId)
    if (!current || current.fenced.includes(from)) return false
    await store.update(op.clusterId, (c) => (c && !c.fenced.includes(from) ? { ...c, fenced: [...c.fenced, from] } : c))
    return true
  }
  if (op.kind === 'pg-remove-replica' && op.status === 'succeeded') {
    await store.update(op.clusterId, without(params.member))
    return true
  }
  return false
}
