// What an operation on one member (add it, rejoin it) works with: the cluster, the member and
// its node, the others', its slot, its claim key, the replication role, and the data dirs the
// guard keeps away from on its host. The operations' own contexts extend it.
import type { HostExec } from '../host-exec'
import { claimKey } from './claims'
import { protectedDirs } from './data-dir-guard'
import { memberOf, slotName, type PgCluster, type PgMember } from './model'
import { memberNodes, type PgNode } from './node'

export interface MemberOp<P> {
  p: P
  c: PgCluster
  major: string
  /** The member the operation is about. */
  member: PgMember
  /** Its node, and the other members'. */
  R: PgNode
  others: PgNode[]
  all: PgNode[]
  nodeOf: (m: PgMember) => PgNode
  slot: string
  key: string
  role: string
  /** The data dirs the guard keeps away from on its host. */
  prot: string
}

export function memberOp<P extends { cluster: PgCluster; member: string; knownDataDirs?: readonly { host: string; dataDir: string }[] }>(hosts: HostExec, p: P): MemberOp<P> {
  const c = p.cluster
  const member = memberOf(c, p.member)
  const { R, others, nodeOf } = memberNodes(hosts, c, member.name)
  return { p, c, major: c.major, member, R, others, all: [...others, R], nodeOf, slot: slotName(member.name), key: claimKey(member.dataDir), role: c.replicationRole, prot: protectedDirs(member, c.members, p.knownDataDirs ?? []) }
}
