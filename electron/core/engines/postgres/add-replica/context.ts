// What every step of adding a replica works from (explicit inputs: the params, the nodes, the
// names derived from them), the reads several steps make, and the reads one step hands to a
// later step of the same attempt (handoff.ts).
import type { HostExec } from '../../host-exec'
import type { AddReplicaParams } from '../add-replica'
import type { MemberState } from '../access'
import { allowArg } from '../data-dir-guard'
import { pgError } from '../errors'
import { locatePrimary, majorOf, readFacts, type MemberFacts, type PgFacts } from '../facts'
import type { Attempt, Handoff } from '../../handoff'
import { hbaFile, type PgMember } from '../model'
import type { PgNode } from '../node'
import type { Probe } from '../probe'
import { memberOp, type MemberOp } from '../member-op'

export type Up = { member: PgMember; facts: PgFacts }

/** The primary, and what every other member said about itself, read at one moment. */
export interface Located {
  up: Up
  facts: MemberFacts[]
}

/** What pre-flight found and judged on the new member's host in this attempt. */
export interface Preflighted {
  probe: Probe
  /** Creating the data dir needs root. */
  needsRoot: boolean
  /** The cluster's system identifier (what a stale copy of it carries). */
  sysid: string
}

/** The members' files (pg_hba.conf, ~/.pgpass, the new member's claim), read at one moment. */
export interface Files {
  states: MemberState[]
  newState: MemberState
}

/** The reads handed from step to step within one attempt (see each step's header). */
export interface AddReplicaHandoffs {
  /** Located by pre-flight (or by the first step of an abandon that needs it). */
  located: Handoff<Located>
  preflighted: Handoff<Preflighted>
  /** Read by pre-flight for prepare's check, right after. */
  files: Handoff<Files>
}

export type AddReplicaOp = MemberOp<AddReplicaParams>

export const addReplicaOp = (hosts: HostExec, p: AddReplicaParams): AddReplicaOp => memberOp(hosts, p)

/** What the guard lets the base backup delete besides a missing or empty dir. */
export const allowFor = (op: AddReplicaOp, sysid: string) => allowArg({ any: op.p.overwrite && op.p.overwriteUnrelated, sysid: op.p.overwrite ? sysid : undefined })

/** Reads every other member's facts now and finds the primary (of the recorded version). */
export async function locate(op: AddReplicaOp): Promise<Located> {
  const facts = await Promise.all(op.others.map((n) => readFacts(n, op.role)))
  const up = locatePrimary(op.c, facts)
  if (majorOf(up.facts.versionNum) !== op.major) {
    throw pgError('version_mismatch', `The primary ${up.member.name} on ${up.member.host} runs PostgreSQL ${up.facts.version}, but cluster ${op.c.id} is recorded as PostgreSQL ${op.major}. Adopt the cluster again so ReplicaDesk knows its version.`, { host: up.member.host, check: 'version' })
  }
  return { up, facts }
}

/**
 * The primary as located earlier in this attempt (pre-flight locates it on every run; under
 * the cluster lease it stays the primary), else located now and handed along.
 */
export async function located(op: AddReplicaOp, h: Handoff<Located>, a: Attempt): Promise<Located> {
  return h.get(a) ?? h.put(a, await locate(op))
}

/** Where a member's pg_hba.conf is: where it says, when it answered; else where the model says. */
export function hbaPathOf(op: AddReplicaOp, facts: readonly MemberFacts[] | undefined, n: PgNode): string {
  const f = facts?.find((x) => x.member.name === n.name)
  return f && 'facts' in f ? f.facts.hbaFile : hbaFile(n.member, op.major)
}

/** The new member's pg_hba.conf: its own only in the Debian layout (a plain data dir gets the source's). */
export const newHbaPath = (op: AddReplicaOp) => (op.member.layout === 'debian' ? hbaFile(op.member, op.major) : undefined)

/** The primary to show in a plan (nothing is read for a plan). */
export const plannedPrimary = (op: AddReplicaOp) => op.c.members.find((m) => m.name !== op.member.name)!
