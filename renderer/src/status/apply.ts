// Keeping a client's copy of a cluster's live status current from the statusChanged events:
// a snapshot replaces it, a diff with the next seq is applied, anything else (a gap, a
// heartbeat whose seq is not ours, a diff naming a member we do not know) means "ask status.get
// again". Unchanged members keep their object identity, so the UI re-renders only what moved.
// electron/core/status/diff.ts `applyDiff` is the reference; this is the renderer's copy.
import type { ClusterFields, ClusterStatus, MemberStatus, StatusEvent } from '../../../shared/status'

export type StatusDiff = Extract<StatusEvent, { kind: 'diff' }>

export interface DiffBody {
  seq: number
  at: string
  members: readonly { name: string; changes: Partial<MemberStatus> }[]
  clusterChanges?: Partial<ClusterFields>
}

/** The snapshot brought up to date with a diff; members not named in the diff are the same objects. */
export function applyDiff(snapshot: ClusterStatus, diff: DiffBody): ClusterStatus {
  const changes = new Map<string, Partial<MemberStatus>>()
  // The reference takes the first entry for a name; so does this.
  for (const m of diff.members) if (!changes.has(m.name)) changes.set(m.name, m.changes)
  const members = changes.size
    ? snapshot.members.map((m) => {
        const c = changes.get(m.name)
        return c ? { ...m, ...c } : m
      })
    : snapshot.members
  return { ...snapshot, ...diff.clusterChanges, members, seq: diff.seq, at: diff.at }
}

export type EventOutcome =
  /** The copy changed (or was replaced). */
  | { kind: 'applied'; status: ClusterStatus }
  /** Nothing to do: an old or repeated diff, or a heartbeat that agrees. */
  | { kind: 'unchanged' }
  /** The copy cannot be brought up to date from this event: ask status.get. */
  | { kind: 'refetch'; why: string }

/** What one statusChanged event does to a copy (`null`: none yet). Pure. */
export function applyEvent(current: ClusterStatus | null, e: StatusEvent): EventOutcome {
  if (e.kind === 'snapshot') return { kind: 'applied', status: { ...e.snapshot, seq: e.seq } }
  if (!current) return { kind: 'refetch', why: `${e.kind} ${e.seq} before any snapshot` }
  if (e.kind === 'heartbeat') return e.seq === current.seq ? { kind: 'unchanged' } : { kind: 'refetch', why: `heartbeat ${e.seq}, copy at ${current.seq}` }
  if (e.seq <= current.seq) return { kind: 'unchanged' }
  if (e.seq !== current.seq + 1) return { kind: 'refetch', why: `diff ${e.seq} after ${current.seq}: missed ${e.seq - current.seq - 1}` }
  const known = new Set(current.members.map((m) => m.name))
  const stranger = e.members.find((m) => !known.has(m.name))
  if (stranger) return { kind: 'refetch', why: `diff ${e.seq} names unknown member ${stranger.name}` }
  return { kind: 'applied', status: applyDiff(current, e) }
}

/**
 * Events that arrived while status.get was on its way, replayed on its answer in seq order.
 * Those the answer already contains are skipped; a gap after it asks for another fetch.
 */
export function replay(fetched: ClusterStatus, buffered: readonly StatusEvent[]): { status: ClusterStatus; refetch: string | null } {
  let status = fetched
  // Snapshots keep their place (a collector restart); diffs and heartbeats go by seq after it.
  const lastSnapshot = buffered.findLastIndex((e) => e.kind === 'snapshot')
  const rest = lastSnapshot >= 0 ? buffered.slice(lastSnapshot) : buffered
  const ordered = [...rest].sort((a, b) => (a.kind === 'snapshot' ? -1 : b.kind === 'snapshot' ? 1 : a.seq - b.seq))
  let refetch: string | null = null
  for (const e of ordered) {
    const r = applyEvent(status, e)
    if (r.kind === 'applied') {
      status = r.status
      refetch = null
    } else if (r.kind === 'refetch') {
      // A heartbeat older than the answer is no news; a later diff may still close the gap.
      if (e.kind === 'heartbeat' && e.seq < status.seq) continue
      refetch = r.why
    }
  }
  return { status, refetch }
}
