// What every step of a MariaDB switchover works from (the params and the nodes), and the reads
// handed from step to step within one attempt (../../postgres/handoff.ts).
import type { HostExec } from '../../host-exec'
import type { Handoff } from '../../handoff'
import { memberOf, type MariaCluster, type MariaMember } from '../model'
import { MariaNode } from '../node'
import { readRoles, type MariaReading } from '../roles'
import type { MariaSwitchoverParams } from '.'

export interface SwitchoverOp {
  p: MariaSwitchoverParams
  c: MariaCluster
  hosts: HostExec
  node: (m: MariaMember) => MariaNode
  /** The primary that steps down. */
  F: MariaNode
  /** The replica promoted. */
  T: MariaNode
  /** The other members. */
  others: MariaNode[]
}

export interface SwitchoverHandoffs {
  /** Every member as pre-flight read them and found them fit in this attempt. */
  judged: Handoff<MariaReading[]>
  /** `from`'s gtid_binlog_pos once it refused writes in this attempt: what `to` must execute. */
  target: Handoff<string>
}

export function switchoverOp(hosts: HostExec, p: MariaSwitchoverParams): SwitchoverOp {
  const c = p.cluster
  const node = (m: MariaMember) => new MariaNode(hosts, m)
  return {
    p,
    c,
    hosts,
    node,
    F: node(memberOf(c, p.from)),
    T: node(memberOf(c, p.to)),
    others: c.members.filter((m) => m.name !== p.from && m.name !== p.to && !c.fenced.includes(m.name)).map(node),
  }
}

export const readAll = (op: SwitchoverOp) => readRoles(op.c.members.map(op.node))

export const readingOf = (seen: readonly MariaReading[] | undefined, n: MariaNode) => seen?.find((s) => s.member === n.name)
