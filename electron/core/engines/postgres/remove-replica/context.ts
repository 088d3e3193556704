// What every step of removing a standby works from (explicit inputs: the params, the nodes,
// the names derived from them), and the primary as located earlier in the same attempt,
// handed along (handoff.ts).
import type { HostExec } from '../../host-exec'
import type { RemoveReplicaParams } from '../remove-replica'
import { pgpassEntries } from '../access'
import { protectedDirs } from '../data-dir-guard'
import { locatePrimary, readFacts, type MemberFacts, type PgFacts } from '../facts'
import type { Attempt, Handoff } from '../../handoff'
import { hbaFile, memberOf, slotName, type PgCluster, type PgMember } from '../model'
import { memberNodes, type PgNode } from '../node'
import type { PgpassEntry } from '../pgpass'

export type Up = { member: PgMember; facts: PgFacts }

/** The primary, and what every other member said about itself, read at one moment. */
export interface Located {
  up: Up
  facts: MemberFacts[]
}

export interface RemoveReplicaOp {
  p: RemoveReplicaParams
  c: PgCluster
  major: string
  /** The member that goes. */
  member: PgMember
  node: (m: PgMember) => PgNode
  R: PgNode
  /** The members that stay, as nodes and as members. */
  others: PgNode[]
  remaining: PgMember[]
  nodeOf: (m: PgMember) => PgNode
  slot: string
  role: string
  /** The data dirs the guard keeps away from on its host. */
  prot: string
  /** ~/.pgpass lines that go: the member's address, unless another member that stays shares it. */
  removedEntries: PgpassEntry[]
}

export function removeReplicaOp(hosts: HostExec, p: RemoveReplicaParams): RemoveReplicaOp {
  const c = p.cluster
  const member = memberOf(c, p.member)
  const { node, R, others, nodeOf } = memberNodes(hosts, c, member.name)
  const remaining = others.map((n) => n.member)
  const entriesLeft = pgpassEntries(remaining)
  const removedEntries = pgpassEntries([member]).filter((e) => !entriesLeft.some((x) => x.host === e.host && x.port === e.port))
  return { p, c, major: c.major, member, node, R, others, remaining, nodeOf, slot: slotName(member.name), role: c.replicationRole, prot: protectedDirs(member, c.members, p.knownDataDirs), removedEntries }
}

/** Reads every member that stays, now, and finds the primary among them. */
export async function locate(op: RemoveReplicaOp): Promise<Located> {
  const facts = await Promise.all(op.others.map((n) => readFacts(n, op.role)))
  return { up: locatePrimary(op.c, facts), facts }
}

/** The primary as located earlier in this attempt (pre-flight locates it on every run), else located now and handed along. */
export async function located(op: RemoveReplicaOp, h: Handoff<Located>, a: Attempt): Promise<Located> {
  return h.get(a) ?? h.put(a, await locate(op))
}

/** The standbys that answered, of a read. */
export const standbysUp = (at: Located) => at.facts.filter((f): f is Up => 'facts' in f && f.member.name !== at.up.member.name)

/** Where a member's pg_hba.conf is: where it says, when it answered; else where the model says. */
export function hbaPathOf(op: RemoveReplicaOp, at: Located, n: PgNode): string {
  const f = at.facts.find((x) => x.member.name === n.name)
  return f && 'facts' in f ? f.facts.hbaFile : hbaFile(n.member, op.major)
}
