// The plain sentences a create or adopt plan opens with (pure): what changes, that nothing is
// copied, whether writes pause (an adopt's restart), that nothing existing is lost.
import type { CreateClusterParams } from '../create-cluster'
import { memberOf } from '../model'

export function createClusterSummary(p: CreateClusterParams): string[] {
  const m = memberOf(p.cluster, p.primary)
  const where = `${m.host}:${m.dataDir}`
  if (p.mode === 'init') {
    return [
      `A new PostgreSQL ${p.cluster.major} server, ${m.name}, is created in ${where} (initdb with data checksums) and started on port ${m.port} as the primary of cluster ${p.cluster.id}.`,
      'Nothing is copied; it should take a few seconds. There are no writes to pause yet.',
      `Nothing existing can be lost: the data dir must be missing or empty, ReplicaDesk refuses to write into anything else.`,
      `ReplicaDesk adds a replication role (its password only in postgres' ~/.pgpass on ${m.host}) and its own block in pg_hba.conf, so replicas can be added next.`,
    ]
  }
  return [
    `The PostgreSQL server running in ${where} becomes ${m.name}, the primary of cluster ${p.cluster.id}; its data stays as it is.`,
    `Settings too low for replication (wal_level, max_wal_senders, …) are raised with ALTER SYSTEM. ${p.allowRestart ? `Only if one of them needs a restart is ${m.name} restarted: writes then pause for the restart, usually a few seconds.` : `A restart is not allowed: if one of them needs it, the plan stops there and you restart ${m.name} yourself.`}`,
    'Nothing is copied and nothing can be lost.',
    `ReplicaDesk adds a replication role (its password only in postgres' ~/.pgpass on ${m.host}) and its own block in pg_hba.conf.`,
  ]
}
