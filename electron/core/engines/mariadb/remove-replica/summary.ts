// The plain sentences a remove-replica plan opens with (pure).
import { memberOf } from '../model'
import type { RemoveReplicaParams } from './params'

export function removeReplicaSummary(p: RemoveReplicaParams): string[] {
  const m = memberOf(p.cluster, p.member)
  const left = p.cluster.members.length - 1
  return [
    `${m.name} on ${m.host} leaves cluster ${p.cluster.id} (${left} member${left === 1 ? ' stays' : 's stay'}): it stops replicating and forgets its primary (RESET SLAVE ALL), its server is stopped${m.layout === 'debian' ? ' and its unit disabled' : ''}, and its replication account, password file and option file are removed.`,
    'Writes do not pause; nothing is copied. Nothing acknowledged is lost: the primary keeps every write.',
    p.deleteData ? `Its datadir ${m.host}:${m.dataDir} is deleted (you confirmed it): that cannot be undone.` : `Its datadir ${m.host}:${m.dataDir} stays (not deleted).`,
  ]
}
