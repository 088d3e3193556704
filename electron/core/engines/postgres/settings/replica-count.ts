// The replicas wanted, reached by the settings change itself: after the settings are applied
// and verified, each planned add runs the add-replica steps (pre-flight, copy with byte
// progress, start, streaming, synchronous settings) and each planned removal the
// remove-replica steps (its data dir kept), one after another, as steps of this one journaled
// operation: a crash anywhere is resumed or abandoned like any other step. Step ids are
// `add1-…`, `remove1-…` (names may be long; ids must stay short).
import { z } from 'zod'
import type { Step } from '../../../operations'
import type { HostExec } from '../../host-exec'
import { addReplicaParams, buildAddReplica } from '../add-replica'
import { knownDataDirs } from '../../data-dir-guard'
import { memberName, pgMember, type PgCluster } from '../model'
import { buildRemoveReplica, removeReplicaParams } from '../remove-replica'
import { nestSteps } from './nest'

export const replicaChanges = z.object({
  /** New members, in order, each with why its host was chosen. */
  add: z.array(z.object({ member: pgMember, why: z.string() })).max(31).default([]),
  /** Members to remove, in order, each with why it goes first. */
  remove: z.array(z.object({ member: memberName, why: z.string() })).max(31).default([]),
  /** Data dirs of the members of the other cluster records (the data-dir guard's). */
  knownDataDirs,
})
export type ReplicaChanges = z.output<typeof replicaChanges>

/** The record as it is once every planned add and removal is done. */
export function afterReplicaChanges(c: PgCluster, r: ReplicaChanges): PgCluster {
  const gone = new Set(r.remove.map((x) => x.member))
  return { ...c, members: [...c.members, ...r.add.map((a) => a.member)].filter((m) => !gone.has(m.name)) }
}

export function replicaCountSteps<P>(hosts: HostExec, cluster: PgCluster, r: ReplicaChanges): Step<P>[] {
  const out: Step<P>[] = []
  let c = cluster
  r.add.forEach(({ member, why }, i) => {
    c = { ...c, members: [...c.members, member] }
    const params = addReplicaParams.parse({ cluster: c, member: member.name, knownDataDirs: r.knownDataDirs })
    out.push(...withWhy(nestSteps<P, typeof params>(`add${i + 1}`, `Add ${member.name} on ${member.host}: `, buildAddReplica(hosts, params), params), why))
  })
  r.remove.forEach(({ member, why }, i) => {
    const params = removeReplicaParams.parse({ cluster: c, member, deleteData: false, knownDataDirs: r.knownDataDirs })
    const host = c.members.find((m) => m.name === member)?.host
    out.push(...withWhy(nestSteps<P, typeof params>(`remove${i + 1}`, `Remove ${member} on ${host}: `, buildRemoveReplica(hosts, params), params), `${why}; its data dir is kept`))
    c = { ...c, members: c.members.filter((m) => m.name !== member) }
  })
  return out
}

/** Why, said once: in the title of the first step of an add or removal. */
function withWhy<P>(steps: Step<P>[], why: string): Step<P>[] {
  return steps.map((s, i) => (i === 0 ? { ...s, title: `${s.title} (${why})` } : s))
}

/** The plan's sentences on the replicas it adds and removes (none when it adds and removes nothing). */
export function replicaSentences(r: ReplicaChanges | undefined): string[] {
  const out: string[] = []
  if (r?.add.length) out.push(`Then ${listOf(r.add.map((a) => `${a.member.name} is copied to ${a.member.host} (${a.why})`))}, one after another: pg_basebackup of the whole primary each, writes go on meanwhile.`)
  if (r?.remove.length) out.push(`Then ${listOf(r.remove.map((x) => `${x.member} is removed (${x.why})`))}; its data dir is kept.`)
  return out
}

const listOf = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join('; ')} and ${xs.at(-1)}`)
