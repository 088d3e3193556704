// What every step of a MariaDB failover works from (the params and the nodes).
import type { HostExec } from '../../host-exec'
import { memberOf, type MariaCluster, type MariaMember } from '../model'
import { MariaNode } from '../node'
import { readRoles } from '../roles'
import type { MariaFailoverParams } from '.'

export interface FailoverOp {
  p: MariaFailoverParams
  c: MariaCluster
  hosts: HostExec
  /** The member to promote. */
  T: MariaNode
  /** The old primary, when known. */
  F?: MariaNode
  /** The other replicas (not fenced). */
  others: MariaNode[]
}

export function failoverOp(hosts: HostExec, p: MariaFailoverParams): FailoverOp {
  const c = p.cluster
  const node = (m: MariaMember) => new MariaNode(hosts, m)
  return {
    p,
    c,
    hosts,
    T: node(memberOf(c, p.to)),
    F: p.from ? node(memberOf(c, p.from)) : undefined,
    others: c.members.filter((m) => m.name !== p.from && m.name !== p.to && !c.fenced.includes(m.name)).map(node),
  }
}

/** `to` first, then the other replicas. */
export const readSurvivors = (op: FailoverOp) => readRoles([op.T, ...op.others])
