// What every step of creating or adopting a cluster works from: the params, the primary's node,
// every member's node, and the names derived from them (its claim key, the datadirs the guard
// keeps away from).
import type { HostExec } from '../../host-exec'
import { claimKeyOf } from '../add-replica/claims'
import { protectedDirs } from '../add-replica/data-dir-guard'
import type { CreateClusterParams } from '../create-cluster'
import { memberOf, type MariaCluster, type MariaMember } from '../model'
import { MariaNode } from '../node'

export interface CreateClusterOp {
  p: CreateClusterParams
  c: MariaCluster
  /** The primary. */
  m: MariaMember
  P: MariaNode
  /** Every member's node (access goes on all). */
  everyone: MariaNode[]
  key: string
  /** The datadirs the guard keeps away from on the primary's host. */
  prot: string
  isDebian: boolean
}

export function createClusterOp(hosts: HostExec, p: CreateClusterParams): CreateClusterOp {
  const c = p.cluster
  const m = memberOf(c, p.primary)
  const node = (x: MariaMember) => new MariaNode(hosts, x)
  return { p, c, m, P: node(m), everyone: c.members.map(node), key: claimKeyOf(m.dataDir), prot: protectedDirs(m, c.members, p.knownDataDirs), isDebian: m.layout === 'debian' }
}
