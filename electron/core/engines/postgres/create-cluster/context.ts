// What every step of creating or adopting a cluster works from (explicit inputs: the params,
// the primary's node, the names derived from them), the one read several steps make (the
// running primary's facts), and what pre-flight hands to the later steps of the same attempt.
import type { HostExec } from '../../host-exec'
import type { CreateClusterParams } from '../create-cluster'
import { readState } from '../access'
import { claimKey } from '../claims'
import { protectedDirs } from '../data-dir-guard'
import { pgError } from '../errors'
import { readFacts, type PgFacts } from '../facts'
import type { Attempt, Handoff } from '../../handoff'
import { memberOf, type PgCluster, type PgMember } from '../model'
import { PgNode } from '../node'
import type { Probe } from '../probe'

export interface CreateClusterOp {
  p: CreateClusterParams
  c: PgCluster
  major: string
  /** The primary. */
  m: PgMember
  P: PgNode
  /** Every member's node (access goes on all). */
  everyone: PgNode[]
  role: string
  key: string
  /** The data dirs the guard keeps away from on its host. */
  prot: string
  isDebian: boolean
}

/** What pre-flight read on the primary's host in this attempt (its addresses are the host's). */
export interface Preflighted {
  probe: Probe
  /** init: creating the data dir needs root. */
  needsRoot: boolean
}

export function createClusterOp(hosts: HostExec, p: CreateClusterParams): CreateClusterOp {
  const c = p.cluster
  const m = memberOf(c, p.primary)
  const node = (x: PgMember) => new PgNode(hosts, x, c.major)
  return { p, c, major: c.major, m, P: node(m), everyone: c.members.map(node), role: c.replicationRole, key: claimKey(m.dataDir), prot: protectedDirs(m, c.members, p.knownDataDirs), isDebian: m.layout === 'debian' }
}

/** The running primary's facts, read now; a primary that does not answer is refused. */
export async function upFacts(op: CreateClusterOp): Promise<PgFacts> {
  const { m, P, role } = op
  const f = await readFacts(P, role)
  if ('error' in f) throw pgError('cluster_state', `PostgreSQL ${m.name} on ${m.host} (port ${m.port}) does not answer: ${f.error.message}`, { host: m.host })
  return f.facts
}

/** The primary's host addresses: as pre-flight probed them this attempt, else read now. */
export const addressesOf = async (op: CreateClusterOp, h: Handoff<Preflighted>, a: Attempt) => h.get(a)?.probe.addresses ?? (await readState(op.P, undefined)).addresses
