// The plain sentences an add-replica plan opens with: who becomes a replica of whom, what is
// copied and how long it should take (the size read from the members now), that writes do not
// pause and nothing can be lost. `sizeBytes`: null when it could not be read.
import type { AddReplicaParams } from '../add-replica'
import { memberOf } from '../model'
import { copyTime, listed } from '../plan-words'

export function addReplicaSummary(p: AddReplicaParams, sizeBytes: number | null): string[] {
  const m = memberOf(p.cluster, p.member)
  const others = p.cluster.members.filter((x) => x.name !== m.name).map((x) => x.name)
  return [
    `${m.name} on ${m.host} becomes a new ${m.sync ? 'synchronous' : 'asynchronous'} replica of cluster ${p.cluster.id}, streaming from its primary.`,
    `The primary's data is copied to ${m.host}:${m.dataDir} with pg_basebackup: ${copyTime(sizeBytes)}.${p.overwrite ? ` What is in ${m.dataDir} now is deleted first (you confirmed it).` : ''}`,
    `Writes do not pause (the copy starts from a checkpoint); nothing can be lost.${m.sync ? ` Once ${m.name} streams it is named in synchronous_standby_names: commits then wait for it as the replication mode says.` : ''}`,
    `pg_hba.conf, ~/.pgpass and replication slots change on ${listed(others)}${others.length > 1 ? ' each' : ''}.`,
  ]
}
