// What every step of a failover works from (explicit inputs: the params and the nodes), and
// the one read handed from step to step within an attempt: the survivors (handoff.ts).
import type { HostExec } from '../../host-exec'
import type { FailoverParams } from '../failover'
import type { Survivors as SurvivorsOf } from '../../failover-survivors'
import { memberOf, type PgCluster, type PgMember } from '../model'
import { PgNode } from '../node'
import { readPosition, type Seen } from '../roles'

export interface FailoverOp {
  p: FailoverParams
  c: PgCluster
  hosts: HostExec
  /** The member to promote. */
  T: PgNode
  /** The old primary, when known. */
  F?: PgNode
  /** The other standbys. */
  others: PgNode[]
}

/**
 * The survivors (`to` first, then the other standbys) as read in this attempt (failover-survivors.ts):
 * `judged` held against the confirmed plan (`to` a standby, nobody writes, `to` has no less WAL
 * than planned, the loss no worse); `promoted` a resume found `to` accepting writes already.
 */
export type Survivors = SurvivorsOf<Seen>

export function failoverOp(hosts: HostExec, p: FailoverParams): FailoverOp {
  const c = p.cluster
  const node = (m: PgMember) => new PgNode(hosts, m, c.major)
  return {
    p,
    c,
    hosts,
    T: node(memberOf(c, p.to)),
    F: p.from ? node(memberOf(c, p.from)) : undefined,
    others: c.members.filter((m) => m.name !== p.from && m.name !== p.to).map(node),
  }
}

export const readSurvivors = (op: FailoverOp) => Promise.all([op.T, ...op.others].map((n) => readPosition(n)))

export { judgedSurvivors } from '../../failover-survivors'
