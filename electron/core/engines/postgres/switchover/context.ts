// What every step of a switchover works from (explicit inputs: the params and the nodes), and
// the reads handed from step to step within one attempt (handoff.ts).
import type { HostExec } from '../../host-exec'
import type { SwitchoverParams } from '../switchover'
import type { Handoff } from '../../handoff'
import { memberOf, type PgCluster, type PgMember } from '../model'
import { PgNode } from '../node'
import { readPosition, type Seen } from '../roles'

export interface SwitchoverOp {
  p: SwitchoverParams
  c: PgCluster
  hosts: HostExec
  node: (m: PgMember) => PgNode
  /** The primary that steps down. */
  F: PgNode
  /** The standby promoted. */
  T: PgNode
  /** The other standbys. */
  others: PgNode[]
}

/** The reads handed from step to step within one attempt (see each step's header). */
export interface SwitchoverHandoffs {
  /**
   * Every member as pre-flight read them and found them fit in this attempt: `from` the one
   * writable primary, `to` streaming from it and caught up, every other as it was.
   */
  judged: Handoff<Seen[]>
  /** `from`'s last checkpoint, as its clean stop printed it in this attempt. */
  checkpoint: Handoff<string>
}

export function switchoverOp(hosts: HostExec, p: SwitchoverParams): SwitchoverOp {
  const c = p.cluster
  const node = (m: PgMember) => new PgNode(hosts, m, c.major)
  return {
    p,
    c,
    hosts,
    node,
    F: node(memberOf(c, p.from)),
    T: node(memberOf(c, p.to)),
    others: c.members.filter((m) => m.name !== p.from && m.name !== p.to).map(node),
  }
}

export const readAll = (op: SwitchoverOp) => Promise.all(op.c.members.map((m) => readPosition(op.node(m))))

export const seenOf = (seen: readonly Seen[], n: PgNode) => seen.find((s) => s.member.name === n.name)
