// The one refusal for a member name a cluster record does not have, at the input field that named it.
import { AppError } from '../../../shared/errors'
import type { PgCluster, PgMember } from '../../../shared/postgres'

export function memberNamed(cluster: PgCluster, name: string, field = 'member'): PgMember {
  const m = cluster.members.find((x) => x.name === name)
  if (!m) throw new AppError('not_found', `Cluster ${cluster.id} has no member named ${name}.`, { field })
  return m
}
