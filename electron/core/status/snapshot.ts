// The cluster-level reading of one tick, the same for every engine: the engine turns each
// member's sample into figures (roles, positions, lag, slots); here, from the members that
// answered this tick, which accept writes (one server listed under two names counts once),
// hence the primary or a split brain, and the primary position to keep.
import type { PrimaryPosition, SplitBrainAlarm } from '../../../shared/status'
import type { DerivedStatus, MemberView, StatusMemberInput, StatusSource } from '../engines/engine'

interface ClusterFigures extends DerivedStatus {
  /** The one member that accepts writes, else null (none, or a split brain). */
  primary: string | null
  /** Writable members, one per server, in member order. */
  writable: string[]
}

export function deriveCluster<S>(source: StatusSource<S>, views: readonly MemberView<S>[]): ClusterFigures {
  const d = source.derive(views)
  const seen = new Set<string>()
  const writable: string[] = []
  views.forEach((v, i) => {
    const live = v.state === 'up' && v.sample !== null && v.fresh
    if (live && d.members[i]?.writable === true && !seen.has(v.instanceKey)) {
      seen.add(v.instanceKey)
      writable.push(v.name)
    }
  })
  return { ...d, primary: writable.length === 1 ? writable[0]! : null, writable }
}

/** Names a member answers to from the other members: its address, host record, SSH address. */
export const aliasesOf = (m: StatusMemberInput) => [m.address, m.host, m.target.address].filter((x): x is string => !!x)

/** One server = one key: the SSH address and the engine's endpoint on that host. */
export const instanceKeyOf = (source: Pick<StatusSource, 'endpoint'>, m: StatusMemberInput) => `${m.target.address}:${m.target.port ?? 22}|${source.endpoint(m)}`

/** The alarm after this tick, keeping `since` while the same members stay writable. */
export function nextSplitBrain(prev: SplitBrainAlarm | null, writable: readonly string[], cluster: string, now: Date): SplitBrainAlarm | null {
  if (writable.length < 2) return null
  const members = [...writable]
  if (prev && prev.members.length === members.length && prev.members.every((m, i) => m === members[i])) return prev
  const names = members.length === 2 ? `${members[0]} and ${members[1]}` : `${members.slice(0, -1).join(', ')} and ${members.at(-1)}`
  return {
    members,
    since: prev?.since ?? now.toISOString(),
    message: `SPLIT BRAIN in cluster ${cluster}: ${names} ${members.length === 2 ? 'both' : 'all'} accept writes at the same time. Writes to the wrong one will be lost. Stop or fence all but one of them (the one clients should write to) before anything else.`,
  }
}

/** The primary position to keep: the first time the primary was seen at this position. */
export function nextPosition(prev: PrimaryPosition | null, seen: DerivedStatus['position'], now: Date): PrimaryPosition | null {
  if (!seen) return prev
  if (prev && prev.member === seen.member && prev.lsn === seen.lsn && prev.timeline === seen.timeline) return prev
  return { member: seen.member, lsn: seen.lsn, timeline: seen.timeline, at: now.toISOString() }
}
