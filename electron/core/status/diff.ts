// What changed between two snapshots of a cluster: per member, only the fields whose values
// differ; for the cluster, only the cluster-level fields that differ. Values are plain JSON
// (numbers, strings, null, small objects), compared by value.
import type { ClusterFields, ClusterStatus, MemberStatus } from '../../../shared/status'

export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    return a.length === bb.length && a.every((x, i) => same(x, bb[i]))
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

export function diffMember(prev: MemberStatus | undefined, next: MemberStatus): Partial<MemberStatus> | null {
  if (!prev) return { ...next }
  const changes: Partial<MemberStatus> = {}
  let any = false
  for (const key of Object.keys(next) as (keyof MemberStatus)[]) {
    if (!same(prev[key], next[key])) {
      ;(changes as Record<string, unknown>)[key] = next[key]
      any = true
    }
  }
  return any ? changes : null
}

export interface ClusterDiff {
  members: { name: string; changes: Partial<MemberStatus> }[]
  clusterChanges?: Partial<ClusterFields>
}

const CLUSTER_FIELDS = ['primary', 'splitBrain', 'otherSlots', 'lastPrimary', 'automatic'] as const

/** null when nothing changed. Members are matched by name; the member list of a cluster is fixed per collection. */
export function diffCluster(prev: ClusterStatus | null, next: ClusterStatus): ClusterDiff | null {
  const before = new Map((prev?.members ?? []).map((m) => [m.name, m]))
  const members: ClusterDiff['members'] = []
  for (const m of next.members) {
    const changes = diffMember(before.get(m.name), m)
    if (changes) members.push({ name: m.name, changes })
  }
  const clusterChanges: Partial<ClusterFields> = {}
  let clusterAny = false
  for (const k of CLUSTER_FIELDS) {
    if (!prev || !same(prev[k], next[k])) {
      ;(clusterChanges as Record<string, unknown>)[k] = next[k]
      clusterAny = true
    }
  }
  if (members.length === 0 && !clusterAny) return null
  return clusterAny ? { members, clusterChanges } : { members }
}

/** A client's copy brought up to date with a diff (what the UI store does; used by tests). */
export function applyDiff(snapshot: ClusterStatus, diff: ClusterDiff & { seq: number; at: string }): ClusterStatus {
  const members = snapshot.members.map((m) => {
    const c = diff.members.find((x) => x.name === m.name)
    return c ? { ...m, ...c.changes } : m
  })
  return { ...snapshot, ...diff.clusterChanges, members, seq: diff.seq, at: diff.at }
}
