// The plain sentences a remove-replica plan opens with (pure).
import type { RemoveReplicaParams } from '../remove-replica'
import { memberOf } from '../model'

export function removeReplicaSummary(p: RemoveReplicaParams): string[] {
  const m = memberOf(p.cluster, p.member)
  const left = p.cluster.members.length - 1
  return [
    `${m.name} on ${m.host} leaves cluster ${p.cluster.id} (${left} member${left === 1 ? '' : 's'} stay): it is stopped, and its slots, pg_hba.conf and ~/.pgpass lines are removed on every member.`,
    m.sync ? `It is taken out of synchronous_standby_names first, so no write waits for it: writes do not pause.` : 'Writes do not pause; nothing is copied.',
    p.deleteData ? `Its data dir ${m.host}:${m.dataDir} is deleted (you confirmed it): that cannot be undone.` : `Its data dir ${m.host}:${m.dataDir} stays (not deleted).`,
    'Nothing acknowledged is lost: the primary keeps every write.',
  ]
}
