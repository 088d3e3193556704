// The one refusal for a member name a cluster record does not have, at the input field that named it.
import { AppError } from '../../../shared/errors'

export function memberNamed<M extends { name: string }>(cluster: { id: string; members: readonly M[] }, name: string, field = 'member'): M {
  const m = cluster.members.find((x) => x.name === name)
  if (!m) throw new AppError('not_found', `Cluster ${cluster.id} has no member named ${name}.`, { field })
  return m
}
