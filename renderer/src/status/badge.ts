// The one badge that says what a member is NOW, shown on its card, its topology box and its
// row in the member table: an operation working on it (being created, rejoining…) first, then
// fenced (the core's list), then down (stopped or unreachable), else the role the server
// reports. The role last read stays as secondary text ("was primary") once it no longer holds.
// An add or rejoin that just succeeded keeps its badge while the status copy still shows the
// member stopped since before the operation ended (the next poll reads it up): the stop was the
// creation, not a failure. Pure: components show what this returns and never decide it.
import type { MemberStatus } from '../../../shared/status'
import type { FinishedOperation, MemberOperationState } from '../operations/memberState'
import type { Tone } from '../operations/format'
import { roleLabel } from './format'

export type BadgeKind = 'operation' | 'fenced' | 'stopped' | 'down' | 'primary' | 'standby' | 'unknown'

export interface MemberBadge {
  kind: BadgeKind
  /** What it is now: `fenced`, `stopped`, `being created`, `primary`… */
  label: string
  /** What it was, when that no longer holds: `was primary`; else null. */
  was: string | null
  tone: Tone
  /** An operation runs on it: it is not counted as down, and its progress is shown with it. */
  busy: boolean
}

type Member = Pick<MemberStatus, 'state' | 'down' | 'role' | 'writable'>

/** Not read up yet, and down (if down) since before the operation ended: the status copy is behind. */
function settling(m: Member | undefined, finished: FinishedOperation): boolean {
  if (!m || m.state === 'unknown') return true
  if (m.state !== 'down' || !m.down) return false
  const since = Date.parse(m.down.since)
  const ended = Date.parse(finished.endedAt)
  return !Number.isNaN(since) && !Number.isNaN(ended) && since <= ended
}

/** Down because PostgreSQL does not run (or is on its way down or up), not because of the host. */
const STOPPED: ReadonlySet<string> = new Set(['not_running', 'shutting_down'])

const wasOf = (m: Member | undefined): string | null => (m?.role ? `was ${m.role}` : null)

/**
 * @param m the member's live status (undefined: not read yet, e.g. just added to the record)
 * @param fenced the core lists it among the cluster's fenced members
 * @param op the running or undecided operation on it (operations/memberState.ts)
 * @param finished its newest operation when that is an add or a rejoin that succeeded
 */
export function memberBadge(m: Member | undefined, fenced: boolean, op?: MemberOperationState, finished?: FinishedOperation): MemberBadge {
  if (!op && finished && settling(m, finished)) op = finished
  const upRole = m?.state === 'up' && m.role ? roleLabel(m) : null
  if (op) {
    const busy = op.tone === 'busy'
    // A member being created had no role yet; a rejoining one says what it was before.
    return { kind: 'operation', label: op.label, was: upRole === null ? wasOf(m) : null, tone: op.tone, busy }
  }
  if (fenced) return { kind: 'fenced', label: 'fenced', was: wasOf(m), tone: 'bad', busy: false }
  if (!m || m.state === 'unknown') return { kind: 'unknown', label: 'not read yet', was: null, tone: 'none', busy: false }
  if (m.state === 'down') {
    const stopped = !!m.down && STOPPED.has(m.down.code)
    return { kind: stopped ? 'stopped' : 'down', label: stopped ? 'stopped' : 'down', was: wasOf(m), tone: 'bad', busy: false }
  }
  if (m.role === null) return { kind: 'unknown', label: roleLabel(m), was: null, tone: 'none', busy: false }
  return { kind: m.role, label: roleLabel(m), was: null, tone: m.role === 'primary' ? 'ok' : 'none', busy: false }
}

/** Per member an operation works on (its badge is busy), what it does: for the up count. */
export function busyMembers(
  members: readonly (Member & { name: string })[],
  fenced: ReadonlySet<string>,
  operations: ReadonlyMap<string, MemberOperationState>,
  finished: ReadonlyMap<string, FinishedOperation>,
): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of members) {
    const b = memberBadge(m, fenced.has(m.name), operations.get(m.name), finished.get(m.name))
    if (b.busy) out.set(m.name, b.label)
  }
  return out
}

/** Equal badges (so a view can keep the old object and skip a re-render). */
export const sameBadge = (a: MemberBadge, b: MemberBadge): boolean => a.kind === b.kind && a.label === b.label && a.was === b.was && a.tone === b.tone && a.busy === b.busy

/** `fenced · was primary`, `standby`: the badge as one line of text. */
export const badgeText = (b: MemberBadge): string => (b.was ? `${b.label} · ${b.was}` : b.label)
