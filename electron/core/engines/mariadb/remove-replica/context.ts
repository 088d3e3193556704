// What every step of removing a replica works from: the params, the member's node and the
// others', the datadirs the guard keeps away from on its host.
import type { HostExec } from '../../host-exec'
import { claimKeyOf } from '../add-replica/claims'
import { protectedDirs } from '../add-replica/data-dir-guard'
import { memberOf, type MariaCluster, type MariaMember } from '../model'
import { memberNodes, type MariaNode } from '../node'
import type { RemoveReplicaParams } from './params'

export interface RemoveReplicaOp {
  p: RemoveReplicaParams
  c: MariaCluster
  member: MariaMember
  R: MariaNode
  /** The members that stay. */
  others: MariaNode[]
  key: string
  prot: string
}

export function removeReplicaOp(hosts: HostExec, p: RemoveReplicaParams): RemoveReplicaOp {
  const c = p.cluster
  const member = memberOf(c, p.member)
  const { R, others } = memberNodes(hosts, c, member.name)
  return { p, c, member, R, others, key: claimKeyOf(member.dataDir), prot: protectedDirs(member, c.members, p.knownDataDirs) }
}
